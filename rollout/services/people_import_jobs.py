"""Large people imports in the worker, with progress, and the beat that picks up lost ones.

The threshold is explicit (settings, documented in .env.example):

- A file of at most PEOPLE_IMPORT_SYNC_MAX_ROWS people and PEOPLE_IMPORT_SYNC_MAX_BYTES bytes
  (an XLSX counted unpacked) that is read within PEOPLE_IMPORT_REQUEST_SECONDS is read in the
  web request, and its confirmation applied there, as before (`people_import_create`,
  `people_import_apply`).
- Anything larger is a `PeopleImport` row first: queued (the file kept in the row) -> reading
  -> preview; after confirmation confirmed -> applying -> applied. The worker writes its
  progress into the row (`progress_done` of `progress_total`, `progress_at`), and the page polls
  it. Applying goes in chunks of APPLY_CHUNK rows, each chunk and the progress committed
  together, so a worker that dies resumes after the last chunk it wrote, never twice.
- Handing the work to the broker (core.queue) never fails the request: when it is down the row
  waits, and `people_imports_resume` (beat, every PEOPLE_IMPORT_RESUME_SECONDS) hands over
  every import queued or running without progress for PEOPLE_IMPORT_STALL_SECONDS; after
  PEOPLE_IMPORT_MAX_ATTEMPTS starts without an end it fails with the reason.
"""

import datetime
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rollout.models import ImportStatus, PeopleImport, User
from rollout.models.workspace import IMPORT_RUNNING, IMPORT_WAITING
from rollout.services.people_files import PeopleFileError, read_people_file
from rollout.services.people_import import (
    CREATE,
    REJECT,
    UPDATE,
    PeopleImportBusy,
    PeopleImportClosed,
    PeopleImportOutdated,
    _applied_since,
    _departments_create,
    _departments_update,
    _people_by_email,
    _people_write,
    analyse_people_table,
    people_import_apply,
    people_import_applying_other,
    people_import_create,
)
from rollout.services.people_limits import PeopleFileNeedsWorker, ReadLimits, number

APPLY_CHUNK = 500
# The worker writes its progress at most this often (seconds).
PROGRESS_EVERY_SECONDS = 1.0


# --- Handing work to the worker -----------------------------------------------------------


def _enqueue(task_name: str, import_id: int) -> bool:
    """Publish through the one guarded publish (core.queue): False when the broker does not
    take it, and the row waits for the beat. Never raises: a web request must not fail because
    the broker is down."""
    from core.queue import enqueue
    from rollout import tasks

    return enqueue(getattr(tasks, task_name), import_id)


def _enqueue_on_commit(task_name: str, import_id: int) -> None:
    transaction.on_commit(lambda: _enqueue(task_name, import_id))


# --- Upload --------------------------------------------------------------------------------


def people_import_upload(*, content: bytes, filename: str, by: User | None) -> PeopleImport:
    """A small file becomes a preview at once; a larger (or slow) one is queued for the
    worker. Raises PeopleFileError with the reason when the file is refused here."""
    try:
        return people_import_create(
            content=content, filename=filename, by=by, limits=ReadLimits.for_request()
        )
    except PeopleFileNeedsWorker:
        pass
    people_import = PeopleImport(
        filename=filename[:255],
        uploaded_by=by,
        status=ImportStatus.QUEUED,
        content=content,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        progress_at=timezone.now(),
    )
    people_import.full_clean(exclude=["uploaded_by", "rows", "summary"])
    people_import.save()
    _enqueue_on_commit("people_import_read", people_import.pk)
    return people_import


def _claim(import_id: int, waiting: str, running: str) -> bool:
    """waiting -> running with a conditional update: of two tasks for one import, one runs."""
    return bool(
        PeopleImport.objects.filter(pk=import_id, status=waiting).update(
            status=running, attempts=F("attempts") + 1, progress_at=timezone.now()
        )
    )


class _Progress:
    """Writes the rows done into the import, at most once a second."""

    def __init__(self, import_id: int, status: str) -> None:
        self.import_id, self.status = import_id, status
        self.written_at = 0.0

    def __call__(self, done: int, total: int, *, force: bool = False) -> None:
        if not force and time.monotonic() - self.written_at < PROGRESS_EVERY_SECONDS:
            return
        self.written_at = time.monotonic()
        PeopleImport.objects.filter(pk=self.import_id, status=self.status).update(
            progress_done=done, progress_total=max(total, done), progress_at=timezone.now()
        )


