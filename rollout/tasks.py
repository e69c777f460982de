"""Celery tasks of the rollout core: load by id, call a service, nothing else."""

from celery import shared_task

from rollout import services


@shared_task
def scheduler_heartbeat() -> None:
    """Run by beat every HEARTBEAT_SECONDS; /health/ shows when it last ran."""
    services.heartbeat_record(name="beat")
