"""Renders an outbox row into an email, in the recipient's language and time zone."""

import zoneinfo
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.kinds import get_kind
from notifications.models import Notification


class NotificationObsolete(Exception):
    """The notification's kind says it no longer makes sense; cancel it, do not send it."""


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """The email for `notification`. Raises NotificationObsolete when its kind withdraws it,
    LookupError when the kind is unknown."""
    kind = get_kind(notification.kind)
    if kind is None:
        raise LookupError(f"Unknown notification kind {notification.kind!r}.")
    try:
        zone = zoneinfo.ZoneInfo(notification.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    with translation.override(notification.language), timezone.override(zone):
        extra = kind.context(notification) if kind.context else {}
        if extra is None:
            raise NotificationObsolete(notification.kind)
        context = {
            "site_url": settings.SITE_URL,
            "notification": notification,
            "recipient_name": notification.recipient_name,
            **notification.context,
            **extra,
        }
        name = kind.template
        subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
        attachments = kind.attachments(notification) if kind.attachments else []
    to = formataddr((notification.recipient_name, notification.recipient_email))
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[to], headers={"Message-ID": notification.message_id}
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message
