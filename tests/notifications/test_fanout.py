"""Durable mass mailings: publishing a guideline writes a fan-out job in its transaction; the
worker turns it into outbox rows in batches, a resumed or doubled run writes nothing twice,
the beat resumes a job whose worker or task is gone, and the manager sees it in progress."""

import dataclasses
import datetime
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import queue
from guidelines.services import guidelines as guideline_services
from notifications.models import FanOut, FanOutState, Notification
from notifications.services import fanout
from notifications.tasks import run_fanout
from rollout.models import Person
from tests import factories

pytestmark = pytest.mark.django_db
KIND = guideline_services.KIND_ACK_REQUEST


def _people(n: int) -> None:
    Person.objects.bulk_create(
        Person(first_name="Vor", last_name=f"Name {i}", email=f"p{i}@example.de") for i in range(n)
    )


def _broker_down():
    """Every enqueue of this test fails the way kombu does with Redis stopped."""
    queue.reset()
    return mock.patch.object(
        run_fanout, "apply_async", side_effect=OperationalError("Connection refused")
    )


def _source_batch(batch):
    """The guideline source with another `batch` while the context lasts."""
    spec = fanout.get_source(guideline_services.FANOUT_SOURCE)
    return mock.patch.dict(fanout._SOURCES, {spec.key: dataclasses.replace(spec, batch=batch)})


def _job(version) -> FanOut:
    return FanOut.objects.get(key=guideline_services.fanout_key(version_id=version.pk))


def _rows(version):
    return Notification.objects.filter(kind=KIND, object_id=version.pk)


def test_publishing_writes_the_job_in_its_transaction_and_the_worker_writes_the_rows(
    cast, django_capture_on_commit_callbacks
):
    _people(40)
    version = factories.guideline_version("approved")
    with django_capture_on_commit_callbacks() as callbacks:
        guideline_services.version_publish(version=version, by=cast.manager)
        job = _job(version)
        # Inside the transaction: the job is there, no outbox row yet.
        assert job.state == FanOutState.PENDING and job.total == 45
        assert not _rows(version).exists()
    assert len(callbacks) == 1  # the kick after commit
    assert fanout.fanout_run(job_id=job.pk, batch=7) == 45
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.queued) == (FanOutState.DONE, 45, 45, 45)
    assert _rows(version).count() == 45


def test_a_rolled_back_publication_leaves_no_job(cast):
    version = factories.guideline_version("approved")
    with pytest.raises(RuntimeError), transaction.atomic():
        guideline_services.version_publish(version=version, by=cast.manager)
        raise RuntimeError("the request failed after publishing")
    assert not FanOut.objects.exists()


def test_with_the_broker_down_publishing_succeeds_and_the_beat_writes_the_rows(
    cast, django_capture_on_commit_callbacks
):
    version = factories.guideline_version("approved")
    with _broker_down(), django_capture_on_commit_callbacks(execute=True):
        guideline_services.version_publish(version=version, by=cast.manager)
    queue.reset()
    job = _job(version)
    assert job.state == FanOutState.PENDING
    assert not _rows(version).exists()  # nothing yet, but nothing lost: the job waits
    assert fanout.fanouts_resume() == 5
    assert _rows(version).count() == 5
    assert fanout.fanouts_resume() == 0  # done: the next beat does nothing


def test_a_run_killed_in_the_middle_is_resumed_after_its_lease_and_writes_nothing_twice(
    cast, settings
):
    _people(95)
    version = factories.guideline_version("approved")
    guideline_services.version_publish(version=version, by=cast.manager, notify=False)
    job = fanout.fanout_start(
        key=guideline_services.fanout_key(version_id=version.pk),
        source=guideline_services.FANOUT_SOURCE,
        about=version,
    )
    real_batch = fanout.get_source(guideline_services.FANOUT_SOURCE).batch
    calls = []

    def dies_on_the_third(job, cursor, limit):
        calls.append(cursor)
        if len(calls) == 3:
            raise SystemExit("SIGKILL")  # not an Exception: the run's handler never sees it
        return real_batch(job, cursor, limit)

    with _source_batch(dies_on_the_third), pytest.raises(SystemExit):
        fanout.fanout_run(job_id=job.pk, batch=20)
    job.refresh_from_db()
    assert job.state == FanOutState.RUNNING and job.done == 40  # two batches committed
    assert _rows(version).count() == 40
    # A beat right away leaves the job alone: its lease is still running.
    assert fanout.fanouts_resume() == 0
    later = timezone.now() + datetime.timedelta(seconds=settings.NOTIFY_FANOUT_LEASE_SECONDS + 1)
    assert fanout.fanouts_resume(now=later) == 60
    job.refresh_from_db()
    assert (job.state, job.done, job.queued) == (FanOutState.DONE, 100, 100)
    assert _rows(version).count() == 100


