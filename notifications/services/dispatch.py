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
import time
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
    """A row in `sending` whose lease (NOTIFY_SEND_LEASE_SECONDS, renewed while its send task
    runs) ran out belongs to a task that is gone (worker SIGKILLed, power loss): it goes back
    to pending and is sent again, at least once, never lost. The task cannot send it twice
    even if it was only frozen: it checks each row is still its own just before sending it.
    So a kill costs at most one duplicate per mail being sent at that moment: the one the
    server had accepted when the worker died before recording it (same Message-ID, so mail
    programs can drop it). On PostgreSQL the row being sent is locked by its open send
    transaction and skipped here whatever its lease says."""
    stale = now - datetime.timedelta(seconds=settings.NOTIFY_SEND_LEASE_SECONDS)
    with transaction.atomic():
        pks = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(state=NotificationState.SENDING, claimed_at__lt=stale)
            .values_list("pk", flat=True)
        )
        if not pks:
            return 0
        return Notification.objects.filter(
            pk__in=pks, state=NotificationState.SENDING, claimed_at__lt=stale
        ).update(state=NotificationState.PENDING, claimed_at=None, claim="")


# Rows handed over longer ago than this while the send queue is empty lost their task.
HANDOVER_GRACE_SECONDS = 5
# A key in the broker's Redis holding when that Redis started to hold our tasks: a Redis that
# restarts empty (and loses every queued task) loses the key with them.
BROKER_EPOCH_KEY = "changehub:broker-epoch"


def _broker_facts() -> tuple[int | None, datetime.datetime | None]:
    """How many tasks wait in the sender's queue, and since when the broker holds its tasks
    (None: not known, or a broker that does not lose them)."""
    from changehub.celery import app
    from core.queue import broker_paused
    from notifications.tasks import send_notifications

    if broker_paused():
        return None, None
    size, epoch = None, None
    try:
        queue = app.amqp.router.route({}, send_notifications.name)["queue"]
        with app.connection_for_write() as conn, conn.channel() as channel:
            size = queue.bind(channel).queue_declare().message_count
            epoch = _epoch_of(channel)
    except Exception:  # broker down or hung: fall back to the long reclaim time
        logger.info("Could not ask the broker about the send queue.", exc_info=True)
    return size, epoch


def _epoch_of(channel) -> datetime.datetime | None:
    from changehub.celery import app

    client = getattr(channel, "client", None)
    if client is None or not str(app.conf.broker_url).startswith("redis"):
        return None
    client.set(BROKER_EPOCH_KEY, repr(time.time()), nx=True)
    value = client.get(BROKER_EPOCH_KEY)
    return datetime.datetime.fromtimestamp(float(value), tz=datetime.UTC) if value else None


def broker_epoch() -> datetime.datetime | None:
    """Since when the broker holds our tasks: a task handed over before this moment is gone
    (Redis restarted empty since). None when not known or not applicable (the filesystem
    broker keeps its tasks on disk). Other queues' resumers (reports) can use it too."""
    from changehub.celery import app
    from core.queue import broker_paused

    if broker_paused():
        return None
    try:
        with app.connection_for_write() as conn, conn.channel() as channel:
            return _epoch_of(channel)
    except Exception:
        logger.info("Could not ask the broker for its epoch.", exc_info=True)
        return None


def send_queue_size() -> int | None:
    """How many tasks wait in the broker's queue of the sender; None when it cannot be told."""
    return _broker_facts()[0]


def handover_stale(*, now: datetime.datetime) -> datetime.datetime:
    """Rows handed to the broker before this moment and still pending lost their task:
    - handed over before the broker's epoch (Redis restarted empty since: every task gone);
    - with the send queue empty, handed over more than a few seconds ago (nothing waits
      there: the broker lost it, or the worker holding it was killed);
    - otherwise after NOTIFY_RECLAIM_SECONDS (tasks waiting in the queue may be theirs)."""
    size, epoch = _broker_facts()
    stale = now - datetime.timedelta(seconds=settings.NOTIFY_RECLAIM_SECONDS)
    if size == 0:
        stale = now - datetime.timedelta(seconds=HANDOVER_GRACE_SECONDS)
    if epoch is not None:
        stale = max(stale, min(epoch, now))
    return stale


def notifications_dispatch(
    *, now: datetime.datetime | None = None, limit: int = 5000, batch: int = SEND_BATCH
) -> int:
    """Claim due pending rows (skipping rows another dispatcher holds) and hand them to the
    worker in batches; bundle due digest items into digests first. A row handed over but
    never sent (the message was lost with the broker or the worker) is handed over again
    (see `handover_stale`). Returns how many rows were handed over."""
    from notifications.services.digests import digests_build

    now = now or timezone.now()
    reclaim_stale(now=now)
    digests_build(now=now)
    stale = handover_stale(now=now)
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
