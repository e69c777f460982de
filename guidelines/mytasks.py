"""The guidelines' and trainings' part of "Meine Aufgaben" (core.mytasks): guidelines to
acknowledge, invitations without an answer, feedback to give on a session attended. 3 queries."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.mytasks import Task, register
from guidelines.models import InvitationStatus, SessionStatus, TrainingInvitation
from guidelines.selectors.guidelines import pending_for_person
from guidelines.services.trainings import feedback_token, rsvp_token
from rollout.models import Person

# Feedback is asked for this long after a session.
FEEDBACK_DAYS = 30


def _tasks(person: Person) -> list[Task]:
    tasks = [
        Task(
            kind=_("Guideline"),
            title=request.version.guideline.title,
            what=_("Read and acknowledge"),
            url=reverse("guidelines:acknowledge_signed_in", args=[request.version_id]),
            due=request.due,
            order=1,
        )
        for request in pending_for_person(person_id=person.pk)
    ]
    now = timezone.now()
    open_invitations = (
        TrainingInvitation.objects.filter(
            person=person,
            status__in=[InvitationStatus.INVITED, InvitationStatus.MAYBE],
            session__starts_at__gt=now,
            session__status=SessionStatus.SCHEDULED,
        )
        .select_related("session")
        .order_by("session__starts_at", "pk")
    )
    tasks += [
        Task(
            kind=_("Training"),
            title=invitation.session.title,
            what=_("Answer the invitation"),
            url=reverse("guidelines:training_rsvp", args=[rsvp_token(invitation)]),
            due=timezone.localdate(invitation.session.starts_at),
            order=2,
        )
        for invitation in open_invitations
    ]
    since = now - datetime.timedelta(days=FEEDBACK_DAYS)
    attended = (
        TrainingInvitation.objects.filter(
            person=person,
            attended=True,
            feedback__isnull=True,
            session__ends_at__lt=now,
            session__ends_at__gte=since,
        )
        .select_related("session")
        .order_by("session__ends_at", "pk")
    )
    tasks += [
        Task(
            kind=_("Training"),
            title=invitation.session.title,
            what=_("Give feedback"),
            url=reverse("guidelines:training_feedback", args=[feedback_token(invitation)]),
            due=None,
            order=3,
        )
        for invitation in attended
    ]
    return tasks


register("guidelines", _tasks)
