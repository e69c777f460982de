"""What the training emails need at send time (see guidelines.notices): the session as it is
then, freshly signed links, and the .ics attachment built from the current revision."""

from django.conf import settings
from django.urls import reverse

from guidelines.ics import session_attachment
from guidelines.models.trainings import InvitationStatus, TrainingInvitation
from notifications.models import Notification


def invitation_for(notification: Notification) -> TrainingInvitation | None:
    if notification.object_id is None:
        return None
    return (
        TrainingInvitation.objects.select_related(
            "session", "session__trainer", "person", "session__phase__rollout"
        )
        .filter(pk=notification.object_id)
        .first()
    )


def _url(name: str, token: str) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=[token])}"


def rsvp_urls(invitation: TrainingInvitation) -> dict[str, str]:
    from guidelines.services.trainings import rsvp_token

    base = _url("guidelines:training_rsvp", rsvp_token(invitation))
    return {
        "rsvp_url": base,
        "accept_url": f"{base}?answer=accept",
        "decline_url": f"{base}?answer=decline",
        "maybe_url": f"{base}?answer=maybe",
    }


def _base(invitation: TrainingInvitation) -> dict:
    return {
        "invitation": invitation,
        "session": invitation.session,
        "person": invitation.person,
    }


def invitation_context(notification: Notification) -> dict | None:
    """Withdrawn when the session was cancelled, changed again since (a newer revision is on
    its way), has started, or the person left."""
    invitation = invitation_for(notification)
    if invitation is None or not invitation.person.is_active:
        return None
    session = invitation.session
    if session.is_cancelled or session.has_started():
        return None
    if notification.context.get("sequence") != session.sequence:
        return None
    return {**_base(invitation), **rsvp_urls(invitation)}


def promoted_context(notification: Notification) -> dict | None:
    invitation = invitation_for(notification)
    if invitation is None or invitation.status != InvitationStatus.ACCEPTED:
        return None
    if invitation.session.is_cancelled or invitation.session.has_started():
        return None
    return {**_base(invitation), **rsvp_urls(invitation)}


def cancelled_context(notification: Notification) -> dict | None:
    invitation = invitation_for(notification)
    if invitation is None:
        return None
    return _base(invitation)


def feedback_context(notification: Notification) -> dict | None:
    """Only for attendees who have not given feedback yet, of a session that took place."""
    from guidelines.services.trainings import feedback_token

    invitation = invitation_for(notification)
    if invitation is None or not invitation.attended or invitation.session.is_cancelled:
        return None
    if hasattr(invitation, "feedback"):
        return None
    token = feedback_token(invitation)
    return {**_base(invitation), "feedback_url": _url("guidelines:training_feedback", token)}


def calendar_attachments(notification: Notification) -> list[tuple[str, bytes, str]]:
    invitation = invitation_for(notification)
    if invitation is None:
        return []
    url = ""
    if not invitation.session.is_cancelled:
        url = rsvp_urls(invitation)["rsvp_url"]
    return [session_attachment(invitation.session, invitation=invitation, url=url)]


def trainer_context(notification: Notification) -> dict | None:
    """Only while the recipient is still the trainer of a session that has not ended."""
    from guidelines.models.trainings import TrainingSession

    session = (
        TrainingSession.objects.select_related("trainer").filter(pk=notification.object_id).first()
    )
    if session is None or session.is_cancelled or session.has_ended():
        return None
    if session.trainer_id is None or session.trainer_id != notification.person_id:
        return None
    path = reverse("guidelines:training_attendance", args=[session.pk])
    return {
        "session": session,
        "person": session.trainer,
        "attendance_url": f"{settings.SITE_URL}{path}",
    }
