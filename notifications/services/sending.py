"""Sending claimed rows: idempotent (a row is sent only by the task that moved it from pending
to sending), with exponential backoff and jitter on errors, and respectful of the recipient
(quiet hours, weekly cap, unsubscriptions, digest) — see notifications.policy."""

import datetime
import enum
import logging
import random
import smtplib
import threading
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, connections, transaction
from django.db.models import Count, Q
from django.utils import timezone

from notifications import policy, webhooks
from notifications.emails import NotificationObsolete, notification_message
from notifications.kinds import all_kinds, get_kind
from notifications.models import (
    Channel,
    Notification,
    NotificationState,
    Unsubscription,
    WaitReason,
)

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


def _uncapped_kinds() -> list[str]:
    """The kinds that do not count towards the weekly cap: the digest and transactional mail."""
    transactional = [k.key for k in all_kinds() if policy.is_transactional(k, k.key)]
    return [DIGEST_KIND, *settings.NOTIFY_IMMEDIATE_KINDS, *transactional]


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
                .exclude(kind__in=_uncapped_kinds())
                .values("recipient_email")
                .annotate(n=Count("pk"))
            )
            for count in counts:
                pacing.sent_this_week[count["recipient_email"].lower()] += count["n"]
        return pacing

    def decide(
        self, row: Notification
    ) -> tuple[Decision, datetime.datetime | None, WaitReason | None]:
        """Send now, later (quiet hours), in the digest, or not at all; with when and why.
        The weekly cap and the digest hold back reminders only: a transactional kind (an
        invitation, a head's answer, a sign-in link) waits at most for the quiet hours, and
        an immediate one not even for those (see kinds.Pace)."""
        if row.channel != Channel.EMAIL:
            return Decision.SEND, None, None
        kind = get_kind(row.kind)
        if row.kind == DIGEST_KIND or policy.is_immediate(kind, row.kind):
            return Decision.SEND, None, None
        email = row.recipient_email.lower()
        if row.send_now:  # released by the manager, or asked for: only an unsubscription counts
            optional = kind is not None and not kind.mandatory
            if optional and (email, row.kind) in self.unsubscribed:
                return Decision.CANCEL, None, None
            return Decision.SEND, None, None
        # A rollout's reminders carry its federal state (ReminderSettings) in their context.
        state = row.context.get("holiday_state") if isinstance(row.context, dict) else None
        transactional = policy.is_transactional(kind, row.kind)
        if (email, row.kind) in self.unsubscribed:
            if kind is not None and not kind.mandatory:
                return Decision.CANCEL, None, None
            if not transactional:
                digest_at = policy.next_digest_at(self.now, row.time_zone, state)
                return Decision.DIGEST, digest_at, WaitReason.DIGEST_ONLY
        if (
            not transactional
            and kind is not None
            and kind.digestible
            and settings.NOTIFY_DIGEST_ENABLED
        ):
            digest_at = policy.next_digest_at(self.now, row.time_zone, state)
            return Decision.DIGEST, digest_at, WaitReason.DIGEST
        allowed, reason = policy.sending_window(self.now, row.time_zone, state)
        if allowed > self.now:
            return Decision.LATER, allowed, reason
        cap = settings.NOTIFY_WEEKLY_CAP
        if not transactional and cap and self.sent_this_week[email] >= cap:
            digest_at = policy.next_digest_at(self.now, row.time_zone, state)
            return Decision.DIGEST, digest_at, WaitReason.CAP
        return Decision.SEND, None, None

    def count(self, row: Notification) -> None:
        if not policy.is_transactional(get_kind(row.kind), row.kind):
            self.sent_this_week[row.recipient_email.lower()] += 1


def _apply(
    row: Notification,
    decision: Decision,
    when: datetime.datetime | None,
    reason: WaitReason | None = None,
) -> None:
    pending = Notification.objects.filter(pk=row.pk, state=NotificationState.PENDING)
    why = reason or WaitReason.NONE
    if decision is Decision.CANCEL:
        pending.update(state=NotificationState.CANCELLED, claimed_at=None)
    elif decision is Decision.DIGEST:
        pending.update(via_digest=True, due_at=when, claimed_at=None, wait_reason=why)
    elif decision is Decision.LATER:
        pending.update(due_at=when, claimed_at=None, wait_reason=why)


def _claim_for_sending(pks: list[int], token: str) -> set[int]:
    """Move the given rows from pending to sending in one statement, leased to `token`; the
    ids that this call claimed (another task running at the same time gets the others). The
    lease (`claimed_at`) is renewed while the task runs (`_LeaseKeeper`); rows of a task that
    is gone go back to pending when it runs out (dispatch.reclaim_stale)."""
    if not pks:
        return set()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(Notification._meta.db_table)
    marks = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, attempts = attempts + 1, claimed_at = %s, "  # noqa: S608 (no user input)
            f"claim = %s WHERE id IN ({marks}) AND state = %s AND due_at <= %s RETURNING id",
            [NotificationState.SENDING, now, token, *pks, NotificationState.PENDING, now],
        )
        return {row[0] for row in cursor.fetchall()}


def lease_renew(token: str) -> int:
    """Renew the lease of the rows `token` still holds in `sending` (skipping the one whose
    send transaction holds its lock on PostgreSQL: that lock is its lease)."""
    with transaction.atomic():
        pks = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(claim=token, state=NotificationState.SENDING)
            .values_list("pk", flat=True)
        )
        if not pks:
            return 0
        return Notification.objects.filter(
            pk__in=pks, claim=token, state=NotificationState.SENDING
        ).update(claimed_at=timezone.now())


