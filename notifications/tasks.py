"""Celery tasks of the outbox: the beat's dispatcher, the sender, the reminder scan and the
department summaries. All are safe to run twice and at the same time."""

from celery import shared_task

from notifications import services, webhooks
from notifications.rules.scan import reminders_scan


@shared_task
def dispatch_due_notifications() -> int:
    return services.notifications_dispatch()


@shared_task
def send_notifications(ids: list[int]) -> int:
    return services.notifications_send(ids=ids)


@shared_task
def run_fanout(job_id: int) -> int:
    """Write the outbox rows of one mass mailing (kicked after the commit that created it)."""
    from notifications.services.fanout import fanout_run

    return fanout_run(job_id=job_id)


@shared_task
def resume_fanouts() -> int:
    """Run by beat: every mass mailing that is waiting or whose worker stopped."""
    from notifications.services.fanout import fanouts_resume

    return fanouts_resume()


@shared_task
def scan_reminders() -> int:
    return reminders_scan()


@shared_task
def queue_department_summaries() -> int:
    return webhooks.department_summaries_queue()
