"""The notification kinds of the leadership report, registered from ReportsConfig.ready()."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications.kinds import NotificationKind, Pace, register
from notifications.models import Notification
from reports.models import Report, ReportStatus

REPORT_READY = "report_ready"
# Larger reports are linked instead of attached.
REPORT_ATTACH_MAX_BYTES = 5 * 1024 * 1024


def _report(notification: Notification):
    if notification.object_id is None:
        return None
    return (
        Report.objects.select_related("rollout")
        .filter(pk=notification.object_id, status=ReportStatus.READY)
        .first()
    )


def _report_context(notification: Notification) -> dict | None:
    report = _report(notification)
    if report is None:
        return None
    path = reverse("reports:report_list", kwargs={"pk": report.rollout_id})
    return {
        "report": report,
        "rollout": report.rollout,
        "attached": report.size <= REPORT_ATTACH_MAX_BYTES,
        "reports_url": f"{settings.SITE_URL}{path}",
    }


def _report_attachments(notification: Notification) -> list:
    report = _report(notification)
    if report is None or report.size > REPORT_ATTACH_MAX_BYTES or not report.file:
        return []
    with report.file.open("rb") as handle:
        return [(report.filename, handle.read(), "application/pdf")]


register(
    NotificationKind(
        key=REPORT_READY,
        label=_("Monthly leadership report"),
        template="report_ready",
        context=_report_context,
        attachments=_report_attachments,
        pace=Pace.TRANSACTIONAL,  # leadership asked for it, and the PDF must not be stripped
    )
)
