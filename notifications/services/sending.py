"""Sending claimed rows: idempotent (a row is sent only by the task that moved it from pending
to sending), with exponential backoff and jitter on errors, and respectful of the recipient
(quiet hours, weekly cap, unsubscriptions, digest) — see notifications.policy."""

import datetime
import enum
import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from notifications import policy, webhooks
from notifications.emails import NotificationObsolete, notification_message
from notifications.kinds import get_kind
from notifications.models import Channel, Notification, NotificationState, Unsubscription

logger = logging.getLogger(__name__)

DIGEST_KIND = "digest"


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff with jitter: about 1, 2, 4, 8 ... minutes, at most an hour."""
    base = min(settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600)
    return datetime.timedelta(seconds=base * random.uniform(0.75, 1.25))  # noqa: S311


class Decision(enum.Enum):
    SEND = "send"
    LATER = "later"  # quiet hours: wait for the next sending window
    DIGEST = "digest"  # wait for the daily digest
    CANCEL = "cancel"  # an optional kind the recipient unsubscribed from


@dataclass
class Pacing:
    """What the policy needs to know about a batch's recipients, loaded in two queries."""

    now: datetime.datetime
    unsubscribed: set[tuple[str, str]] = field(default_factory=set)
    sent_this_week: Counter = field(default_factory=Counter)

    @classmethod
    def for_rows(cls, rows: list[Notification], now: datetime.datetime) -> "Pacing":
        pacing = cls(now=now)
        raw = {row.recipient_email for row in rows if row.channel == Channel.EMAIL}
        emails = {email.lower() for email in raw}
        if not emails:
            return pacing
        pacing.unsubscribed = set(
            Unsubscription.objects.filter(email__in=emails).values_list("email", "kind")
        )
        if settings.NOTIFY_WEEKLY_CAP:
            since = now - datetime.timedelta(days=7)
            counts = (
                Notification.objects.filter(
                    state=NotificationState.SENT,
                    sent_at__gte=since,
                    recipient_email__in=raw | emails,
                    channel=Channel.EMAIL,
                )
                .exclude(kind__in=[DIGEST_KIND, *settings.NOTIFY_IMMEDIATE_KINDS])
                .values("recipient_email")
                .annotate(n=Count("pk"))
            )
            for count in counts:
                pacing.sent_this_week[count["recipient_email"].lower()] += count["n"]
        return pacing

    def decide(self, row: Notification) -> tuple[Decision, datetime.datetime | None]:
        if row.channel != Channel.EMAIL:
            return Decision.SEND, None
        kind = get_kind(row.kind)
        if row.kind == DIGEST_KIND or policy.is_immediate(kind, row.kind):
            return Decision.SEND, None
        email = row.recipient_email.lower()
        # A rollout's reminders carry its federal state (ReminderSettings) in their context.
        state = row.context.get("holiday_state") if isinstance(row.context, dict) else None
        digest_at = policy.next_digest_at(self.now, row.time_zone, state)
        if (email, row.kind) in self.unsubscribed:
            if kind is not None and not kind.mandatory:
                return Decision.CANCEL, None
            return Decision.DIGEST, digest_at
        if kind is not None and kind.digestible and settings.NOTIFY_DIGEST_ENABLED:
            return Decision.DIGEST, digest_at
        allowed = policy.next_allowed(self.now, row.time_zone, state)
        if allowed > self.now:
            return Decision.LATER, allowed
        cap = settings.NOTIFY_WEEKLY_CAP
        if cap and self.sent_this_week[email] >= cap:
            return Decision.DIGEST, digest_at
        return Decision.SEND, None

    def count(self, row: Notification) -> None:
        self.sent_this_week[row.recipient_email.lower()] += 1


def _apply(row: Notification, decision: Decision, when: datetime.datetime | None) -> None:
    pending = Notification.objects.filter(pk=row.pk, state=NotificationState.PENDING)
    if decision is Decision.CANCEL:
        pending.update(state=NotificationState.CANCELLED, claimed_at=None)
    elif decision is Decision.DIGEST:
        pending.update(via_digest=True, due_at=when, claimed_at=None)
    elif decision is Decision.LATER:
        pending.update(due_at=when, claimed_at=None)


CLAIM_CHUNK = 10


