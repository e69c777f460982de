"""The notification kinds of the guidelines app (see notifications.kinds)."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from notifications.kinds import NotificationKind, Pace, register
from notifications.models import Notification

GUIDELINE_ACK_REQUEST = "guideline_ack_request"
GUIDELINE_ACK_LINK = "guideline_ack_link"


def acknowledgment_context(notification: Notification) -> dict | None:
    """The personal link is signed when the mail is sent, so it is valid for its full time.
    Nothing is sent when the person has acknowledged meanwhile, left, or the version is no
    longer in force (the next version sends its own request)."""
    from guidelines.models import AcknowledgmentRequest, VersionStatus
    from guidelines.services.guidelines import ack_url, link_max_age

    request = (
        AcknowledgmentRequest.objects.select_related("version__guideline", "person")
        .filter(
            version_id=notification.context.get("version_id"),
            person_id=notification.context.get("person_id"),
        )
        .first()
    )
    if request is None or not request.person.is_active:
        return None
    version = request.version
    if version.status != VersionStatus.PUBLISHED:
        return None
    if hasattr(request, "acknowledgment"):
        return None
    # Rendered in the recipient's language: English readers get the English text's summary.
    english = translation.get_language() == "en" and version.has_english
    return {
        "version": version,
        "guideline": version.guideline,
        "person": request.person,
        "english": english,
        "change_summary": (version.change_summary_en if english else "") or version.change_summary,
        "is_update": version.supersedes_id is not None,
        "ack_url": ack_url(person_id=request.person_id, version_id=version.pk),
        "valid_days": link_max_age().days,
    }


register(
    NotificationKind(
        key=GUIDELINE_ACK_REQUEST,
        label=_("Guideline to acknowledge"),
        template="guideline_ack_request",
        context=acknowledgment_context,
        pace=Pace.REMINDER,  # a mass request with weeks to answer: may wait for the digest
    )
)
register(
    NotificationKind(
        key=GUIDELINE_ACK_LINK,
        label=_("Fresh guideline link"),
        template="guideline_ack_link",
        context=acknowledgment_context,
        immediate=True,  # asked for from an expired link: the person is waiting for it
        pace=Pace.TRANSACTIONAL,
    )
)

# --- Training sessions (the callbacks live in guidelines.training_emails) -------------------

from guidelines import training_emails  # noqa: E402

# An invitation (also when the session changed), a seat from the waitlist, a cancellation
# and the trainer's notice are about a date: sent at once (outside quiet hours) with the .ics.
# The feedback request may wait for the digest.
_T, _R = Pace.TRANSACTIONAL, Pace.REMINDER
for _key, _label, _context, _attachments, _pace in (
    ("training_invitation", _("Training invitation"), training_emails.invitation_context, True, _T),
    ("training_promoted", _("Seat from the waitlist"), training_emails.promoted_context, True, _T),
    ("training_cancelled", _("Training cancelled"), training_emails.cancelled_context, True, _T),
    ("training_feedback", _("Training feedback"), training_emails.feedback_context, False, _R),
    ("training_trainer", _("Training to give"), training_emails.trainer_context, False, _T),
):
    register(
        NotificationKind(
            key=_key,
            label=_label,
            template=_key,
            context=_context,
            attachments=training_emails.calendar_attachments if _attachments else None,
            pace=_pace,
        )
    )