def test_a_doubled_run_writes_each_row_once(cast):
    version = factories.guideline_version("approved")
    guideline_services.version_publish(version=version, by=cast.manager, notify=False)
    guideline_services.acknowledgment_requests_notify(version_id=version.pk)  # the old task
    job = fanout.fanout_start(
        key=guideline_services.fanout_key(version_id=version.pk),
        source=guideline_services.FANOUT_SOURCE,
        about=version,
    )
    assert fanout.fanout_run(job_id=job.pk) == 0
    assert fanout.fanout_run(job_id=job.pk) == 0  # done already: not even claimed
    job.refresh_from_db()
    assert job.state == FanOutState.DONE and job.done == 5
    assert _rows(version).count() == 5


def test_a_stale_run_loses_its_claim_and_stops(cast):
    """A run frozen past its lease while another took over writes nothing more."""
    version = factories.guideline_version("approved")
    guideline_services.version_publish(version=version, by=cast.manager, notify=False)
    job = fanout.fanout_start(
        key=guideline_services.fanout_key(version_id=version.pk),
        source=guideline_services.FANOUT_SOURCE,
        about=version,
    )
    FanOut.objects.filter(pk=job.pk).update(state=FanOutState.RUNNING, claim="someone-else")
    assert fanout._run_batch(job_id=job.pk, token="frozen-run", limit=10) is None
    assert not _rows(version).exists()


def test_publishing_again_for_new_colleagues_restarts_the_job(cast):
    version = factories.guideline_version("published")
    fanout.fanouts_resume()
    assert _rows(version).count() == 5
    factories.PersonFactory(email="neu@example.de")
    guideline_services.version_publish(version=version, by=cast.manager)
    job = _job(version)
    assert job.state == FanOutState.PENDING and job.done == 0 and job.total == 6
    assert fanout.fanouts_resume() == 1
    assert _rows(version).count() == 6
    assert _rows(version).filter(recipient_email="neu@example.de").count() == 1


def test_a_job_that_keeps_failing_gives_up_with_the_reason_logged(cast, settings, caplog):
    settings.NOTIFY_FANOUT_MAX_ATTEMPTS = 2
    version = factories.guideline_version("approved")
    guideline_services.version_publish(version=version, by=cast.manager, notify=False)
    job = fanout.fanout_start(
        key=guideline_services.fanout_key(version_id=version.pk),
        source=guideline_services.FANOUT_SOURCE,
        about=version,
    )
    with _source_batch(mock.Mock(side_effect=RuntimeError("database hiccup"))):
        fanout.fanout_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.state == FanOutState.PENDING and "hiccup" in job.last_error
        with caplog.at_level("ERROR"):
            fanout.fanouts_resume()
    job.refresh_from_db()
    assert job.state == FanOutState.FAILED
    assert any(
        record.levelname == "ERROR" and str(job.pk) in record.getMessage()
        for record in caplog.records
    )


def test_trainings_write_their_invitations_in_the_transaction(
    cast, django_capture_on_commit_callbacks
):
    """Training invitations need no job: their rows are written with the session, before any
    task is handed to the broker."""
    from guidelines.services import trainings

    phase = cast.rollout.phases.first()
    start = timezone.now() + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=False):
        session = trainings.training_session_create(
            phase=phase,
            title="Schulung",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            departments=[cast.department_a],
        )
        invited = session.invitations.count()
        assert invited >= 2
        assert Notification.objects.filter(kind=trainings.KIND_INVITATION).count() == invited


@pytest.mark.parametrize(
    ("language", "heading", "progress"),
    [
        ("de", "Massenmails in Vorbereitung", "20 von 45"),
        ("en", "Mass mailings being prepared", "20 of 45"),
    ],
)
def test_the_outbox_page_shows_a_mailing_in_progress(cast, language, heading, progress):
    _people(40)
    version = factories.guideline_version("approved")
    guideline_services.version_publish(version=version, by=cast.manager, notify=False)
    job = fanout.fanout_start(
        key=guideline_services.fanout_key(version_id=version.pk),
        source=guideline_services.FANOUT_SOURCE,
        about=version,
        label="Social-Media-Richtlinie (v1)",
    )
    FanOut.objects.filter(pk=job.pk).update(state=FanOutState.RUNNING, done=20)
    cast.manager.language = language  # a signed-in user sees their own language
    cast.manager.save(update_fields=["language"])
    response = cast.client("manager").get(
        reverse("notifications:outbox"), HTTP_ACCEPT_LANGUAGE=language
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert heading in page
    assert "Social-Media-Richtlinie (v1)" in page
    assert progress in page


def test_the_admin_lists_mailings_read_only(cast, client):
    version = factories.guideline_version("published")
    job = _job(version)
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    listing = client.get(reverse("admin:notifications_fanout_changelist"))
    assert listing.status_code == 200 and job.key in listing.content.decode()
    page = client.get(reverse("admin:notifications_fanout_change", args=[job.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:notifications_fanout_add")).status_code == 403
