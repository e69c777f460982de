"""Leadership progress reports: the PDF's content and privacy, the restricted URL fetcher and
the time limit, the task's status machine, the monthly pack, the views for the whole cast,
the exports and the command line."""

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from reports import services as services
from reports.models import Report, ReportStatus
from reports.selectors import report_figures
from reports.tasks import render_report
from rollout.models import Attitude, Rollout
from rollout.selectors.core import RolloutSignals
from tests import factories
from tests.conftest import CAST
from tests.helpers import expect_status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def render_text(rollout: Rollout, language: str = "en") -> tuple[str, services.RenderedPdf]:
    rendered, _summary = services.report_pdf(rollout=rollout, language=language)
    assert rendered.content.startswith(b"%PDF")
    return pdf_text(rendered.content), rendered


# --- The PDF -----------------------------------------------------------------------------------


def test_empty_rollout_renders_every_section(cast):
    text, rendered = render_text(cast.rollout)
    for heading in (
        "Contents",
        "Executive summary",
        "Phase timeline and gate decisions",
        "Department readiness",
        "Content workflows and service levels",
        "Guideline acknowledgment",
        "Training coverage and feedback",
        "Stakeholder attitudes",
        "Risks",
        "Success stories and key figures",
        "Next steps",
    ):
        assert heading in text
    assert cast.rollout.name in text
    assert "0 stakeholders mapped; 0 % support the rollout." in text
    assert "No department with five or more people yet." in text
    reader = PdfReader(io.BytesIO(rendered.content))
    assert reader.metadata.title == f"Progress report: {cast.rollout.name}"
    # Cover, goals, then the sections run on: the page count follows the content.
    assert 4 <= len(reader.pages) <= 8
    # Our own stylesheet was fetched, nothing else.
    assert rendered.fetcher.asked == [f"{services.STATIC_PREFIX}css/report_pdf.css"]
    assert rendered.fetcher.refused == []


def test_german_report(cast):
    text, _rendered = render_text(cast.rollout, language="de")
    assert "Inhalt" in text or "Contents" in text  # German once the lead fills the catalogue
    assert cast.rollout.name in text


def test_demo_rollout_shows_the_figures_of_the_selectors(db):
    call_command("seed_demo", verbosity=0)
    rollout = Rollout.objects.order_by("pk").first()
    signals = RolloutSignals(rollout.pk)
    text, _rendered = render_text(rollout)
    flat = " ".join(text.split())
    support, trained, acknowledged = (
        signals.support_share,
        signals.training_coverage,
        signals.guideline_acknowledged,
    )
    assert f"Stakeholders who support the rollout {support.percent} %" in flat
    assert f"{trained.part} of {trained.whole} people trained ({trained.percent} %)" in flat
    assert (
        f"{acknowledged.part} of {acknowledged.whole} requests acknowledged "
        f"({acknowledged.percent} %)"
    ) in flat
    figures = report_figures(rollout=rollout)
    assert f"Overdue activities {figures.dashboard.overdue_total}" in flat
    for entry in figures.departments:
        assert entry.name[:30] in flat


def test_privacy_small_groups_are_hidden(cast):
    big = factories.DepartmentFactory(name="Großabteilung")
    people = [factories.PersonFactory(department=big) for _ in range(6)]
    for person in people[:3]:  # three stakeholders only: their attitudes stay hidden
        factories.StakeholderFactory(
            rollout=cast.rollout, person=person, attitude=Attitude.RESISTANT
        )
    text, _rendered = render_text(cast.rollout)
    flat = " ".join(text.split())
    assert "Großabteilung" in flat
    assert "hidden" in flat
    # Three resistant stakeholders: a group under five is not counted out loud.
    assert "Resistant fewer than 5" in flat
    # Vertrieb and Personal of the cast have fewer than five people: totals only.
    assert "Vertrieb" not in flat
    assert "2 departments with fewer than five people are counted in the totals only." in flat
    for person in people[:3]:
        assert person.last_name not in flat


# --- Safe rendering ----------------------------------------------------------------------------


