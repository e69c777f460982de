"""Leadership progress reports: queue one (idempotent), render it to PDF in the worker with a
restricted URL fetcher and a time limit, store the file, and the monthly leadership pack."""

import datetime
import functools
import logging
import mimetypes
import time
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.queue import enqueue
from guidelines.markdown import render as markdown_render
from guidelines.models import GuidelineVersion, VersionStatus
from notifications.services import notification_queue
from notifications.services.dispatch import broker_epoch
from reports.charts import charts_for
from reports.models import (
    PENDING_REPORT_STATUSES,
    STALLED_REASON,
    TIMEOUT_REASON,
    UNCLAIMED_REASON,
    Frequency,
    PackLanguages,
    Report,
    ReportSchedule,
    ReportStatus,
)
from reports.notices import REPORT_READY
from reports.selectors import report_figures
from rollout.models import Language, PhaseStatus, Role, Rollout, User
from rollout.selectors.readiness import READINESS_COLUMNS

logger = logging.getLogger(__name__)

# A second click within this time gets the report already queued with the same parameters.
REUSE_SECONDS = 60
# A report that no worker started within this time fails (the beat's `reports_resume`).
UNCLAIMED_AFTER = datetime.timedelta(days=1)
# Our own static files, as WeasyPrint sees them: `{% static %}` paths resolve against this.
BASE_URL = "https://changehub.invalid/"
STATIC_PREFIX = BASE_URL + settings.STATIC_URL.lstrip("/")


# Heatmap columns drawn from stakeholders: hidden for departments with few of them.
ATTITUDE_COLUMNS = ("stakeholders", "average_attitude", "champion", "resistant_high_influence")


class RenderTimeout(Exception):
    """The render took longer than REPORT_TIME_LIMIT_SECONDS."""


@functools.cache
def _fetcher_class() -> type:
    """The fetcher class, made on first use: importing WeasyPrint is slow and heavy, and the
    web process never needs it."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class ReportURLFetcher(URLFetcher):
        """Only our own static files (read from disk through the staticfiles finders or from
        STATIC_ROOT, see `_static_file`) and data: URIs; everything else (file://, http,
        https) is refused. Records what it was asked and what it refused."""

        def __init__(self, *, deadline: float | None = None) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
            self.deadline = deadline
            self.asked: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            self.asked.append(url)
            if self.deadline is not None and time.monotonic() > self.deadline:
                raise FatalURLFetchingError("The report took too long to render.")
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(STATIC_PREFIX) and not urlsplit(url).query:
                found = _static_file(unquote(url[len(STATIC_PREFIX) :]))
                if found is not None:
                    mimetype = mimetypes.guess_type(found)[0] or "application/octet-stream"
                    with open(found, "rb") as handle:
                        body = handle.read()
                    return URLFetcherResponse(url, body=body, headers={"Content-Type": mimetype})
            self.refused.append(url)
            raise ValueError(f"Refused to fetch {url[:80]}")

    return ReportURLFetcher


def report_url_fetcher(*, deadline: float | None = None):
    """A restricted URL fetcher for WeasyPrint (see `_fetcher_class`)."""
    return _fetcher_class()(deadline=deadline)


def _static_file(path: str) -> str | None:
    """The file on disk behind a static path: a source file (development), or the collected
    copy in STATIC_ROOT, where production's manifest storage keeps the hashed names that
    `{% static %}` writes into the report (css/report_pdf.56673fba03b4.css)."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.exceptions import SuspiciousFileOperation

    parts = PurePosixPath(path).parts
    if not parts or ".." in parts or path.startswith("/"):
        return None
    found = finders.find(path)
    if isinstance(found, str):
        return found
    try:
        if staticfiles_storage.exists(path):
            return staticfiles_storage.path(path)
    except (NotImplementedError, SuspiciousFileOperation, ValueError):
        pass  # a storage without local files, or a name outside it
    return None


