"""Queueing notifications: one row per recipient, written in the caller's transaction."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from notifications.models import Notification, NotificationState, WaitReason
from notifications.services.dispatch import enqueue_dispatch_after_commit, kick_after_commit
from rollout.models import Person, User


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
    asked_for: bool = False,
) -> Notification:
    """Queue one notification in the caller's transaction; with a `dedup_key` already used,
    return the existing row and queue nothing. Due now: handed to the worker after commit.
    `asked_for`: the person is waiting for this very mail (a fresh link they just asked for),
    so it goes out at once, whatever the hour, the digest or the weekly cap."""
    now = timezone.now()
    row = _row(
        kind=kind,
        item=QueuedNotification(
            to=to, dedup_key=dedup_key, about=about, context=context or {}, due_at=due_at
        ),
        now=now,
    )
    row.send_now = asked_for
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
        enqueue_dispatch_after_commit()
    return created


def notifications_cancel(*, queryset: models.QuerySet[Notification]) -> int:
    """Cancel the pending ones among `queryset` (the reason for them is gone)."""
    return queryset.filter(state=NotificationState.PENDING).update(
        state=NotificationState.CANCELLED, claimed_at=None
    )


def notification_send_now(*, notification: Notification) -> bool:
    """The manager releases a waiting row: due now, out of the digest, and past the quiet
    hours, the digest and the weekly cap when the worker sends it (an optional kind the
    recipient unsubscribed from stays unsent). Only a pending row not yet released: a second
    click (or a row sent meanwhile) changes nothing, so it is sent once."""
    updated = Notification.objects.filter(
        pk=notification.pk, state=NotificationState.PENDING, send_now=False
    ).update(
        send_now=True,
        via_digest=False,
        wait_reason=WaitReason.NONE,
        due_at=timezone.now(),
        claimed_at=None,
    )
    if updated:
        kick_after_commit([notification.pk])
    return bool(updated)


def notification_retry(*, notification: Notification) -> bool:
    """A failed notification goes back to pending, due now, with a fresh set of attempts.
    Only a failed row: a second click (or a row retried meanwhile) changes nothing."""
    updated = Notification.objects.filter(
        pk=notification.pk, state=NotificationState.FAILED
    ).update(
        state=NotificationState.PENDING,
        attempts=0,
        due_at=timezone.now(),
        claimed_at=None,
        last_error="",
    )
    if updated:
        kick_after_commit([notification.pk])
    return bool(updated)