class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    _Counter.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_fetcher_refuses_files_and_network(local_server, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the report")
    html = (
        f'<html><body><p>x</p><img src="file://{secret}"><img src="{local_server}/x.png">'
        '<img src="/static/../../etc/passwd"></body></html>'
    )
    rendered = services.pdf_from_html(html)
    assert rendered.content.startswith(b"%PDF")
    assert f"file://{secret}" in rendered.fetcher.refused
    assert f"{local_server}/x.png" in rendered.fetcher.refused
    assert len(rendered.fetcher.refused) == 3
    assert _Counter.hits == []


def test_guideline_body_with_images_fetches_nothing(cast, local_server):
    body = (
        "# Bilder\n\n![geheim](file:///etc/passwd)\n\n![lokal]("
        + local_server
        + '/tracker.png)\n\n<img src="file:///etc/hostname">\n\nText der Richtlinie.'
    )
    factories.guideline_version(body=body)
    text, rendered = render_text(cast.rollout)
    assert "Text der Richtlinie." in text
    assert "Appendix: guidelines in force" in text
    assert _Counter.hits == []
    assert all(url.startswith(("data:", services.STATIC_PREFIX)) for url in rendered.fetcher.asked)


def test_time_limit_stops_the_render():
    with pytest.raises(services.RenderTimeout):
        services.pdf_from_html(
            '<html><head><link rel="stylesheet" href="/static/css/report_pdf.css"></head>'
            "<body>x</body></html>",
            time_limit=0,
        )


# --- Queue, task, status machine ---------------------------------------------------------------


def test_request_renders_once_and_a_double_click_reuses_it(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.report_request(rollout=cast.rollout, language="en", by=cast.manager)
        second = services.report_request(rollout=cast.rollout, language="en", by=cast.manager)
    assert first.pk == second.pk
    assert len(callbacks) == 1
    callbacks[0]()  # the eager task renders it
    render_report(first.pk)  # a retry: nothing more happens
    render_report(first.pk)
    first.refresh_from_db()
    assert first.status == ReportStatus.READY
    assert Report.objects.count() == 1
    assert first.size == first.file.size > 1000
    assert first.summary["overdue"] == 0
    assert first.started_at <= first.finished_at


def test_a_failed_render_keeps_the_reason(cast, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("Schrift fehlt")

    monkeypatch.setattr(services, "report_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(rollout=cast.rollout, language="de", by=cast.manager)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "Schrift fehlt" in report.error
    assert not report.file
    response = cast.client("manager").get(reverse("reports:report_status", args=[report.pk]))
    assert "Schrift fehlt" in response.content.decode()
    assert "hx-trigger" not in response.content.decode()


def test_timeout_is_shown_as_reason(cast, monkeypatch, settings):
    settings.REPORT_TIME_LIMIT_SECONDS = 0
    report = Report.objects.create(rollout=cast.rollout, language="en")
    render_report(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "The report took too long to render."


# --- The monthly leadership pack ---------------------------------------------------------------


def test_monthly_pack_runs_once_and_mails_leadership(
    cast, settings, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    today = timezone.localdate()
    settings.REPORT_MONTHLY_DAY = today.day
    with django_capture_on_commit_callbacks(execute=True):
        reports = services.monthly_reports_queue(today=today)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.monthly_reports_queue(today=today)
    assert [r.pk for r in reports] == [r.pk for r in again]
    assert Report.objects.count() == 1
    report = Report.objects.get()
    assert report.status == ReportStatus.READY
    assert report.schedule_key == f"monthly:{cast.rollout.pk}:{today:%Y-%m}"
    sent = [m for m in mail.outbox if cast.leadership.email in m.to[0]]
    assert len(sent) == 1
    assert sent[0].attachments[0][0].endswith(".pdf")
    assert sent[0].attachments[0][1].startswith(b"%PDF")
    assert all(cast.manager.email not in m.to[0] for m in mail.outbox)


def test_monthly_pack_waits_for_its_day(cast, settings):
    import datetime

    settings.REPORT_MONTHLY_DAY = 1
    assert services.monthly_reports_queue(today=datetime.date(2027, 3, 2)) == []
    assert not Report.objects.exists()


# --- Views: the whole cast ---------------------------------------------------------------------


@pytest.fixture
def ready_report(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(rollout=cast.rollout, language="en", by=cast.manager)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    return report


READERS = {"manager", "leadership"}


@pytest.mark.parametrize("who", CAST)
def test_list_status_download_and_export_per_role(cast, ready_report, who):
    client = cast.client(who)
    pages = [
        reverse("reports:report_list", args=[cast.rollout.pk]),
        reverse("reports:report_status", args=[ready_report.pk]),
        reverse("reports:report_export", args=[cast.rollout.pk, "csv"]),
        reverse("reports:report_export", args=[cast.rollout.pk, "xlsx"]),
    ]
    for url in pages:
        expect_status(
            client.get(url), "ok" if who in READERS else "login" if who == "anonymous" else 404
        )
    response = client.get(reverse("reports:report_download", args=[ready_report.pk]))
    if who in READERS:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    else:
        expect_status(response, "login" if who == "anonymous" else 404)


@pytest.mark.parametrize("who", CAST)
def test_create_per_role(cast, who, django_capture_on_commit_callbacks):
    url = reverse("reports:report_create", args=[cast.rollout.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client(who).post(url, {"language": "en"})
    if who in READERS:
        expect_status(response, "redirect")
        assert Report.objects.get().status == ReportStatus.READY
    else:
        expect_status(response, "login" if who == "anonymous" else 403)
        assert not Report.objects.exists()


def test_create_with_htmx_returns_the_row(cast, django_capture_on_commit_callbacks):
    url = reverse("reports:report_create", args=[cast.rollout.pk])
    with django_capture_on_commit_callbacks(execute=False):
        response = cast.client("leadership").post(url, {"language": "de"}, HTTP_HX_REQUEST="true")
    report = Report.objects.get()
    body = response.content.decode()
    assert f'id="report-{report.pk}"' in body
    assert 'data-hx-trigger="every 2s"' in body  # still queued: the row polls
    assert report.requested_by == cast.leadership


def test_download_of_a_pending_report_is_404(cast):
    report = Report.objects.create(rollout=cast.rollout, language="en")
    response = cast.client("manager").get(reverse("reports:report_download", args=[report.pk]))
    assert response.status_code == 404


def test_unknown_export_format_is_404(cast):
    url = reverse("reports:report_export", args=[cast.rollout.pk, "pdf"])
    assert cast.client("manager").get(url).status_code == 404


def test_list_query_count_is_fixed(cast, django_assert_num_queries):
    client = cast.client("leadership")
    url = reverse("reports:report_list", args=[cast.rollout.pk])
    client.get(url)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    Report.objects.create(rollout=cast.rollout, language="en", requested_by=cast.manager)
    small = count()
    for _ in range(12):
        Report.objects.create(rollout=cast.rollout, language="de", requested_by=cast.leadership)
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


# --- Exports and the command line --------------------------------------------------------------


def test_csv_and_xlsx_hold_the_same_figures(cast):
    from openpyxl import load_workbook

    client = cast.client("manager")  # a German user: semicolons, German column titles
    csv_text = client.get(reverse("reports:report_export", args=[cast.rollout.pk, "csv"]))
    content = b"".join(csv_text.streaming_content).decode()
    assert content.startswith("\ufeff")
    lines = content[1:].splitlines()
    assert lines[0] == "Bereich;Gegenstand;Kennzahl;Wert"
    assert any(";support_percent;0" in line for line in lines)
    xlsx = client.get(reverse("reports:report_export", args=[cast.rollout.pk, "xlsx"]))
    rows = list(load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.values)
    assert rows[0] == ("Bereich", "Gegenstand", "Kennzahl", "Wert")
    assert len(rows) == len(lines)


def test_render_report_command(cast, tmp_path):
    out = tmp_path / "report.pdf"
    call_command("render_report", str(cast.rollout.pk), "--out", str(out), "--lang", "en")
    assert cast.rollout.name in pdf_text(out.read_bytes())


def test_the_worker_of_make_run_and_docker_compose_consumes_the_reports_queue(settings):
    from pathlib import Path

    assert settings.CELERY_TASK_ROUTES["reports.tasks.render_report"] == {
        "queue": settings.CELERY_REPORTS_QUEUE
    }
    root = Path(settings.BASE_DIR)
    procfile = (root / "changehub" / "Procfile").read_text()
    worker = next(line for line in procfile.splitlines() if line.startswith("worker:"))
    assert f"-Q default,{settings.CELERY_REPORTS_QUEUE}" in worker
    compose = (root / "docker-compose.yml").read_text()
    assert f'"-Q", "default,{settings.CELERY_REPORTS_QUEUE}"' in compose


def test_bench_report_measures_the_render(cast):
    from devtools.management.commands.bench_report import _measure

    measured = _measure(cast.rollout)
    assert measured["pages"] >= 4
    assert 0 < measured["html_seconds"] < measured["total_seconds"]
    assert measured["weasyprint_seconds"] > 0
    assert measured["peak_mib"] > 50


def test_large_seeded_company_renders_with_its_figures(db):
    """The report of seed_scale's company (200 departments, 20,000 people) renders, and it
    carries the selectors' figures for it."""
    from devtools.scale import ROLLOUT_NAME

    call_command(
        "seed_scale",
        departments=200,
        people=20_000,
        password="bench-passwort",
        stdout=io.StringIO(),
    )
    rollout = Rollout.objects.get(name=ROLLOUT_NAME)
    figures = report_figures(rollout=rollout)
    assert len(figures.departments) > 100
    text, rendered = render_text(rollout)
    flat = " ".join(text.split())
    assert f"Overdue activities {figures.dashboard.overdue_total}" in flat
    support = RolloutSignals(rollout.pk).support_share
    assert f"Stakeholders who support the rollout {support.percent} %" in flat
    assert len(PdfReader(io.BytesIO(rendered.content)).pages) > 10
