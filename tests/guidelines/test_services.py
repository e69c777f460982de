"""Guideline services: the version lifecycle, publishing to everyone in scope (20,000 people),
acknowledgments (append-only, comprehension check), personal links, and the emails."""

import datetime
import time

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from guidelines.models import (
    Acknowledgment,
    AcknowledgmentMethod,
    AcknowledgmentRequest,
    GuidelineVersion,
    VersionStatus,
)
from guidelines.selectors import guidelines as selectors
from guidelines.services import guidelines as services
from notifications.models import Notification, NotificationState
from rollout.models import Department, Person
from tests import factories

pytestmark = pytest.mark.django_db

QUESTION = ("Wer darf für das Unternehmen sprechen?", ["Alle", "Das Social-Media-Team"], 1)


# --- Lifecycle ------------------------------------------------------------------------------


def test_a_version_goes_from_draft_through_review_and_approval_to_published(cast):
    guideline = factories.GuidelineFactory(title="Social-Media-Richtlinie")
    version = guideline.versions.get()
    assert (version.number, version.status) == (1, VersionStatus.DRAFT)
    assert "<h2>Wer darf was sagen</h2>" in version.body_html

    version = services.version_submit(version=version, by=cast.manager)
    assert version.status == VersionStatus.REVIEW and version.submitted_at
    with pytest.raises(ValidationError):
        services.version_publish(version=version, by=cast.manager)
    version = services.version_approve(
        version=version,
        approved_on=timezone.localdate(),
        works_agreement_reference="BV 2026/07",
        by=cast.manager,
    )
    assert version.status == VersionStatus.APPROVED
    result = services.version_publish(version=version, by=cast.manager)
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert version.published_by == cast.manager
    assert version.acknowledge_by == timezone.localdate() + datetime.timedelta(days=14)
    assert result.requests_created == Person.objects.filter(is_active=True).count()


def test_steps_out_of_order_are_refused_and_repeats_change_nothing(cast):
    version = factories.guideline_version("draft")
    with pytest.raises(ValidationError):
        services.version_approve(
            version=version,
            approved_on=timezone.localdate(),
            works_agreement_reference="BV 1",
            by=None,
        )
    submitted = services.version_submit(version=version, by=None)
    again = services.version_submit(version=version, by=None)
    assert again.submitted_at == submitted.submitted_at
    back = services.version_return_to_draft(version=version, reason="Änderungswunsch", by=None)
    assert back.status == VersionStatus.DRAFT


def test_approval_needs_a_reference_and_a_date_not_in_the_future(cast):
    version = factories.guideline_version("review")
    with pytest.raises(ValidationError):
        services.version_approve(
            version=version,
            approved_on=timezone.localdate(),
            works_agreement_reference=" ",
            by=None,
        )
    with pytest.raises(ValidationError):
        services.version_approve(
            version=version,
            approved_on=timezone.localdate() + datetime.timedelta(days=1),
            works_agreement_reference="BV 1",
            by=None,
        )


def test_the_database_refuses_an_approved_version_without_approval():
    version = factories.guideline_version("draft")
    with pytest.raises(IntegrityError), transaction.atomic():
        GuidelineVersion.objects.filter(pk=version.pk).update(status=VersionStatus.APPROVED)


def test_only_versions_in_the_works_can_be_edited(cast):
    version = factories.guideline_version("approved")
    with pytest.raises(ValidationError):
        services.version_update(
            version=version, body="# Neu", change_summary="", effective_date=None, by=None
        )
    with pytest.raises(ValidationError):
        services.question_add(
            version=version, text="Frage?", choices=["a", "b"], correct_choice=0, by=None
        )


def test_the_next_version_starts_from_the_latest_text_and_questions(cast):
    v1 = factories.guideline_version("published", questions=[QUESTION])
    v2, created = services.version_create(guideline=v1.guideline, by=cast.manager)
    assert created and v2.number == 2 and v2.body == v1.body
    assert [q.text for q in v2.questions.all()] == [QUESTION[0]]
    same, created_again = services.version_create(guideline=v1.guideline, by=cast.manager)
    assert same == v2 and not created_again


def test_publishing_the_next_version_supersedes_the_one_in_force(cast):
    v1 = factories.guideline_version("published")
    v2 = factories.guideline_version("published", guideline=v1.guideline, body="# Neu\nText")
    v1.refresh_from_db()
    assert v1.status == VersionStatus.SUPERSEDED and v1.superseded_at
    assert v2.supersedes == v1
    assert selectors.version_current(guideline_id=v1.guideline_id) == v2


def test_a_question_needs_two_answers_and_a_valid_right_one():
    version = factories.guideline_version("draft")
    with pytest.raises(ValidationError):
        services.question_add(version=version, text="F?", choices=["a"], correct_choice=0, by=None)
    with pytest.raises(ValidationError):
        services.question_add(
            version=version, text="F?", choices=["a", "b"], correct_choice=2, by=None
        )


# --- Publishing to everyone in scope ----------------------------------------------------------


