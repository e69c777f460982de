"""Reports without a live task: requested while the broker is down (no 500, the beat hands it
over), queued with a task lost with the broker, rendering when the worker died; each is picked
up again by the beat and fails with a clear reason after a bounded number of renders."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import queue
from reports import services as services
from reports.models import STALLED_REASON, UNCLAIMED_REASON, Report, ReportStatus
from reports.tasks import render_report, resume_reports

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_render(settings, tmp_path, monkeypatch):
    """A stand-in PDF: these tests are about the status machine, not WeasyPrint."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    fake = services.RenderedPdf(
        content=b"%PDF-1.7 test", html_seconds=0, pdf_seconds=0, fetcher=None
    )
    monkeypatch.setattr(services, "report_pdf", lambda **kwargs: (fake, {"overdue": 0}))
    # The broker's epoch is tried on its own below (a Redis in CI may have one of any age).
    monkeypatch.setattr(services, "broker_epoch", lambda: None)
    queue.reset()
    yield
    queue.reset()


def _ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def _report(cast, **fields) -> Report:
    return Report.objects.create(rollout=cast.rollout, language="de", **fields)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["de", "en"])
def test_requesting_a_report_with_the_broker_down_answers_and_the_beat_renders_it(
    cast, language, caplog
):
    cast.manager.language = language
    cast.manager.save(update_fields=["language"])
    client = cast.client("manager")
    url = reverse("reports:report_create", args=[cast.rollout.pk])
    refused = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(render_report, "apply_async", side_effect=refused),
        caplog.at_level("WARNING"),
    ):
        response = client.post(url, {"language": language}, HTTP_ACCEPT_LANGUAGE=language)
        htmx = client.post(
            url, {"language": "en" if language == "de" else "de"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 302
    assert htmx.status_code == 200 and 'data-hx-trigger="every 2s"' in htmx.content.decode()
    assert any("did not take" in r.getMessage() for r in caplog.records)
    reports = list(Report.objects.order_by("pk"))
    assert [r.status for r in reports] == [ReportStatus.QUEUED] * 2
    assert [r.enqueued_at for r in reports] == [None, None]  # the beat's next run takes them
    queue.reset()  # the broker is back
    assert services.reports_resume() == {"requeued": 2, "failed": 0}
    for report in reports:
        report.refresh_from_db()
        assert report.status == ReportStatus.READY and report.attempts == 1


def test_a_queued_report_whose_task_was_lost_is_handed_over_again(cast, settings):
    lost = _report(cast, enqueued_at=_ago(settings.REPORT_REQUEUE_SECONDS + 1))
    waiting = _report(cast, enqueued_at=_ago(10))  # its task may still be in the queue
    assert resume_reports() == {"requeued": 1, "failed": 0}
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert lost.status == ReportStatus.READY
    assert waiting.status == ReportStatus.QUEUED


def test_a_report_rendering_when_its_worker_died_is_rendered_again(cast):
    stalled = _report(
        cast,
        status=ReportStatus.RENDERING,
        attempts=1,
        started_at=_ago(services.render_deadline_seconds() + 1),
        enqueued_at=_ago(3600),
    )
    alive = _report(
        cast, status=ReportStatus.RENDERING, attempts=1, started_at=_ago(10), enqueued_at=_ago(11)
    )
    assert services.reports_resume() == {"requeued": 1, "failed": 0}
    stalled.refresh_from_db()
    alive.refresh_from_db()
    assert stalled.status == ReportStatus.READY and stalled.attempts == 2
    assert alive.status == ReportStatus.RENDERING  # a live render within its time limit


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("de", "Der Worker ist bei jedem Versuch, den Bericht zu erstellen, ausgefallen."),
        ("en", "The worker stopped while rendering the report, every time it was tried."),
    ],
)
def test_after_the_last_try_it_fails_with_the_reason_and_stops_polling(
    cast, settings, caplog, language, reason
):
    report = _report(
        cast,
        status=ReportStatus.RENDERING,
        attempts=settings.REPORT_MAX_ATTEMPTS,
        started_at=_ago(services.render_deadline_seconds() + 1),
    )
    with caplog.at_level("ERROR"):
        assert services.reports_resume() == {"requeued": 0, "failed": 1}
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.error == STALLED_REASON
    assert report.finished_at is not None
    assert any(r.levelname == "ERROR" for r in caplog.records)
    cast.manager.language = language
    cast.manager.save(update_fields=["language"])
    response = cast.client("manager").get(reverse("reports:report_status", args=[report.pk]))
    body = response.content.decode()
    assert reason in body
    assert "hx-trigger" not in body


def test_a_report_no_worker_started_for_a_day_fails(cast):
    report = _report(cast, created_at=_ago(25 * 3600), enqueued_at=_ago(60))
    assert services.reports_resume() == {"requeued": 0, "failed": 1}
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.error == UNCLAIMED_REASON


def test_the_broker_still_down_leaves_them_for_the_next_run(cast):
    reports = [_report(cast) for _ in range(3)]
    with mock.patch.object(render_report, "apply_async", side_effect=OperationalError("down")):
        assert services.reports_resume() == {"requeued": 0, "failed": 0}
    queue.reset()
    assert {r.status for r in Report.objects.filter(pk__in=[r.pk for r in reports])} == {
        ReportStatus.QUEUED
    }
    assert not Report.objects.filter(enqueued_at__isnull=False).exists()


def test_every_render_counts_as_an_attempt(cast):
    report = _report(cast)
    assert services.report_claim(report_id=report.pk) is True
    assert services.report_claim(report_id=report.pk) is False  # a second task
    report.refresh_from_db()
    assert report.attempts == 1


def test_the_beat_runs_the_resumes(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"reports.tasks.resume_reports", "notifications.tasks.resume_fanouts"} <= tasks


def test_a_report_handed_to_a_redis_that_restarted_since_is_handed_over_at_once(cast, monkeypatch):
    handed = _report(cast, enqueued_at=_ago(10))
    later = _report(cast, enqueued_at=timezone.now() + datetime.timedelta(seconds=1))
    monkeypatch.setattr(services, "broker_epoch", lambda: _ago(1))  # Redis restarted empty
    assert services.reports_resume() == {"requeued": 1, "failed": 0}
    handed.refresh_from_db()
    later.refresh_from_db()
    assert handed.status == ReportStatus.READY
    assert later.status == ReportStatus.QUEUED


def test_a_monthly_report_is_never_ready_without_its_leadership_mails(cast):
    """A worker killed between 'ready' and queueing the mails: neither is kept, the report
    stays rendering and the beat renders it again later."""
    report = _report(cast, schedule_key="monthly:test", enqueued_at=timezone.now())
    with (
        mock.patch.object(services, "monthly_pack_notify", side_effect=SystemExit("SIGKILL")),
        pytest.raises(SystemExit),
    ):
        services.report_render(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.RENDERING
    services.Report.objects.filter(pk=report.pk).update(
        started_at=_ago(services.render_deadline_seconds() + 1)
    )
    assert services.reports_resume() == {"requeued": 1, "failed": 0}
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    from notifications.models import Notification

    assert Notification.objects.filter(kind="report_ready").count() == 1  # the leadership user
