"""Durable mass mailings: a fan-out job row, written in the transaction of the change, that
the worker turns into outbox rows in batches and the beat resumes until it is done.

Nothing waits only in the broker: the job is a database row from the moment the change
commits. The kick after commit starts it at once when the broker takes it; otherwise (broker
down, task lost with a Redis restart, worker killed while writing) the beat's next
`fanouts_resume` claims it: a pending job at once, a running one when its lease
(NOTIFY_FANOUT_LEASE_SECONDS, renewed with every batch) has run out. Each batch writes its
outbox rows and moves the job's cursor in one transaction, and the rows' unique `dedup_key`
skips what exists, so a resumed or doubled run never writes a row twice.

An app registers a source (`register_source`) for each kind of mass mailing; the source turns
a slice of its recipients (after `cursor`, at most `limit`) into QueuedNotification items.
"""

import datetime
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.models import FanOut, FanOutState
from notifications.services.outbox import QueuedNotification, notification_queue_many

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Slice:
    """One batch from a source: the outbox items, the cursor after it and how many source
    rows it covered (0: the source is exhausted)."""

    items: list[QueuedNotification]
    cursor: int
    seen: int


@dataclass(frozen=True)
class FanOutSource:
    key: str
    kind: str  # the notification kind of the rows
    total: Callable[[FanOut], int]
    batch: Callable[[FanOut, int, int], Slice]


_SOURCES: dict[str, FanOutSource] = {}


def register_source(source: FanOutSource) -> FanOutSource:
    _SOURCES[source.key] = source
    return source


def get_source(key: str) -> FanOutSource | None:
    return _SOURCES.get(key)


def fanout_start(
    *, key: str, source: str, about: models.Model | None = None, label: str = ""
) -> FanOut:
    """Create (or restart from the beginning) the job `key` in the caller's transaction and
    kick the worker after commit. Restarting a finished job writes only the rows it lacks."""
    spec = _SOURCES[source]
    content_type = ContentType.objects.get_for_model(about) if about is not None else None
    job, created = FanOut.objects.get_or_create(
        key=key,
        defaults={
            "source": source,
            "label": label[:255],
            "content_type": content_type,
            "object_id": about.pk if about is not None else None,
        },
    )
    job.total = spec.total(job)
    fields = {"total": job.total}
    if not created:
        # A run still going sees its claim gone at its next batch and stops.
        fields.update(
            state=FanOutState.PENDING,
            cursor=0,
            done=0,
            claim="",
            heartbeat_at=None,
            attempts=0,
            last_error="",
            finished_at=None,
        )
    FanOut.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    job_id = job.pk
    transaction.on_commit(lambda: _kick(job_id))
    return job


def _kick(job_id: int) -> bool:
    from core.queue import enqueue
    from notifications.tasks import run_fanout

    return enqueue(run_fanout, job_id)


def _stale(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.NOTIFY_FANOUT_LEASE_SECONDS)


def _claimable(now: datetime.datetime):
    return Q(state=FanOutState.PENDING) | Q(state=FanOutState.RUNNING, heartbeat_at__lt=_stale(now))


def fanout_run(
    *, job_id: int, batch: int | None = None, now: datetime.datetime | None = None
) -> int:
    """Claim the job (if nobody holds a live lease on it) and write its outbox rows batch by
    batch until the source is exhausted. Returns how many rows this run wrote."""
    batch = batch or settings.NOTIFY_FANOUT_BATCH
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimed = FanOut.objects.filter(_claimable(now), pk=job_id).update(
        state=FanOutState.RUNNING, claim=token, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return 0
    written = 0
    try:
        while True:
            step = _run_batch(job_id=job_id, token=token, limit=batch)
            if step is None:
                return written
            written += step
    except Exception as error:
        _record_failure(job_id=job_id, token=token, error=error)
        return written


def _run_batch(*, job_id: int, token: str, limit: int) -> int | None:
    """One batch in one transaction; None when the job is finished or no longer ours."""
    with transaction.atomic():
        job = FanOut.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.claim != token or job.state != FanOutState.RUNNING:
            return None
        spec = _SOURCES.get(job.source)
        if spec is None:
            raise LookupError(f"No fan-out source {job.source!r} is registered.")
        piece = spec.batch(job, job.cursor, limit)
        now = timezone.now()
        if not piece.seen:
            FanOut.objects.filter(pk=job_id, claim=token).update(
                state=FanOutState.DONE,
                total=job.done,
                claim="",
                heartbeat_at=None,
                last_error="",
                finished_at=now,
            )
            return None
        written = notification_queue_many(kind=spec.kind, items=piece.items) if piece.items else 0
        FanOut.objects.filter(pk=job_id, claim=token).update(
            cursor=piece.cursor,
            done=job.done + piece.seen,
            total=max(job.total, job.done + piece.seen),
            queued=job.queued + written,
            heartbeat_at=now,
            attempts=1,  # progress: only runs that get nowhere count towards giving up
        )
    return written


def _record_failure(*, job_id: int, token: str, error: Exception) -> None:
    job = FanOut.objects.filter(pk=job_id, claim=token).first()
    if job is None:
        return
    message = f"{type(error).__name__}: {error}"[:2000]
    if job.attempts >= settings.NOTIFY_FANOUT_MAX_ATTEMPTS:
        logger.error(
            "Mass mailing %s (%s) gave up after %s attempts at %s of %s: %s",
            job.pk,
            job.key,
            job.attempts,
            job.done,
            job.total,
            message,
        )
        update = {"state": FanOutState.FAILED, "finished_at": timezone.now()}
    else:
        logger.warning(
            "Mass mailing %s (%s) stopped; the beat resumes it: %s", job.pk, job.key, message
        )
        update = {"state": FanOutState.PENDING}
    FanOut.objects.filter(pk=job_id, claim=token).update(
        claim="", heartbeat_at=None, last_error=message, **update
    )


def fanouts_resume(*, now: datetime.datetime | None = None) -> int:
    """The beat's part: run every job that is waiting or whose run stopped (lease ran out).
    Returns how many outbox rows were written."""
    now = now or timezone.now()
    ids = list(FanOut.objects.filter(_claimable(now)).order_by("pk").values_list("pk", flat=True))
    return sum(fanout_run(job_id=job_id, now=now) for job_id in ids)
