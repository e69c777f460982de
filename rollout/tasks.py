"""Celery tasks of the rollout core: load by id, call a service, nothing else."""

from celery import shared_task

from rollout import emails, services
from rollout.models import User


@shared_task
def scheduler_heartbeat() -> None:
    """Run by beat every HEARTBEAT_SECONDS; /health/ shows when it last ran."""
    services.heartbeat_record(name="beat")


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def send_password_reset_email(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    emails.password_reset_send(user=user)
