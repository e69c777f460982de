"""Renders an outbox row into an email, in the recipient's language and time zone."""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.signing import LinkPurpose, link_payload, link_token
from notifications.kinds import NotificationKind, get_kind
from notifications.models import Notification
from notifications.policy import zone_of

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# Never expires: an old mail's unsubscribe link must still work (RFC 8058).
UNSUBSCRIBE_LINK = LinkPurpose(salt=UNSUBSCRIBE_SALT)


class NotificationObsolete(Exception):
    """The notification's kind says it no longer makes sense; cancel it, do not send it."""


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """The email for `notification`. Raises NotificationObsolete when its kind withdraws it,
    LookupError when the kind is unknown."""
    kind = get_kind(notification.kind)
    if kind is None:
        raise LookupError(f"Unknown notification kind {notification.kind!r}.")
    unsubscribe_url = None if kind.mandatory else unsubscribe_link(notification)
    with (
        translation.override(language_now(notification)),
        timezone.override(zone_of(notification.time_zone)),
    ):
        subject, text, html = render_parts(kind, notification, unsubscribe_url=unsubscribe_url)
        attachments = kind.attachments(notification) if kind.attachments else []
    to = formataddr((notification.recipient_name, notification.recipient_email))
    headers = {"Message-ID": notification.message_id}
    if unsubscribe_url:
        # RFC 2369 and RFC 8058: mail programs show an "Unsubscribe" button that POSTs here.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers)
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def language_now(notification: Notification) -> str:
    """The recipient's language when the mail goes out, not when it was queued: a digest
    bundles items of several days, and a person may have switched meanwhile. An account's
    choice first (as when queueing), then the directory entry's, then the row's. Uses the
    `user` and `person` the sender loads with the row (no query of its own there)."""
    if notification.user_id and notification.user.language:
        return notification.user.language
    if notification.person_id and notification.person.language:
        return notification.person.language
    return notification.language or settings.LANGUAGE_CODE


def render_parts(
    kind: NotificationKind, notification: Notification, *, unsubscribe_url: str | None = None
) -> tuple[str, str, str]:
    """Subject, text and HTML of `notification`, in the active language and time zone."""
    extra = kind.context(notification) if kind.context else {}
    if extra is None:
        raise NotificationObsolete(notification.kind)
    context = {
        "site_url": settings.SITE_URL,
        "notification": notification,
        "recipient_name": notification.recipient_name,
        "unsubscribe_url": unsubscribe_url,
        **notification.context,
        **extra,
    }
    name = kind.template
    subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
    text = render_to_string(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    return subject, text, html


def unsubscribe_token(email: str, kind: str) -> str:
    return link_token(UNSUBSCRIBE_LINK, {"e": email.lower(), "k": kind})


def unsubscribe_link(notification: Notification) -> str:
    token = unsubscribe_token(notification.recipient_email, notification.kind)
    return settings.SITE_URL + reverse("notifications:unsubscribe", args=[token])


def unsubscribe_target(token: str) -> tuple[str, str] | None:
    """(email, kind) of an unsubscribe token, or None when it was not made by us."""
    data = link_payload(UNSUBSCRIBE_LINK, token)
    if not isinstance(data, dict) or not data.get("e") or not data.get("k"):
        return None
    return str(data["e"]), str(data["k"])
