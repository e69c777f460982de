"""Celery tasks of the leadership report: load by id, call a service, nothing else."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from reports import services as reports
from reports.models import TIMEOUT_REASON, Report


@shared_task(
    soft_time_limit=settings.REPORT_TIME_LIMIT_SECONDS,
    time_limit=settings.REPORT_TIME_LIMIT_SECONDS + 30,
)
def render_report(report_id: int) -> None:
    """Render a queued report (on the "reports" queue); a second run does nothing."""
    try:
        reports.report_render(report_id=report_id)
    except SoftTimeLimitExceeded:
        report = Report.objects.filter(pk=report_id).first()
        if report is not None:
            reports.report_fail(report=report, reason=TIMEOUT_REASON)


@shared_task
def resume_reports() -> dict[str, int]:
    """Run by beat: reports queued or rendering without a live task are handed over again, or
    fail with the reason after REPORT_MAX_ATTEMPTS renders."""
    return reports.reports_resume()


@shared_task
def monthly_leadership_pack() -> None:
    """Run daily by beat: on REPORT_MONTHLY_DAY, one report per active rollout, mailed to
    leadership when ready."""
    reports.monthly_reports_queue()