class _LeaseKeeper(threading.Thread):
    """Renews the lease of a send task's rows every quarter of NOTIFY_SEND_LEASE_SECONDS while
    the task runs, however slow the mail server is. A task killed (or frozen) stops renewing,
    and its rows go out again after the lease."""

    def __init__(self, token: str) -> None:
        super().__init__(name=f"lease-{token[:8]}", daemon=True)
        self.token = token
        self.every = max(settings.NOTIFY_SEND_LEASE_SECONDS / 4, 0.5)
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    lease_renew(self.token)
                except Exception:  # the database is away for a moment: try again next time
                    logger.warning("Could not renew the lease of %s.", self.token, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


def is_permanent(error: BaseException) -> bool:
    """Whether the SMTP server rejected the message for good (a 5xx reply): retrying cannot
    help. A refused login (535) is a setting to fix, not the message's fault: it keeps the
    backoff, so the mails go out once the setting is fixed."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(_code(code) >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return _code(error.smtp_code) >= 500
    return False


def _code(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _record_failure(
    notification: Notification, error: Exception, token: str, *, permanent: bool = False
) -> None:
    attempts = notification.attempts
    message = webhooks.failure_text(error, notification.language)
    if permanent or attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        logger.error(
            "Notification %s (%s) failed for good after %s attempt(s)%s: %s",
            notification.pk,
            notification.kind,
            attempts,
            " (rejected by the server)" if permanent else "",
            message,
        )
        update = {"state": NotificationState.FAILED, "last_error": message}
    else:
        update = {
            "state": NotificationState.PENDING,
            "last_error": message,
            "wait_reason": WaitReason.NONE,
            "due_at": timezone.now() + retry_delay(attempts),
        }
    Notification.objects.filter(
        pk=notification.pk, state=NotificationState.SENDING, claim=token
    ).update(claimed_at=None, claim="", **update)


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
    """Send the given rows that are still pending and due. The rows to send are claimed
    (pending -> sending, leased to this run) before the first is sent, and each is checked
    to be still this run's just before it goes out, so a task run twice (or a row handed out
    again after its lease ran out) sends once. Returns how many were sent."""
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
    to_send = []
    for row in ordered:
        decision, when, reason = pacing.decide(row)
        if decision is Decision.SEND:
            pacing.count(row)
            to_send.append(row)
        else:
            _apply(row, decision, when, reason)
    token = uuid.uuid4().hex
    claimed = _claim_for_sending([row.pk for row in to_send], token)
    if not claimed:
        return 0
    # A test's transaction would block the keeper's own connection; the worker has none.
    keeper = None if connection.in_atomic_block else _LeaseKeeper(token)
    if keeper is not None:
        keeper.start()
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
        for row in to_send:
            if row.pk in claimed:
                row.attempts += 1
                sent += _send_one(row, mail, token)
    finally:
        mail.close()
        if keeper is not None:
            keeper.stop()
        if fast_commits:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
    return sent


def _send_one(row: Notification, mail: _Mail, token: str) -> bool:
    pk = row.pk
    try:
        if row.channel == Channel.WEBHOOK:
            payload = webhooks.webhook_payload(row)
        else:
            message = notification_message(row)
    except NotificationObsolete:
        Notification.objects.filter(pk=pk, claim=token).update(
            state=NotificationState.CANCELLED, claimed_at=None, claim=""
        )
        return False
    except Exception as error:
        logger.exception("Notification %s could not be rendered.", pk)
        row.attempts = settings.NOTIFY_MAX_ATTEMPTS
        _record_failure(row, error, token)
        return False
    what = message if row.channel == Channel.EMAIL else payload
    try:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # The row is marked sent *before* the SMTP transaction, in a database transaction
            # committed the moment the server has answered; its row lock is the lease while
            # the server talks. A worker killed before that moment rolls the mark back (the
            # row goes out again after the lease); only a kill between the server's "250 OK"
            # and our COMMIT leaving this process can produce a second copy of that one mail.
            with transaction.atomic():
                if not _mark_sent(pk, token):
                    return False  # handed to another task meanwhile: it is theirs now
                _deliver(row, mail, what)
        else:
            # SQLite would hold its write lock for the whole SMTP exchange: check the row is
            # still ours, send, record afterwards.
            if not _still_ours(pk, token):
                return False
            _deliver(row, mail, what)
            if not _mark_sent_after(pk, token):
                logger.warning("Notification %s was handed out again while it was sent.", pk)
    except Exception as error:
        permanent = is_permanent(error)
        logger.warning("Notification %s could not be sent: %s", pk, error)
        _record_failure(row, error, token, permanent=permanent)
        mail.close()
        return False
    return True


def _deliver(row: Notification, mail: _Mail, what) -> None:
    if row.channel == Channel.WEBHOOK:
        webhooks.webhook_post(what)
    else:
        mail.send(what)


def _still_ours(pk: int, token: str) -> bool:
    """Renew the row's lease right before it is sent; False when it is no longer ours."""
    return bool(
        Notification.objects.filter(pk=pk, state=NotificationState.SENDING, claim=token).update(
            claimed_at=timezone.now()
        )
    )


def _mark_sent(pk: int, token: str) -> bool:
    return bool(
        Notification.objects.filter(pk=pk, state=NotificationState.SENDING, claim=token).update(
            state=NotificationState.SENT, sent_at=timezone.now(), last_error="", claim=""
        )
    )


def _mark_sent_after(pk: int, token: str) -> bool:
    """Record a mail that went out; also when its lease ran out meanwhile and it waits to be
    handed out again (then it is not sent a second time)."""
    ours = Q(state=NotificationState.SENDING, claim=token) | Q(state=NotificationState.PENDING)
    return bool(
        Notification.objects.filter(ours, pk=pk).update(
            state=NotificationState.SENT, sent_at=timezone.now(), last_error="", claim=""
        )
    )
