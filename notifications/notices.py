"""The outbox's own notification kinds: the daily digest, and the reminder rules (each rule
module registers its kinds when imported)."""

from django.utils.translation import gettext_lazy as _

from notifications.emails import NotificationObsolete, render_parts
from notifications.kinds import NotificationKind, Pace, get_kind, register
from notifications.models import Notification, NotificationState
from notifications.services.sending import DIGEST_KIND


def _digest_context(notification: Notification) -> dict | None:
    """Each bundled item rendered as it is now, in the recipient's language; items whose
    reason is gone are cancelled and left out, and a digest left empty is not sent."""
    entries = []
    items = Notification.objects.filter(digest=notification).select_related("person", "user")
    for item in items.order_by("due_at", "pk"):
        kind = get_kind(item.kind)
        if kind is None:
            continue
        try:
            subject, text, _html = render_parts(kind, item)
        except NotificationObsolete:
            Notification.objects.filter(pk=item.pk).update(state=NotificationState.CANCELLED)
            continue
        entries.append({"subject": subject, "text": text.strip(), "kind": kind.label})
    if not entries:
        return None
    return {"entries": entries}


register(
    NotificationKind(
        key=DIGEST_KIND,
        label=_("Daily digest"),
        template="digest",
        context=_digest_context,
        pace=Pace.REMINDER,  # it carries reminders; never counted towards the cap itself
    )
)
