"""Celery tasks of the guidelines app: load by id, call a service, nothing else. Safe to run
twice. (Shared module: guidelines and trainings each add their tasks here.)"""

from celery import shared_task


@shared_task
def guideline_requests_notify(version_id: int) -> int:
    """Queue the acknowledgment emails of a published version (idempotent)."""
    from guidelines.services.guidelines import acknowledgment_requests_notify

    return acknowledgment_requests_notify(version_id=version_id)
