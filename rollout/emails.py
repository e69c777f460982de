"""Every email the rollout core sends, rendered in the recipient's language and time zone."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from rollout.models import User


def send_templated(*, name: str, to: str, language: str, time_zone: str, context: dict) -> None:
    """Render templates/emails/<name>.subject.txt, .txt and .html and send them."""
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(time_zone)):
        context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def password_reset_send(*, user: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    send_templated(
        name="password_reset",
        to=user.email,
        language=user.language,
        time_zone=user.time_zone,
        context={
            "user": user,
            "reset_url": f"{settings.SITE_URL}{path}",
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )
