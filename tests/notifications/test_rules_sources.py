"""The rule sources built on the other areas' models: content workflows waiting for
confirmation (head, then sponsor), late content deliveries (supplier, then head), guidelines
not acknowledged (person, then department head), training tomorrow and open RSVPs."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from guidelines.models import AcknowledgmentRequest, InvitationStatus
from guidelines.services.guidelines import acknowledgment_record
from guidelines.services.trainings import invitation_respond
from notifications.models import Notification, NotificationState
from notifications.rules.scan import reminders_scan
from rollout.models import PhaseKind
from rollout.models.workflows import ContentDelivery
from rollout.services.workflows import supply_link_path, workflow_propose
from tests import factories

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _one_by_one(settings):
    settings.NOTIFY_DIGEST_ENABLED = False


def _scan(at, capture) -> int:
    with capture(execute=True):
        return reminders_scan(now=at)


def _rows(kind: str):
    return Notification.objects.filter(kind=kind).order_by("pk")


def test_workflow_waiting_reminds_the_head_then_escalates_to_the_sponsor(
    cast, django_capture_on_commit_callbacks
):
    workflow = factories.ContentWorkflowFactory(department=cast.department_a, by=cast.manager)
    with django_capture_on_commit_callbacks(execute=True):
        workflow_propose(workflow=workflow, by=cast.manager)
    mail.outbox.clear()
    now = timezone.now()
    assert _scan(now + 2 * DAY, django_capture_on_commit_callbacks) == 0
    assert _scan(now + 3 * DAY, django_capture_on_commit_callbacks) == 1
    assert _scan(now + 4 * DAY, django_capture_on_commit_callbacks) == 0
    assert _scan(now + 7 * DAY, django_capture_on_commit_callbacks) == 1
    assert _scan(now + 11 * DAY, django_capture_on_commit_callbacks) == 1
    assert _scan(now + 15 * DAY, django_capture_on_commit_callbacks) == 1
    assert _scan(now + 30 * DAY, django_capture_on_commit_callbacks) == 0
    reminders = _rows("reminder_workflow")
    assert [r.person_id for r in reminders] == [cast.head_a.person.pk] * 3
    assert all(r.state == NotificationState.SENT for r in reminders)
    escalation = _rows("escalation_workflow").get()
    assert escalation.person_id == cast.leadership.person.pk
    assert escalation.state == NotificationState.SENT
    assert workflow.title in mail.outbox[0].subject
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers  # mandatory: no way out
    assert mail.outbox[-1].to[0].endswith(f"<{cast.leadership.email}>")


def test_late_delivery_reminds_the_supplier_then_the_head(cast, django_capture_on_commit_callbacks):
    workflow = factories.ContentWorkflowFactory(department=cast.department_a, by=cast.manager)
    supplier = factories.PersonFactory(department=cast.department_a)
    now = timezone.now()
    delivery = ContentDelivery.objects.create(
        workflow=workflow,
        description="Fotos vom Sommerfest",
        requested_at=now - 2 * DAY,
        due_at=now - datetime.timedelta(hours=1),
        supplier=supplier,
    )
    assert _scan(now, django_capture_on_commit_callbacks) == 1
    assert _scan(now + DAY, django_capture_on_commit_callbacks) == 1
    assert _scan(now + 2 * DAY, django_capture_on_commit_callbacks) == 1  # escalation
    assert [r.person_id for r in _rows("reminder_delivery")] == [supplier.pk] * 2
    assert _rows("escalation_delivery").get().person_id == cast.head_a.person.pk
    assert "Fotos vom Sommerfest" in mail.outbox[0].subject
    supply = supply_link_path(workflow=workflow, person=supplier).split(":")[0]  # unsigned part
    assert "https://changehub.example" + supply in mail.outbox[0].body
    # Delivered meanwhile: a queued reminder is withdrawn at send time.
    delivery.delivered_at = now
    delivery.save(update_fields=["delivered_at"])
    assert _scan(now + 5 * DAY, django_capture_on_commit_callbacks) == 0


def test_guideline_reminds_the_person_then_the_head_gets_the_missing(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        version = factories.guideline_version("published")
    mail.outbox.clear()
    employee = cast.employee.person
    request = AcknowledgmentRequest.objects.get(version=version, person=employee)
    start = request.created_at
    for days in (7, 14, 21, 28):
        _scan(
            start + days * DAY + datetime.timedelta(minutes=1), django_capture_on_commit_callbacks
        )
    mine = _rows("reminder_guideline").filter(person=employee)
    assert mine.count() == 3 and all(r.state == NotificationState.SENT for r in mine)
    escalation = _rows("escalation_guideline").get(object_id=request.pk)
    assert escalation.person_id == cast.head_a.person.pk
    assert escalation.state == NotificationState.SENT
    # Nobody escalates to themselves: head A's own request has no escalation.
    own = AcknowledgmentRequest.objects.get(version=version, person=cast.head_a.person)
    assert not _rows("escalation_guideline").filter(object_id=own.pk).exists()
    # Acknowledged: no more reminders for this person on a later version's schedule.
    acknowledgment_record(request=own, method="on_behalf", by=cast.manager, reason="Papier")
    assert (
        not _rows("reminder_guideline")
        .filter(person=cast.head_a.person, dedup_key__endswith=":4")
        .exists()
    )


def test_training_tomorrow_and_open_rsvp(cast, django_capture_on_commit_callbacks):
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    accepted = factories.PersonFactory(department=cast.department_b)
    silent = factories.PersonFactory(department=cast.department_b)
    starts = timezone.now() + datetime.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        session = factories.training_session(
            phase=phase,
            by=cast.manager,
            people=[accepted, silent],
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
        )
    invitation = session.invitations.get(person=accepted)
    invitation_respond(invitation=invitation, answer="accept")
    mail.outbox.clear()
    now = timezone.now()
    assert _scan(now, django_capture_on_commit_callbacks) == 0  # five days ahead: nothing
    assert _scan(now + 2 * DAY + DAY / 2, django_capture_on_commit_callbacks) == 1  # RSVP
    assert _scan(now + 3 * DAY, django_capture_on_commit_callbacks) == 0
    assert _scan(now + 4 * DAY + DAY / 2, django_capture_on_commit_callbacks) == 1  # tomorrow
    assert _rows("reminder_rsvp_open").get().person_id == silent.pk
    assert _rows("reminder_training_tomorrow").get().person_id == accepted.pk
    assert session.invitations.get(person=silent).status == InvitationStatus.INVITED
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 2 and all(session.title in s for s in subjects)
