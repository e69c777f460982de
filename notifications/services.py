"""Queueing, dispatching and sending notifications (the outbox).

Queue with `notification_queue` (one) or `notification_queue_many` (thousands) inside the
transaction of the change that causes it. Rows due now are handed to the worker right after
the commit; rows due later, and any the broker did not take, are picked up by the beat task
`dispatch_due_notifications` once a minute. Sending is idempotent: a row is only sent by the
task that moved it from pending to sending, so a task run twice sends once.
"""

import datetime
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import mailers
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.emails import NotificationObsolete, notification_message
from notifications.models import Notification, NotificationState
from rollout.models import Person, User

logger = logging.getLogger(__name__)

SEND_BATCH = 50


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    language: str = "de"
    time_zone: str = "Europe/Berlin"
    person: Person | None = None
    user: User | None = None


def recipient_for(to: "Person | User | Recipient") -> Recipient:
    """The address, name, language and time zone of a person or user. A person with an
    account gets the account's language and time zone."""
    if isinstance(to, Recipient):
        return to
    if isinstance(to, Person):
        user = to.user if to.user_id else None
        return Recipient(
            email=to.email,
            name=str(to),
            language=user.language if user else (to.language or settings.LANGUAGE_CODE),
            time_zone=user.time_zone if user else settings.TIME_ZONE,
            person=to,
            user=user,
        )
    if isinstance(to, User):
        return Recipient(
            email=to.email,
            name=to.full_name,
            language=to.language,
            time_zone=to.time_zone,
            user=to,
        )
    raise TypeError(f"Cannot notify {to!r}.")


@dataclass
class QueuedNotification:
    """One row for `notification_queue_many`."""

    to: "Person | User | Recipient"
    dedup_key: str
    about: models.Model | None = None
    context: dict = field(default_factory=dict)
    due_at: datetime.datetime | None = None


def _row(*, kind: str, item: QueuedNotification, now: datetime.datetime) -> Notification:
    recipient = recipient_for(item.to)
    about = item.about
    return Notification(
        kind=kind,
        dedup_key=item.dedup_key,
        recipient_email=recipient.email,
        recipient_name=recipient.name,
        person=recipient.person,
        user=recipient.user,
        language=recipient.language,
        time_zone=recipient.time_zone,
        content_type=ContentType.objects.get_for_model(about) if about is not None else None,
        object_id=about.pk if about is not None else None,
        context=item.context,
        due_at=item.due_at or now,
    )


def notification_queue(
    *,
    kind: str,
    to: "Person | User | Recipient",
    dedup_key: str,
    about: models.Model | None = None,
    context: dict | None = None,
    due_at: datetime.datetime | None = None,
) -> Notification:
    """Queue one notification in the caller's transaction; with a `dedup_key` already used,
    return the existing row and queue nothing. Due now: handed to the worker after commit."""
    now = timezone.now()
    row = _row(
        kind=kind,
        item=QueuedNotification(
            to=to, dedup_key=dedup_key, about=about, context=context or {}, due_at=due_at
        ),
        now=now,
    )
    with transaction.atomic():
        existing = Notification.objects.filter(dedup_key=dedup_key).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            existing = Notification.objects.filter(dedup_key=dedup_key).first()
            if existing is None:
                raise
            return existing
    if row.due_at <= now:
        kick_after_commit([row.pk])
    return row


def notification_queue_many(*, kind: str, items: Iterable[QueuedNotification]) -> int:
    """Queue many notifications in one go (thousands per second); rows whose dedup_key exists
    are skipped. Returns how many were new. The beat task, kicked once after commit, sends them."""
    now = timezone.now()
    rows = [_row(kind=kind, item=item, now=now) for item in items]
    if not rows:
        return 0
    keys = [row.dedup_key for row in rows]
    before = Notification.objects.filter(dedup_key__in=keys).count()
    Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    created = Notification.objects.filter(dedup_key__in=keys).count() - before
    if created and any(row.due_at <= now for row in rows):
        transaction.on_commit(_enqueue_dispatch)
    return created


def notifications_cancel(*, queryset: models.QuerySet[Notification]) -> int:
    """Cancel the pending ones among `queryset` (the reason for them is gone)."""
    return queryset.filter(state=NotificationState.PENDING).update(
        state=NotificationState.CANCELLED, claimed_at=None
    )


