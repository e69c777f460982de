"""Handing due rows to the worker: the beat's dispatcher, and the kick after a commit.

A row is claimed by setting `claimed_at` under `select_for_update(skip_locked=True)`, so two
dispatchers running at the same time never hand the same row over twice. Nothing waits in the
broker: a row due later stays in the database until it is due. If the broker is down the web
request that queued the row still succeeds: publishing gives up within about 0.5 s (see
CELERY_BROKER_TRANSPORT_OPTIONS) and then not at all for BROKER_PAUSE_SECONDS (core/queue.py);
the rows stay pending and the next dispatch after the broker is back hands them over.
"""

import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.queue import enqueue
from notifications.models import Notification, NotificationState

logger = logging.getLogger(__name__)

SEND_BATCH = 50


def _publish(task, *args) -> bool:
    """Publish a task without retries; False (and a pause) when the broker does not take it:
    the beat will pick the rows up (core/queue.py)."""
    return enqueue(task, *args)


def kick_after_commit(ids: Sequence[int]) -> None:
    ids = list(ids)
    transaction.on_commit(lambda: enqueue_send(ids))


def enqueue_send(ids: Sequence[int]) -> bool:
    """Hand rows to the worker. A broker that is down loses nothing: the rows stay pending."""
    from notifications.tasks import send_notifications

    return _publish(send_notifications, list(ids))


def enqueue_dispatch_after_commit() -> None:
    from notifications.tasks import dispatch_due_notifications

    transaction.on_commit(lambda: _publish(dispatch_due_notifications))


def reclaim_stale(*, now: datetime.datetime) -> int:
    """A row stuck in `sending` longer than NOTIFY_RECLAIM_SECONDS belongs to a worker that
    died (SIGKILL, power loss) while sending it. It goes back to pending and is sent again:
    at least once, never lost. A duplicate is nearly impossible: on PostgreSQL the worker
    marks the row sent in a transaction it commits the moment the SMTP server has answered
    (see sending._send_one), so a worker that died before that moment left no mark, and
    only a death in the microseconds between the server's "250 OK" and the COMMIT leaving
    the worker can produce a second copy (with the same Message-ID, so mail programs can
    drop it)."""
    stale = now - datetime.timedelta(seconds=settings.NOTIFY_RECLAIM_SECONDS)
    return Notification.objects.filter(
        state=NotificationState.SENDING, claimed_at__lt=stale
    ).update(state=NotificationState.PENDING, claimed_at=None)


def notifications_dispatch(
    *, now: datetime.datetime | None = None, limit: int = 5000, batch: int = SEND_BATCH
) -> int:
    """Claim due pending rows (skipping rows another dispatcher holds) and hand them to the
    worker in batches; bundle due digest items into digests first. A row handed over but
    never sent (the message was lost with the broker or the worker) becomes claimable again
    after NOTIFY_RECLAIM_SECONDS. Returns how many rows were handed over."""
    from notifications.services.digests import digests_build

    now = now or timezone.now()
    reclaim_stale(now=now)
    digests_build(now=now)
    stale = now - datetime.timedelta(seconds=settings.NOTIFY_RECLAIM_SECONDS)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(state=NotificationState.PENDING, due_at__lte=now, via_digest=False)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Notification.objects.filter(pk__in=ids).update(claimed_at=now)
    handed = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        if not enqueue_send(chunk):
            # Let the next dispatch try again at once instead of after the reclaim time.
            Notification.objects.filter(pk__in=ids[start:], state=NotificationState.PENDING).update(
                claimed_at=None
            )
            break
        handed += len(chunk)
    return handed