def report_html(*, figures, language: str) -> str:
    """The report's HTML in `language` (templates/pdf/report.html)."""

    guidelines = [
        (version, markdown_render(version.body, shift_headings=2))
        for version in GuidelineVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("guideline")
        .order_by("guideline__title", "pk")
    ]
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        return render_to_string(
            "pdf/report.html",
            {
                "figures": figures,
                "charts": charts_for(figures),
                "guidelines": guidelines,
                "columns": READINESS_COLUMNS,
                "hidden_keys": ATTITUDE_COLUMNS,
                "language": language,
                "generated_at": timezone.now(),
                **_branding_context(),
            },
        )


def _branding_context() -> dict:
    """The company's logo (a data: URI) and colours for the cover, headings and charts."""
    from reports.branding import branding_get, logo_data_uri

    branding = branding_get()
    if branding._state.adding:  # nothing uploaded yet: the pack stays as it always was
        return {"brand_logo": "", "brand_colour": "", "brand_accent": ""}
    return {
        "brand_logo": logo_data_uri(branding),
        "brand_colour": branding.colour,
        "brand_accent": branding.accent,
    }


@dataclass
class RenderedPdf:
    content: bytes
    html_seconds: float  # gathering the figures and the HTML
    pdf_seconds: float  # WeasyPrint
    fetcher: object  # the fetcher used, with `asked` and `refused`


def pdf_from_html(html: str, *, time_limit: float | None = None) -> RenderedPdf:
    """WeasyPrint with the restricted fetcher; raises RenderTimeout past `time_limit`."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    limit = time_limit if time_limit is not None else settings.REPORT_TIME_LIMIT_SECONDS
    started = time.monotonic()
    fetcher = report_url_fetcher(deadline=started + limit)
    try:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
        if time.monotonic() - started > limit:
            raise RenderTimeout
        content = document.write_pdf()
    except (Exception, FatalURLFetchingError) as error:  # the latter is a BaseException
        if time.monotonic() - started > limit:
            raise RenderTimeout from error
        if isinstance(error, FatalURLFetchingError):
            raise RuntimeError(str(error)) from error
        raise
    return RenderedPdf(
        content=content, html_seconds=0.0, pdf_seconds=time.monotonic() - started, fetcher=fetcher
    )


def report_pdf(
    *, rollout: Rollout, language: str, now: datetime.datetime | None = None
) -> tuple[RenderedPdf, dict]:
    """The report of `rollout` as PDF bytes, with its key figures."""

    started = time.monotonic()
    # The figures' sentences (verdicts, reasons, swings) are written in the report's language.
    with translation.override(language):
        figures = report_figures(rollout=rollout, now=now)
    html = report_html(figures=figures, language=language)
    html_seconds = time.monotonic() - started
    rendered = pdf_from_html(html)
    rendered.html_seconds = html_seconds
    return rendered, figures.key_figures


# --- Queue and render --------------------------------------------------------------------------


def report_request(
    *, rollout: Rollout, language: str, by: User | None, schedule_key: str = ""
) -> Report:
    """Queue a report; a double click (a pending report of the same rollout, language and
    person asked for less than a minute ago) gets the same report. The render task is queued
    after commit."""
    if language not in Language.values:
        language = Language.GERMAN
    with transaction.atomic():
        if schedule_key:
            report, created = Report.objects.get_or_create(
                schedule_key=schedule_key,
                defaults={"rollout": rollout, "language": language, "requested_by": by},
            )
            if not created:
                return report
        else:
            since = timezone.now() - datetime.timedelta(seconds=REUSE_SECONDS)
            existing = (
                Report.objects.select_for_update()
                .filter(
                    rollout=rollout,
                    language=language,
                    requested_by=by,
                    status__in=PENDING_REPORT_STATUSES,
                    created_at__gte=since,
                    schedule_key="",
                )
                .first()
            )
            if existing is not None:
                return existing
            report = Report.objects.create(
                rollout=rollout,
                language=language,
                requested_by=by,
                parameters={"language": language},
                enqueued_at=timezone.now(),
            )
        transaction.on_commit(lambda: _queue_render(report.pk))
    return report


def _queue_render(report_id: int) -> bool:
    """Hand the render to the worker. With the broker down the report stays queued with no
    hand-over time, and the beat's `reports_resume` hands it over at its next run."""
    from reports.tasks import render_report

    if enqueue(render_report, report_id):
        return True
    Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(enqueued_at=None)
    return False


