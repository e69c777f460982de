"""Celery tasks of the shared plumbing."""

from celery import shared_task

from core.models import heartbeat_record


@shared_task
def scheduler_heartbeat() -> None:
    """Run by beat every HEARTBEAT_SECONDS; /health/ shows when it last ran."""
    heartbeat_record(name="beat")