def notification_retry(*, notification: Notification) -> bool:
    """A failed notification goes back to pending, due now, with a fresh set of attempts."""
    updated = Notification.objects.filter(
        pk=notification.pk, state=NotificationState.FAILED
    ).update(
        state=NotificationState.PENDING,
        attempts=0,
        due_at=timezone.now(),
        claimed_at=None,
    )
    if updated:
        kick_after_commit([notification.pk])
    return bool(updated)


# --- Handing rows to the worker ------------------------------------------------------------


def kick_after_commit(ids: Sequence[int]) -> None:
    ids = list(ids)
    transaction.on_commit(lambda: enqueue_send(ids))


def enqueue_send(ids: Sequence[int]) -> bool:
    """Hand rows to the worker. A broker that is down costs at most its connect timeout and
    loses nothing: the rows stay pending and the next dispatch picks them up."""
    from notifications.tasks import send_notifications

    try:
        send_notifications.apply_async(args=[list(ids)], retry=False)
    except Exception:  # the broker is down or refused: the beat will pick them up
        logger.warning("Could not hand %d notification(s) to the worker.", len(ids), exc_info=True)
        return False
    return True


def _enqueue_dispatch() -> None:
    from notifications.tasks import dispatch_due_notifications

    try:
        dispatch_due_notifications.apply_async(retry=False)
    except Exception:
        logger.warning("Could not start a notification dispatch.", exc_info=True)


def notifications_dispatch(
    *, now: datetime.datetime | None = None, limit: int = 5000, batch: int = SEND_BATCH
) -> int:
    """Claim due pending rows (skipping rows another dispatcher holds) and hand them to the
    worker in batches. A row handed over but never sent (the message was lost with the
    broker) becomes claimable again after NOTIFY_RECLAIM_SECONDS; a row stuck in sending (the
    worker died) goes back to pending after the same time. Returns how many were handed over."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.NOTIFY_RECLAIM_SECONDS)
    Notification.objects.filter(state=NotificationState.SENDING, claimed_at__lt=stale).update(
        state=NotificationState.PENDING, claimed_at=None
    )
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(state=NotificationState.PENDING, due_at__lte=now)
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


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff with jitter: about 1, 2, 4, 8 ... minutes, at most an hour."""
    base = min(settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600)
    return datetime.timedelta(seconds=base * random.uniform(0.75, 1.25))  # noqa: S311


def _claim_for_sending(pk: int) -> bool:
    return bool(
        Notification.objects.filter(
            pk=pk, state=NotificationState.PENDING, due_at__lte=timezone.now()
        ).update(
            state=NotificationState.SENDING,
            attempts=F("attempts") + 1,
            claimed_at=timezone.now(),
        )
    )


def _record_failure(notification: Notification, error: Exception) -> None:
    attempts = notification.attempts
    message = f"{type(error).__name__}: {error}"[:2000]
    if attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        update = {"state": NotificationState.FAILED, "last_error": message, "claimed_at": None}
    else:
        update = {
            "state": NotificationState.PENDING,
            "last_error": message,
            "claimed_at": None,
            "due_at": timezone.now() + retry_delay(attempts),
        }
    Notification.objects.filter(pk=notification.pk, state=NotificationState.SENDING).update(
        **update
    )


def notifications_send(*, ids: Sequence[int]) -> int:
    """Send the given rows that are still pending and due, over one mail connection. Each
    row is claimed (pending -> sending) before sending, so a task run twice sends once.
    Returns how many were sent."""
    sent = 0
    connection = None
    try:
        for pk in ids:
            if not _claim_for_sending(pk):
                continue
            notification = Notification.objects.select_related("person", "user").get(pk=pk)
            try:
                message = notification_message(notification)
            except NotificationObsolete:
                Notification.objects.filter(pk=pk).update(
                    state=NotificationState.CANCELLED, claimed_at=None
                )
                continue
            except Exception as error:
                logger.exception("Notification %s could not be rendered.", pk)
                notification.attempts = settings.NOTIFY_MAX_ATTEMPTS
                _record_failure(notification, error)
                continue
            try:
                if connection is None:
                    connection = mailers.default
                    connection.open()
                connection.send_messages([message])
            except Exception as error:
                logger.warning("Notification %s could not be sent: %s", pk, error)
                _record_failure(notification, error)
                if connection is not None:
                    try:
                        connection.close()
                    except Exception:  # a broken connection may not close cleanly
                        logger.debug("Closing the mail connection failed.", exc_info=True)
                    connection = None
                continue
            Notification.objects.filter(pk=pk).update(
                state=NotificationState.SENT, sent_at=timezone.now(), last_error=""
            )
            sent += 1
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:
                logger.debug("Closing the mail connection failed.", exc_info=True)
    return sent
