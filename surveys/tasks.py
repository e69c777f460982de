"""Celery tasks of the surveys app: load by id, call a service, nothing else. Safe to run
twice."""

from celery import shared_task


@shared_task
def survey_waves_due() -> int:
    """Daily: close finished waves and start the next wave of repeating surveys (a database
    row, never a task waiting weeks in the broker). Returns how many waves started."""
    from surveys.services import waves_due

    return len(waves_due().started)