def report_claim(*, report_id: int) -> bool:
    """queued -> rendering with a conditional update: only one worker wins."""
    return bool(
        Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
            status=ReportStatus.RENDERING,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
            progress="Rendering the PDF",
        )
    )


def render_deadline_seconds() -> int:
    """How long a live render can take at most: the task's hard time limit and a margin.
    A report rendering longer than this has lost its worker."""
    return settings.REPORT_TIME_LIMIT_SECONDS + 30 + 30


def reports_resume(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The beat's part: a report whose render task is gone is handed to the worker again.

    - queued and never handed over (the broker was down), handed over before the broker's
      epoch (Redis restarted empty since) or more than REPORT_REQUEUE_SECONDS ago (the task
      was lost): handed over again; a second task for a report already claimed does
      nothing. Queued for longer than a day: failed ("no worker started it").
    - rendering for longer than the task's hard time limit: its worker died (SIGKILL, out of
      memory). Queued again, or failed with the reason after REPORT_MAX_ATTEMPTS renders.
    Returns how many were handed over and failed."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0}
    stalled = Report.objects.filter(
        status=ReportStatus.RENDERING,
        started_at__lt=now - datetime.timedelta(seconds=render_deadline_seconds()),
    )
    counts["failed"] += stalled.filter(attempts__gte=settings.REPORT_MAX_ATTEMPTS).update(
        status=ReportStatus.FAILED, error=STALLED_REASON, progress="", finished_at=now
    )
    stalled.filter(attempts__lt=settings.REPORT_MAX_ATTEMPTS).update(
        status=ReportStatus.QUEUED, progress="", enqueued_at=None
    )
    queued = Report.objects.filter(status=ReportStatus.QUEUED)
    counts["failed"] += queued.filter(created_at__lt=now - UNCLAIMED_AFTER).update(
        status=ReportStatus.FAILED, error=UNCLAIMED_REASON, progress="", finished_at=now
    )
    lost = Q(enqueued_at__isnull=True) | Q(
        enqueued_at__lt=now - datetime.timedelta(seconds=settings.REPORT_REQUEUE_SECONDS)
    )
    epoch = broker_epoch()
    if epoch is not None:  # handed to a Redis that restarted empty since: the task is gone
        lost |= Q(enqueued_at__lt=min(epoch, now))
    due = list(queued.filter(lost).order_by("created_at", "pk").values_list("pk", flat=True)[:100])
    for report_id in due:
        Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(enqueued_at=now)
        if not _queue_render(report_id):
            break  # the broker is still away: the next run tries again
        counts["requeued"] += 1
    if counts["failed"]:
        logger.error("%s report(s) failed: their render never finished.", counts["failed"])
    return counts


def report_render(*, report_id: int) -> Report | None:
    """Claim, render, store, and mark ready (or failed with the reason). A second run of a
    report already claimed does nothing."""
    if not report_claim(report_id=report_id):
        return Report.objects.filter(pk=report_id).first()
    report = Report.objects.select_related("rollout").get(pk=report_id)
    try:
        rendered, summary = report_pdf(rollout=report.rollout, language=report.language)
    except Exception as error:
        report_fail(report=report, reason=_failure_reason(error))
        return report
    report.file.save(report.filename, ContentFile(rendered.content), save=False)
    report.size = len(rendered.content)
    report.summary = summary
    report.status = ReportStatus.READY
    report.progress = ""
    report.finished_at = timezone.now()
    # Ready and its leadership mails in one transaction: a worker killed in between leaves
    # the report rendering (the beat renders it again), never ready without its mails.
    with transaction.atomic():
        report.save(update_fields=["file", "size", "summary", "status", "progress", "finished_at"])
        if report.schedule_key:
            monthly_pack_notify(report=report)
    return report


def _failure_reason(error: BaseException) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(error, RenderTimeout | SoftTimeLimitExceeded):
        return TIMEOUT_REASON
    return f"{type(error).__name__}: {error}"[:500]