def people_import_read(*, import_id: int) -> PeopleImport | None:
    """The worker: read a queued file with the worker's limits and store the preview (or the
    reason it was refused). A second run of an import already claimed does nothing."""
    if not _claim(import_id, ImportStatus.QUEUED, ImportStatus.READING):
        return PeopleImport.objects.filter(pk=import_id).first()
    people_import = PeopleImport.objects.get(pk=import_id)
    progress = _Progress(import_id, ImportStatus.READING)
    with translation.override(people_import.language or settings.LANGUAGE_CODE):
        try:
            table = read_people_file(
                bytes(people_import.content),
                people_import.filename,
                limits=ReadLimits.for_worker(progress=progress),
            )
            progress(len(table.rows), len(table.rows), force=True)
            rows, summary = analyse_people_table(table)
        except PeopleFileError as error:
            people_import_fail(people_import=people_import, reason=error.message)
            return people_import
    PeopleImport.objects.filter(pk=import_id, status=ImportStatus.READING).update(
        status=ImportStatus.PREVIEW,
        rows=rows,
        summary=summary,
        row_count=len(rows),
        content=b"",
        progress_done=len(rows),
        progress_total=len(rows),
        progress_at=timezone.now(),
    )
    people_import.refresh_from_db()
    return people_import


def timeout_reason() -> str:
    """Why a read stopped at the task's time limit, in the uploader's language if active."""
    return _(
        "Reading the file took longer than %(seconds)s seconds and was stopped. "
        "Please save it as CSV or split it into smaller files."
    ) % {"seconds": number(settings.PEOPLE_IMPORT_WORKER_SECONDS)}


def people_import_fail(*, people_import: PeopleImport, reason: str) -> None:
    """Pending -> failed with the reason (in the uploader's language); the file is dropped."""
    PeopleImport.objects.filter(
        pk=people_import.pk, status__in=IMPORT_WAITING + IMPORT_RUNNING
    ).update(
        status=ImportStatus.FAILED,
        failure_reason=reason[:2000] or "-",
        content=b"",
        progress_at=timezone.now(),
    )
    people_import.refresh_from_db(fields=["status", "failure_reason", "progress_at"])


# --- Confirmation ----------------------------------------------------------------------------


def people_import_confirm(*, people_import: PeopleImport, by: User | None) -> PeopleImport:
    """Apply a small import at once; a larger one is confirmed and applied by the worker.
    Raises PeopleImportClosed, PeopleImportOutdated or PeopleImportBusy, writing nothing."""
    if people_import.row_count <= settings.PEOPLE_IMPORT_SYNC_MAX_ROWS:
        return people_import_apply(people_import=people_import, by=by)
    with transaction.atomic():
        locked = PeopleImport.objects.select_for_update().get(pk=people_import.pk)
        if locked.status != ImportStatus.PREVIEW:
            raise PeopleImportClosed(locked.status)
        if _applied_since(locked):
            raise PeopleImportOutdated
        if people_import_applying_other(locked):
            raise PeopleImportBusy
        locked.status = ImportStatus.CONFIRMED
        locked.confirmed_by = by
        locked.progress_done = 0
        locked.progress_total = sum(1 for row in locked.rows if row["action"] in (CREATE, UPDATE))
        locked.progress_at = timezone.now()
        locked.attempts = 0
        locked.save(
            update_fields=[
                "status",
                "confirmed_by",
                "progress_done",
                "progress_total",
                "progress_at",
                "attempts",
            ]
        )
        _enqueue_on_commit("people_import_apply_rows", locked.pk)
    people_import.status = locked.status
    return locked


