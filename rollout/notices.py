"""The notification kinds of the rollout core (see notifications.kinds)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from notifications.kinds import NotificationKind, register
from notifications.models import Notification

PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind, not a password)


def _password_reset_context(notification: Notification) -> dict | None:
    """The reset link is made when the mail is sent, so it is valid for its full time."""
    user = notification.user
    if user is None or not user.is_active:
        return None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return {
        "user": user,
        "reset_url": f"{settings.SITE_URL}{path}",
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }


register(
    NotificationKind(
        key=PASSWORD_RESET,
        label=_("Password reset"),
        template="password_reset",
        context=_password_reset_context,
    )
)
