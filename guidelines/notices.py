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
    from guidelines.selectors.guidelines import _acknowledged_an_earlier_version
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
    # "What changed" is for someone who knows an earlier text; a new colleague reads it all.
    is_update = version.supersedes_id is not None and _acknowledged_an_earlier_version(request)
    return {
        "version": version,
        "guideline": version.guideline,
        "person": request.person,
        "english": english,
        "change_summary": (
            ((version.change_summary_en if english else "") or version.change_summary)
            if is_update or version.supersedes_id is None
            else ""
        ),
        "is_update": is_update,
        # Someone who joined after publication has the period from their joining.
        "due": request.due,
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

# --- The works council (Betriebsrat) ---------------------------------------------------------

COUNCIL_REVIEW = "guideline_council_review"
COUNCIL_DECISION = "guideline_council_decision"


def council_review_context(notification: Notification) -> dict | None:
    """To a member of the works council: a version waits for their review. Nothing is sent
    once it is no longer with the council (decided, or pulled back meanwhile)."""
    from django.conf import settings
    from django.urls import reverse

    from guidelines.models import GuidelineVersion, VersionStatus

    version = (
        GuidelineVersion.objects.select_related("guideline")
        .filter(pk=notification.context.get("version_id"), status=VersionStatus.REVIEW)
        .first()
    )
    if version is None:
        return None
    return {
        "version": version,
        "guideline": version.guideline,
        "review_url": settings.SITE_URL + reverse("guidelines:council_version", args=[version.pk]),
    }


def council_decision_context(notification: Notification) -> dict | None:
    """To the social media manager: the works council approved a version or sent it back,
    with its comment."""
    from django.conf import settings
    from django.urls import reverse

    from guidelines.models import GuidelineVersion, VersionEvent

    version = (
        GuidelineVersion.objects.select_related("guideline")
        .filter(pk=notification.context.get("version_id"))
        .first()
    )
    event = (
        VersionEvent.objects.select_related("by")
        .filter(pk=notification.context.get("event_id"), version=version)
        .first()
    )
    if version is None or event is None:
        return None
    return {
        "version": version,
        "guideline": version.guideline,
        "event": event,
        "approved": event.kind == "approved",
        "decided_by": event.by.full_name or event.by.email if event.by else "",
        "version_url": settings.SITE_URL + reverse("guidelines:version", args=[version.pk]),
    }


register(
    NotificationKind(
        key=COUNCIL_REVIEW,
        label=_("A guideline version for the works council to review"),
        template=COUNCIL_REVIEW,
        context=council_review_context,
        pace=Pace.TRANSACTIONAL,
    )
)
register(
    NotificationKind(
        key=COUNCIL_DECISION,
        label=_("The works council decided on a guideline version"),
        template=COUNCIL_DECISION,
        context=council_decision_context,
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