def people_import_apply_run(*, import_id: int) -> PeopleImport | None:
    """The worker: write a confirmed import chunk by chunk. Each chunk commits with the count
    of rows done, so a rerun after a crash starts after the last chunk written."""
    if not _claim(import_id, ImportStatus.CONFIRMED, ImportStatus.APPLYING):
        return PeopleImport.objects.filter(pk=import_id).first()
    people_import = PeopleImport.objects.select_related("confirmed_by").get(pk=import_id)
    by = people_import.confirmed_by
    entries = people_import.summary.get("departments", [])
    pending = [row for row in people_import.rows if row["action"] in (CREATE, UPDATE)]
    with transaction.atomic():
        departments = _departments_create(entries, by=by)
    for start in range(people_import.progress_done, len(pending), APPLY_CHUNK):
        chunk = pending[start : start + APPLY_CHUNK]
        with transaction.atomic():
            _people_write(chunk, departments=departments, by=by)
            PeopleImport.objects.filter(pk=import_id, status=ImportStatus.APPLYING).update(
                progress_done=start + len(chunk), progress_at=timezone.now()
            )
    with transaction.atomic():
        leaders = {
            row["data"].get(key) or ""
            for row in people_import.rows
            if row["action"] != REJECT
            for key in ("head", "deputy")
        }
        leaders.discard("")
        people = _people_by_email(leaders, values=False)
        _departments_update(entries, departments=departments, people=people, by=by)  # type: ignore[arg-type]
        PeopleImport.objects.filter(pk=import_id, status=ImportStatus.APPLYING).update(
            status=ImportStatus.APPLIED,
            applied_at=timezone.now(),
            progress_done=len(pending),
            progress_at=timezone.now(),
        )
    people_import.refresh_from_db()
    return people_import


# --- The beat: nothing waits forever ---------------------------------------------------------


def people_imports_resume(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Imports queued or running without progress for PEOPLE_IMPORT_STALL_SECONDS: handed to
    the worker again, or failed with the reason after PEOPLE_IMPORT_MAX_ATTEMPTS starts."""
    now = now or timezone.now()
    stalled_before = now - datetime.timedelta(seconds=settings.PEOPLE_IMPORT_STALL_SECONDS)
    stalled = Q(progress_at__lt=stalled_before) | Q(progress_at__isnull=True)
    handed, failed = 0, 0
    back = {
        ImportStatus.READING: ImportStatus.QUEUED,
        ImportStatus.APPLYING: ImportStatus.CONFIRMED,
    }
    for people_import in PeopleImport.objects.filter(
        stalled, status__in=IMPORT_WAITING + IMPORT_RUNNING
    ).order_by("pk"):
        if people_import.attempts >= settings.PEOPLE_IMPORT_MAX_ATTEMPTS:
            with translation.override(people_import.language or settings.LANGUAGE_CODE):
                reason = _(
                    "The import was started %(attempts)s times and stopped each time without "
                    "finishing. Please upload the file again; if this repeats, split it into "
                    "smaller files."
                ) % {"attempts": number(people_import.attempts)}
            people_import_fail(people_import=people_import, reason=reason)
            failed += 1
            continue
        waiting = back.get(people_import.status, people_import.status)
        # Conditional: a worker that wrote progress meanwhile keeps its import.
        if not PeopleImport.objects.filter(
            stalled, pk=people_import.pk, status=people_import.status
        ).update(status=waiting, progress_at=now):
            continue
        task = (
            "people_import_read" if waiting == ImportStatus.QUEUED else "people_import_apply_rows"
        )
        if _enqueue(task, people_import.pk):
            handed += 1
    return {"handed_over": handed, "failed": failed}


# --- What the page shows while the worker works --------------------------------------------------


def people_import_progress(people_import: PeopleImport) -> dict[str, object]:
    """The status line of a pending import: "1.200 von 5.000 Zeilen gelesen"."""
    done, total = people_import.progress_done, people_import.progress_total
    status = people_import.status
    if status in IMPORT_WAITING:
        text = _("Waiting for the background worker …")
    elif status == ImportStatus.READING and total:
        text = _("%(done)s of %(total)s rows read") % {
            "done": number(done),
            "total": number(total),
        }
    elif status == ImportStatus.READING:
        text = _("%(done)s rows read") % {"done": number(done)}
    else:
        text = _("%(done)s of %(total)s rows written") % {
            "done": number(done),
            "total": number(total),
        }
    return {
        "text": text,
        "done": min(done, total) if total else done,
        "total": total,
        "percent": int(100 * min(done, total) / total) if total else None,
    }


__all__ = [
    "people_import_apply_run",
    "people_import_confirm",
    "people_import_fail",
    "people_import_progress",
    "people_import_read",
    "people_import_upload",
    "people_imports_resume",
]