def report_fail(*, report: Report, reason: str) -> None:
    Report.objects.filter(pk=report.pk, status__in=PENDING_REPORT_STATUSES).update(
        status=ReportStatus.FAILED, error=reason, progress="", finished_at=timezone.now()
    )
    report.refresh_from_db(fields=["status", "error", "progress", "finished_at"])


# --- The monthly leadership pack ---------------------------------------------------------------


def schedule_of(rollout: Rollout) -> ReportSchedule:
    """The rollout's pack schedule, or the default one (monthly, German, all leadership)."""
    try:
        return rollout.report_schedule
    except ReportSchedule.DoesNotExist:
        return ReportSchedule.default_for(rollout)


def monthly_pack_due(today: datetime.date) -> bool:
    """Whether the default schedule (a rollout that never chose one) sends today."""
    return today.day == settings.REPORT_MONTHLY_DAY


def monthly_reports_queue(
    *, today: datetime.date | None = None, force: bool = False
) -> list[Report]:
    """Run daily: for every active rollout whose schedule is due today (`force`: due anyway,
    unless switched off), one report per language of the pack, once per period through
    `schedule_key` ("monthly:<rollout>:<YYYY-MM>" or "weekly:<rollout>:<YYYY-Www>", ":en" for
    the English one); each is mailed to the schedule's recipients when ready."""

    today = today or timezone.localdate()
    rollouts = (
        Rollout.objects.filter(phases__status__in=[PhaseStatus.ACTIVE, PhaseStatus.PLANNED])
        .distinct()
        .select_related("report_schedule")
        .order_by("pk")
    )
    queued = []
    for rollout in rollouts:
        schedule = schedule_of(rollout)
        if schedule.frequency == Frequency.OFF:
            continue
        if not force and not schedule.is_due(today):
            continue
        for language in _pack_languages(schedule):
            suffix = "" if language == Language.GERMAN else f":{language}"
            queued.append(
                report_request(
                    rollout=rollout,
                    language=language,
                    by=None,
                    schedule_key=f"{schedule.period_key(today)}{suffix}",
                )
            )
    return queued


def _pack_languages(schedule: ReportSchedule) -> list[str]:
    """One pack per language its recipients read (German when nobody is there yet)."""
    if schedule.languages != PackLanguages.EACH:
        return [schedule.languages]
    recipients = pack_recipients(schedule=schedule)
    return sorted({schedule.language_of(user) for user in recipients}) or [Language.GERMAN]


def pack_recipients(*, schedule: ReportSchedule) -> list[User]:
    """Who gets the pack: the chosen people who still may read reports, or else everyone in
    leadership. 1 query (2 for a saved schedule)."""
    leadership = User.objects.filter(groups__name=Role.LEADERSHIP, is_active=True)
    if schedule.pk is not None:
        chosen = [
            user
            for user in schedule.recipients.filter(is_active=True).order_by("pk")
            if user.is_manager or user.is_leadership
        ]
        if chosen:
            return chosen
    return list(leadership.distinct().order_by("pk"))


def monthly_pack_notify(*, report: Report) -> None:
    """Queue the leadership pack mail of a ready scheduled report (one per leadership user)."""

    if report.status != ReportStatus.READY or not report.schedule_key:
        return
    schedule = schedule_of(report.rollout)
    with transaction.atomic():
        for user in pack_recipients(schedule=schedule):
            if schedule.language_of(user) != report.language:
                continue  # they get the pack in their language
            notification_queue(
                kind=REPORT_READY,
                to=user,
                dedup_key=f"report_ready:{report.pk}:user{user.pk}",
                about=report,
            )


def schedule_save(*, form, rollout: Rollout, by: User) -> ReportSchedule:
    """Store the rollout's pack schedule from a valid `ReportScheduleForm` (one row per
    rollout: saving twice changes the same row)."""
    with transaction.atomic():
        schedule, _created = ReportSchedule.objects.select_for_update().get_or_create(
            rollout=rollout, defaults={"updated_by": by}
        )
        for name in ("frequency", "day_of_month", "weekday", "languages"):
            setattr(schedule, name, form.cleaned_data[name])
        schedule.updated_by = by
        schedule.save()
        schedule.recipients.set(form.cleaned_data["recipients"])
    return schedule
