"""What the training emails need at send time (see guidelines.notices): the session as it is
then, freshly signed links, and the .ics attachment built from the current revision."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from guidelines.ics import session_attachment
from guidelines.models.trainings import InvitationStatus, TrainingInvitation, TrainingSession
from notifications.models import Notification


def _is_about(notification: Notification, model: str) -> bool:
    if notification.object_id is None or notification.content_type_id is None:
        return False
    content_type = ContentType.objects.get_for_id(notification.content_type_id)
    return (content_type.app_label, content_type.model) == ("guidelines", model)


def invitation_for(notification: Notification) -> TrainingInvitation | None:
    if not _is_about(notification, "traininginvitation"):
        return None
    return (
        TrainingInvitation.objects.select_related(
            "session", "session__trainer", "person", "session__phase__rollout"
        )
        .filter(pk=notification.object_id)
        .first()
    )


def trainer_session_for(notification: Notification) -> TrainingSession | None:
    """The session of a notice to its trainer (about the session, not an invitation), while
    the recipient is still its trainer; a replaced trainer's notice says so in its context."""
    if not _is_about(notification, "trainingsession"):
        return None
    session = (
        TrainingSession.objects.select_related("trainer", "phase__rollout")
        .filter(pk=notification.object_id)
        .first()
    )
    if session is None or notification.person_id is None:
        return None
    if notification.context.get("removed"):
        return None  # a person taken out of the audience: see removed_session_for
    if notification.context.get("trainer_replaced"):
        return session if session.trainer_id != notification.person_id else None
    if session.trainer_id != notification.person_id:
        return None
    return session


def removed_session_for(notification: Notification) -> TrainingSession | None:
    """The session of a cancellation to a person taken out of its audience, unless they
    are invited again meanwhile (then the new invitation puts it back in their calendar)."""
    if not notification.context.get("removed") or not _is_about(notification, "trainingsession"):
        return None
    session = (
        TrainingSession.objects.select_related("trainer", "phase__rollout")
        .filter(pk=notification.object_id)
        .first()
    )
    if session is None or notification.person_id is None:
        return None
    if session.invitations.filter(person_id=notification.person_id).exists():
        return None
    return session


def _removed_invitation(session: TrainingSession, notification: Notification):
    """A stand-in invitation (not saved) for the calendar file and the mail of a person taken
    out of the audience: their row is gone, their answer is no longer needed."""
    from rollout.models import Person

    person = Person.objects.get(pk=notification.person_id)
    return TrainingInvitation(session=session, person=person, status=InvitationStatus.DECLINED)


def _attendance_url(session: TrainingSession) -> str:
    """Only for a trainer with an account: the list opens after sign-in."""
    if session.trainer is None or not session.trainer.user_id:
        return ""
    return _url_path(reverse("guidelines:training_attendance", args=[session.pk]))


def _trainer_base(session: TrainingSession, notification: Notification) -> dict:
    from rollout.models import Person

    person = session.trainer
    if person is None or person.pk != notification.person_id:
        person = Person.objects.get(pk=notification.person_id)
    return {"session": session, "person": person, "is_trainer": True}


def _url_path(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _url(name: str, token: str) -> str:
    return _url_path(reverse(name, args=[token]))


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
    from guidelines.selectors.trainings import waitlist_place

    return {
        "invitation": invitation,
        "session": invitation.session,
        "person": invitation.person,
        "waitlist_place": waitlist_place(invitation=invitation),
    }


def invitation_context(notification: Notification) -> dict | None:
    """Withdrawn when the session was cancelled, changed again since (a newer revision is on
    its way), has started, or the person left. The trainer's copy (about the session) has the
    attendance link instead of answer links."""
    session = trainer_session_for(notification)
    if session is not None:
        if session.is_cancelled or session.has_started():
            return None
        if notification.context.get("sequence") != session.sequence:
            return None
        return {
            **_trainer_base(session, notification),
            "attendance_url": _attendance_url(session),
        }
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
    if notification.context.get("removed"):
        session = removed_session_for(notification)
        if session is None:
            return None
        invitation = _removed_invitation(session, notification)
        return {"session": session, "person": invitation.person, "removed": True}
    session = trainer_session_for(notification)
    if session is not None:
        return _trainer_base(session, notification)
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
    if notification.context.get("removed"):
        session = removed_session_for(notification)
        if session is None:
            return []
        invitation = _removed_invitation(session, notification)
        return [session_attachment(session, invitation=invitation, cancel=True)]
    session = trainer_session_for(notification)
    if session is not None:
        trainer = _trainer_base(session, notification)["person"]
        replaced = bool(notification.context.get("trainer_replaced"))
        url = "" if session.is_cancelled or replaced else _attendance_url(session)
        return [session_attachment(session, trainer=trainer, cancel=replaced, url=url)]
    invitation = invitation_for(notification)
    if invitation is None:
        return []
    url = ""
    if not invitation.session.is_cancelled:
        url = rsvp_urls(invitation)["rsvp_url"]
    return [session_attachment(invitation.session, invitation=invitation, url=url)]


def trainer_context(notification: Notification) -> dict | None:
    """The trainer's notice queued before trainers got the invitation itself: only while the
    recipient is still the trainer of a session that has not ended."""
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