def test_publish_to_chosen_departments_asks_only_their_active_people(cast):
    factories.PersonFactory(department=cast.department_a, is_active=False)
    version = factories.guideline_version("published", departments=[cast.department_a])
    asked = set(version.requests.values_list("person__email", flat=True))
    expected = set(
        Person.objects.filter(department=cast.department_a, is_active=True).values_list(
            "email", flat=True
        )
    )
    assert asked == expected
    assert cast.head_b.email not in asked
    assert list(version.scope_departments.all()) == [cast.department_a]


def test_publish_queues_one_email_per_person_sent_after_commit(
    cast, django_capture_on_commit_callbacks
):
    version = factories.guideline_version("approved", questions=[QUESTION])
    with django_capture_on_commit_callbacks(execute=True):
        services.version_publish(
            version=version, by=cast.manager, scope_all=False, departments=[cast.department_a]
        )
    people = Person.objects.filter(department=cast.department_a)
    assert len(mail.outbox) == people.count() == 2
    message = next(m for m in mail.outbox if cast.employee.email in m.to[0])
    assert "/g/" in message.body
    rows = Notification.objects.filter(kind=services.KIND_ACK_REQUEST)
    assert rows.count() == 2 and all(row.state == NotificationState.SENT for row in rows)


def test_publishing_to_20000_people_is_fast_and_a_second_call_adds_nobody(
    django_capture_on_commit_callbacks,
):
    departments = Department.objects.bulk_create(
        Department(name=f"Abteilung {n}") for n in range(50)
    )
    Person.objects.bulk_create(
        Person(
            first_name="Vorname",
            last_name=f"Nachname {n}",
            email=f"person{n}@example.de",
            department=departments[n % 50],
        )
        for n in range(20_000)
    )
    version = factories.guideline_version("approved")
    with django_capture_on_commit_callbacks() as callbacks:
        started = time.perf_counter()
        result = services.version_publish(version=version, by=None)
        seconds = time.perf_counter() - started
    assert result.requests_created == 20_000
    assert AcknowledgmentRequest.objects.filter(version=version).count() == 20_000
    assert seconds < 5, seconds
    assert len(callbacks) == 1  # the emails are queued by the worker, after the commit

    # The worker's part, run here: one outbox row per person, in chunks.
    assert services.acknowledgment_requests_notify(version_id=version.pk, chunk=5000) == 20_000
    assert Notification.objects.filter(kind=services.KIND_ACK_REQUEST).count() == 20_000

    again = services.version_publish(version=version, by=None)
    assert again.requests_created == 0
    assert services.acknowledgment_requests_notify(version_id=version.pk) == 0
    assert AcknowledgmentRequest.objects.filter(version=version).count() == 20_000
    assert Notification.objects.filter(kind=services.KIND_ACK_REQUEST).count() == 20_000


def test_a_second_publish_call_asks_new_colleagues_only(cast):
    version = factories.guideline_version("published", departments=[cast.department_a])
    before = version.requests.count()
    newcomer = factories.PersonFactory(department=cast.department_a)
    factories.PersonFactory(department=cast.department_b)
    result = services.version_publish(version=version, by=None)
    assert result.requests_created == 1
    assert version.requests.count() == before + 1
    assert version.requests.filter(person=newcomer).exists()


def test_a_request_exists_once_per_person_and_version(cast):
    version = factories.guideline_version("published")
    with pytest.raises(IntegrityError), transaction.atomic():
        AcknowledgmentRequest.objects.create(version=version, person=cast.employee.person)


# --- Acknowledgments ----------------------------------------------------------------------------


def _request(version, person) -> AcknowledgmentRequest:
    return AcknowledgmentRequest.objects.select_related("version").get(
        version=version, person=person
    )


def test_acknowledging_twice_keeps_the_first_record(cast):
    version = factories.guideline_version("published")
    request = _request(version, cast.employee.person)
    first, created = services.acknowledgment_record(
        request=request, method=AcknowledgmentMethod.LINK
    )
    second, created_again = services.acknowledgment_record(
        request=request, method=AcknowledgmentMethod.LINK
    )
    assert created and not created_again and first == second
    assert Acknowledgment.objects.count() == 1
    assert (first.person, first.version, first.method) == (
        cast.employee.person,
        version,
        AcknowledgmentMethod.LINK,
    )


def test_acknowledgments_are_append_only(cast):
    version = factories.guideline_version("published")
    ack, _ = services.acknowledgment_record(
        request=_request(version, cast.employee.person), method=AcknowledgmentMethod.LINK
    )
    with pytest.raises(ValueError, match="append-only"):
        ack.save()
    with pytest.raises(ValueError, match="append-only"):
        ack.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Acknowledgment.objects.create(
            request=ack.request, person=ack.person, version=version, method="link"
        )