def _claim_for_sending(pks: list[int]) -> set[int]:
    """Move the given rows from pending to sending in one statement; the ids that this call
    claimed (another task running at the same time gets the others). A few rows at a time:
    a worker killed now leaves them in `sending`, and those it had not sent yet are simply
    sent after the reclaim time (no duplicates: they never reached the server)."""
    if not pks:
        return set()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(Notification._meta.db_table)
    marks = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, attempts = attempts + 1, claimed_at = %s "  # noqa: S608 (no user input)
            f"WHERE id IN ({marks}) AND state = %s AND due_at <= %s RETURNING id",
            [NotificationState.SENDING, now, *pks, NotificationState.PENDING, now],
        )
        return {row[0] for row in cursor.fetchall()}


def _record_failure(notification: Notification, error: Exception) -> None:
    attempts = notification.attempts
    message = webhooks.failure_text(error, notification.language)
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


class _Mail:
    """One SMTP connection for a batch, opened on first use, reopened after an error."""

    def __init__(self) -> None:
        self.connection = None

    def send(self, message) -> None:
        if self.connection is None:
            self.connection = mailers.default
            self.connection.open()
        self.connection.send_messages([message])

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # a broken connection may not close cleanly
                logger.debug("Closing the mail connection failed.", exc_info=True)
            self.connection = None


def notifications_send(*, ids: Sequence[int]) -> int:
    """Send the given rows that are still pending and due. Rows are claimed (pending ->
    sending) a few at a time just before sending, so a task run twice sends once. Returns how
    many were sent."""
    now = timezone.now()
    rows = {
        row.pk: row
        for row in Notification.objects.select_related("person", "user").filter(
            pk__in=list(ids), state=NotificationState.PENDING, due_at__lte=now, via_digest=False
        )
    }
    ordered = [rows[pk] for pk in ids if pk in rows]
    if not ordered:
        return 0
    pacing = Pacing.for_rows(ordered, now)
    mail = _Mail()
    sent = 0
    fast_commits = connection.vendor == "postgresql" and settings.NOTIFY_ASYNC_COMMIT
    if fast_commits:
        # The two small updates per mail (claimed, sent) need not wait for the disk: if the
        # worker dies, PostgreSQL still has them; only a crash of PostgreSQL itself could undo
        # the last few, and a row undone that way is sent again (at least once). This makes
        # the sender several times faster on a busy disk.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    try:
        for start in range(0, len(ordered), CLAIM_CHUNK):
            to_send = []
            for row in ordered[start : start + CLAIM_CHUNK]:
                decision, when = pacing.decide(row)
                if decision is Decision.SEND:
                    pacing.count(row)
                    to_send.append(row)
                else:
                    _apply(row, decision, when)
            claimed = _claim_for_sending([row.pk for row in to_send])
            for row in to_send:
                if row.pk in claimed:
                    row.attempts += 1
                    sent += _send_one(row, mail)
    finally:
        mail.close()
        if fast_commits:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
    return sent


def _send_one(row: Notification, mail: _Mail) -> bool:
    pk = row.pk
    try:
        if row.channel == Channel.WEBHOOK:
            payload = webhooks.webhook_payload(row)
        else:
            message = notification_message(row)
    except NotificationObsolete:
        Notification.objects.filter(pk=pk).update(
            state=NotificationState.CANCELLED, claimed_at=None
        )
        return False
    except Exception as error:
        logger.exception("Notification %s could not be rendered.", pk)
        row.attempts = settings.NOTIFY_MAX_ATTEMPTS
        _record_failure(row, error)
        return False
    try:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # The row is marked sent *before* the SMTP transaction, in a database transaction
            # committed the moment the server has answered. A worker killed before that
            # moment rolls the mark back (the row is sent again after the reclaim time); the
            # only moment that can still produce a second copy is the few microseconds between
            # the server's "250 OK" and our COMMIT leaving this process.
            with transaction.atomic():
                _mark_sent(pk)
                _deliver(row, mail, message if row.channel == Channel.EMAIL else payload)
        else:
            # SQLite would hold its write lock for the whole SMTP exchange: record afterwards.
            _deliver(row, mail, message if row.channel == Channel.EMAIL else payload)
            _mark_sent(pk)
    except Exception as error:
        logger.warning("Notification %s could not be sent: %s", pk, error)
        _record_failure(row, error)
        mail.close()
        return False
    return True


def _deliver(row: Notification, mail: _Mail, what) -> None:
    if row.channel == Channel.WEBHOOK:
        webhooks.webhook_post(what)
    else:
        mail.send(what)


def _mark_sent(pk: int) -> None:
    Notification.objects.filter(pk=pk).update(
        state=NotificationState.SENT, sent_at=timezone.now(), last_error=""
    )
