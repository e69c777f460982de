"""Celery tasks of the rollout core: load by id, call a service, nothing else."""

from celery import shared_task
from django.conf import settings


@shared_task(
    soft_time_limit=settings.PEOPLE_IMPORT_WORKER_SECONDS + 60,
    time_limit=settings.PEOPLE_IMPORT_WORKER_SECONDS + 120,
)
def people_import_read(import_id: int) -> None:
    """Read a queued people import into its preview; a second run does nothing."""
    from celery.exceptions import SoftTimeLimitExceeded
    from django.utils import translation

    from rollout.models import PeopleImport
    from rollout.services import people_import_jobs

    try:
        people_import_jobs.people_import_read(import_id=import_id)
    except SoftTimeLimitExceeded:
        people_import = PeopleImport.objects.filter(pk=import_id).first()
        if people_import is not None:
            with translation.override(people_import.language or settings.LANGUAGE_CODE):
                reason = people_import_jobs.timeout_reason()
            people_import_jobs.people_import_fail(people_import=people_import, reason=reason)


@shared_task
def people_import_apply_rows(import_id: int) -> None:
    """Write a confirmed people import, resuming after the last chunk written."""
    from rollout.services import people_import_jobs

    people_import_jobs.people_import_apply_run(import_id=import_id)


@shared_task
def people_imports_resume() -> dict[str, int]:
    """Run by beat: people imports queued or running without progress are handed over again,
    or fail with the reason after PEOPLE_IMPORT_MAX_ATTEMPTS starts."""
    from rollout.services import people_import_jobs

    return people_import_jobs.people_imports_resume()