def test_the_comprehension_check_must_be_passed_on_the_server(cast):
    version = factories.guideline_version("published", questions=[QUESTION])
    request = _request(version, cast.employee.person)
    question = version.questions.get()
    with pytest.raises(services.WrongAnswers) as wrong:
        services.acknowledgment_record(
            request=request, method=AcknowledgmentMethod.LINK, answers={question.pk: 0}
        )
    assert wrong.value.questions == [question]
    with pytest.raises(services.WrongAnswers):
        services.acknowledgment_record(request=request, method=AcknowledgmentMethod.LINK)
    assert not Acknowledgment.objects.exists()
    _ack, created = services.acknowledgment_record(
        request=request, method=AcknowledgmentMethod.SIGNED_IN, answers={question.pk: 1}
    )
    assert created


def test_on_behalf_needs_a_reason_and_skips_the_check(cast):
    version = factories.guideline_version("published", questions=[QUESTION])
    request = _request(version, cast.employee.person)
    with pytest.raises(ValidationError):
        services.acknowledgment_record(
            request=request, method=AcknowledgmentMethod.ON_BEHALF, by=cast.manager
        )
    ack, created = services.acknowledgment_record(
        request=request,
        method=AcknowledgmentMethod.ON_BEHALF,
        by=cast.manager,
        reason="Papierformular vom 3. März",
    )
    assert created and ack.recorded_by == cast.manager and ack.reason


def test_a_superseded_version_can_no_longer_be_acknowledged(cast):
    v1 = factories.guideline_version("published")
    request = _request(v1, cast.employee.person)
    factories.guideline_version("published", guideline=v1.guideline, body="# Neu\nText")
    request.version.refresh_from_db()
    with pytest.raises(ValidationError):
        services.acknowledgment_record(request=request, method=AcknowledgmentMethod.LINK)


def test_acknowledging_cancels_the_email_still_waiting(cast):
    version = factories.guideline_version("published")
    services.acknowledgment_requests_notify(version_id=version.pk)  # queued, not sent
    row = Notification.objects.get(
        dedup_key=services.request_dedup_key(
            version_id=version.pk, person_id=cast.employee.person.pk
        )
    )
    assert row.state == NotificationState.PENDING
    services.acknowledgment_record(
        request=_request(version, cast.employee.person), method=AcknowledgmentMethod.LINK
    )
    row.refresh_from_db()
    assert row.state == NotificationState.CANCELLED


def test_the_email_is_withdrawn_when_the_person_acknowledged_before_it_went_out(
    cast, django_capture_on_commit_callbacks
):
    version = factories.guideline_version("approved")
    services.version_publish(
        version=version, by=None, scope_all=False, departments=[cast.department_b]
    )
    services.acknowledgment_requests_notify(version_id=version.pk)
    request = _request(version, cast.head_b.person)
    Acknowledgment.objects.create(
        request=request, person=request.person, version=version, method="link"
    )
    from notifications.services import notifications_send

    notifications_send(ids=list(Notification.objects.values_list("pk", flat=True)))
    assert [m.to for m in mail.outbox] == []


# --- Personal links ------------------------------------------------------------------------------


def test_a_link_reads_back_and_a_tampered_one_does_not():
    token = services.ack_token(person_id=7, version_id=3)
    assert services.ack_token_read(token) == services.LinkReading(7, 3, expired=False)
    assert services.ack_token_read(token[:-2] + "xx") is None
    assert services.ack_token_read("7.3") is None
    other_salt = signing.TimestampSigner(salt="something.else").sign("7.3")
    assert services.ack_token_read(other_salt) is None


def test_an_old_link_reads_as_expired(settings):
    settings.GUIDELINE_LINK_MAX_AGE_DAYS = 30
    signer = signing.TimestampSigner(salt=services.LINK_SALT)
    old = signer.sign("7.3")
    later = time.time() + 31 * 24 * 3600
    from unittest import mock

    with mock.patch("time.time", return_value=later):
        reading = services.ack_token_read(old)
    assert reading == services.LinkReading(7, 3, expired=True)


def test_a_fresh_link_is_sent_once_per_window(cast, django_capture_on_commit_callbacks):
    version = factories.guideline_version("published", departments=[cast.department_b])
    request = _request(version, cast.head_b.person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.ack_link_resend(request=request)
        second = services.ack_link_resend(request=request)
    assert first.pk == second.pk
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to[0].endswith(f"<{cast.head_b.email}>")


def test_with_the_broker_down_the_emails_wait_as_a_job_that_the_beat_runs(
    cast, django_capture_on_commit_callbacks
):
    from unittest import mock

    from kombu.exceptions import OperationalError

    from core import queue
    from notifications.services.fanout import fanouts_resume
    from notifications.tasks import run_fanout

    version = factories.guideline_version("approved")
    queue.reset()
    with (
        mock.patch.object(run_fanout, "apply_async", side_effect=OperationalError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.version_publish(version=version, by=None)
    queue.reset()
    assert Notification.objects.filter(kind=services.KIND_ACK_REQUEST).count() == 0
    assert fanouts_resume() == 5
    assert Notification.objects.filter(kind=services.KIND_ACK_REQUEST).count() == 5
