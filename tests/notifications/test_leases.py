"""Rows whose task is gone go out again quickly, and never twice from two live tasks: send
leases renewed while a task runs, a check that each row is still the task's just before it is
sent, hand-overs lost with the broker; and permanent SMTP rejections (5xx) failing at once."""

import datetime
import smtplib
import time
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.models import Notification, NotificationState
from notifications.services import dispatch, sending
from tests import factories
from tests.notifications.conftest import NOTE

pytestmark = pytest.mark.django_db


def _row(key="k1", **fields) -> Notification:
    row = services.notification_queue(
        kind=NOTE,
        to=factories.PersonFactory(),
        dedup_key=key,
        due_at=timezone.now() + datetime.timedelta(hours=1),
    )
    Notification.objects.filter(pk=row.pk).update(due_at=timezone.now(), **fields)
    row.refresh_from_db()
    return row


def _ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


# --- Send leases ------------------------------------------------------------------------------


def test_a_row_whose_lease_ran_out_goes_back_within_a_dispatch_not_after_five_minutes(settings):
    settings.NOTIFY_SEND_LEASE_SECONDS = 30
    gone = _row("gone", state=NotificationState.SENDING, claim="dead", claimed_at=_ago(31))
    alive = _row("alive", state=NotificationState.SENDING, claim="live", claimed_at=_ago(5))
    assert settings.NOTIFY_RECLAIM_SECONDS > 31  # the old wait would still hold it
    assert services.notifications_dispatch() == 1
    gone.refresh_from_db()
    alive.refresh_from_db()
    assert gone.state == NotificationState.SENT
    assert alive.state == NotificationState.SENDING and alive.claim == "live"
    assert len(mail.outbox) == 1


def test_a_task_does_not_send_a_row_that_was_handed_to_another_meanwhile():
    """A frozen task (its lease ran out, the row went to another task) sends nothing more."""
    row = _row(state=NotificationState.SENDING, claim="the-new-task", claimed_at=timezone.now())
    assert sending._send_one(row, sending._Mail(), "the-frozen-task") is False
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.state == NotificationState.SENDING and row.claim == "the-new-task"


def test_a_mail_that_went_out_while_its_row_was_reclaimed_is_recorded_not_sent_again():
    row = _row(state=NotificationState.SENDING, claim="mine", claimed_at=timezone.now())

    def reclaimed_during_delivery(message):
        Notification.objects.filter(pk=row.pk).update(
            state=NotificationState.PENDING, claim="", claimed_at=None
        )

    with mock.patch.object(sending._Mail, "send", side_effect=reclaimed_during_delivery):
        assert sending._send_one(row, sending._Mail(), "mine") is True
    row.refresh_from_db()
    assert row.state == NotificationState.SENT
    assert services.notifications_dispatch() == 0


def test_a_task_run_twice_at_once_sends_each_row_once():
    rows = [_row(f"r{n}") for n in range(3)]
    first = sending._claim_for_sending([r.pk for r in rows], "first")
    second = sending._claim_for_sending([r.pk for r in rows], "second")
    assert first == {r.pk for r in rows} and second == set()


def test_renewing_touches_only_the_rows_of_the_task(settings):
    mine = _row("mine", state=NotificationState.SENDING, claim="t1", claimed_at=_ago(20))
    other = _row("other", state=NotificationState.SENDING, claim="t2", claimed_at=_ago(20))
    assert sending.lease_renew("t1") == 1
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.claimed_at > _ago(2)
    assert other.claimed_at < _ago(19)


@pytest.mark.django_db(transaction=True)
def test_the_lease_keeper_renews_while_a_slow_server_talks(settings):
    """The keeper runs in its own thread with its own connection, as in the worker."""
    settings.NOTIFY_SEND_LEASE_SECONDS = 2  # renewed every half second
    row = _row(state=NotificationState.SENDING, claim="slow", claimed_at=_ago(60))
    keeper = sending._LeaseKeeper("slow")
    keeper.start()
    try:
        time.sleep(1.3)
    finally:
        keeper.stop()
    row.refresh_from_db()
    assert row.claimed_at > _ago(1.5)
    assert services.reclaim_stale(now=timezone.now()) == 0


# --- Hand-overs the broker lost ---------------------------------------------------------------


def test_rows_handed_over_with_the_send_queue_empty_are_handed_over_again_at_once(settings):
    """After a Redis restart the queue is empty: the rows it lost go out at the next dispatch."""
    from devtools.redis_server import publish_to

    row = _row(claimed_at=_ago(dispatch.HANDOVER_GRACE_SECONDS + 1))
    with publish_to(f"test-empty-{time.monotonic_ns()}"):  # a queue of its own, on any broker
        assert dispatch.send_queue_size() == 0
        assert services.notifications_dispatch() == 1
    row.refresh_from_db()
    assert row.state == NotificationState.SENT


def test_rows_handed_over_wait_while_tasks_are_queued(settings):
    """Tasks waiting in the queue may be theirs: those rows wait for the reclaim time."""
    row = _row(claimed_at=_ago(60))
    with mock.patch.object(dispatch, "_broker_facts", return_value=(3, None)):
        assert services.notifications_dispatch() == 0
    old = _ago(settings.NOTIFY_RECLAIM_SECONDS + 1)
    Notification.objects.filter(pk=row.pk).update(claimed_at=old)
    with mock.patch.object(dispatch, "_broker_facts", return_value=(3, None)):
        assert services.notifications_dispatch() == 1


def test_with_the_broker_away_the_queue_length_is_unknown():
    from changehub.celery import app

    with mock.patch.object(app, "connection_for_write", side_effect=OSError("refused")):
        assert dispatch.send_queue_size() is None


# --- SMTP rejections --------------------------------------------------------------------------


PERMANENT = [
    smtplib.SMTPRecipientsRefused({"x@example.de": (550, b"5.1.1 User unknown")}),
    smtplib.SMTPDataError(554, b"5.7.1 Message rejected"),
    smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "changehub@localhost"),
    smtplib.SMTPResponseException(552, b"5.3.4 Message too big"),
]
TEMPORARY = [
    smtplib.SMTPRecipientsRefused({"x@example.de": (451, b"4.7.1 Greylisted")}),
    smtplib.SMTPDataError(452, b"4.3.1 Insufficient storage"),
    smtplib.SMTPResponseException(421, b"4.3.2 Service shutting down"),
    smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"),  # a setting to fix
    smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    ConnectionRefusedError(111, "Connection refused"),
]


@pytest.mark.parametrize("error", PERMANENT, ids=lambda e: type(e).__name__)
def test_a_permanent_rejection_fails_at_once_and_is_logged(error, caplog):
    row = _row()
    with (
        mock.patch.object(sending._Mail, "send", side_effect=error),
        caplog.at_level("ERROR", logger="notifications.services.sending"),
    ):
        assert services.notifications_send(ids=[row.pk]) == 0
    row.refresh_from_db()
    assert row.state == NotificationState.FAILED and row.attempts == 1
    assert row.last_error.startswith(type(error).__name__)
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert f"Notification {row.pk} ({NOTE})" in errors[0]


@pytest.mark.parametrize("error", TEMPORARY, ids=lambda e: type(e).__name__)
def test_a_temporary_error_keeps_the_backoff(error, caplog):
    row = _row()
    with (
        mock.patch.object(sending._Mail, "send", side_effect=error),
        caplog.at_level("WARNING", logger="notifications.services.sending"),
    ):
        assert services.notifications_send(ids=[row.pk]) == 0
    row.refresh_from_db()
    assert row.state == NotificationState.PENDING and row.attempts == 1
    assert row.due_at > timezone.now() + datetime.timedelta(seconds=30)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_giving_up_after_the_last_temporary_error_is_logged_at_error(settings, caplog):
    row = _row(attempts=settings.NOTIFY_MAX_ATTEMPTS - 1)
    error = smtplib.SMTPResponseException(451, b"4.3.0 Try again later")
    with (
        mock.patch.object(sending._Mail, "send", side_effect=error),
        caplog.at_level("ERROR", logger="notifications.services.sending"),
    ):
        services.notifications_send(ids=[row.pk])
    row.refresh_from_db()
    assert row.state == NotificationState.FAILED
    assert any(f"Notification {row.pk} ({NOTE})" in r.getMessage() for r in caplog.records)


def test_rows_handed_over_before_a_redis_restart_go_out_at_the_next_dispatch(tmp_path, settings):
    """Our own redis-server: tasks wait in the queue, so the rows would wait for the reclaim
    time; then Redis restarts empty, and the broker's epoch tells the dispatcher at once that
    every task handed over before it is gone, even with other tasks queued since."""
    from changehub.celery import app
    from devtools.redis_server import RedisServer, publish_to
    from notifications.sink import free_port

    redis = RedisServer(free_port(), tmp_path / "redis.log").start()
    queue_name = f"test-{time.monotonic_ns()}"

    def other_task_waits() -> None:
        with app.connection_for_write() as conn:
            conn.SimpleQueue(queue_name).put({"some": "task"})

    try:
        with publish_to(queue_name, redis.url):
            other_task_waits()
            assert dispatch.send_queue_size() == 1  # ... and the broker's epoch starts
            time.sleep(0.05)
            row = _row(claimed_at=timezone.now())
            assert services.notifications_dispatch() == 0  # its task may be the one waiting
            before = dispatch.broker_epoch()
            assert before is not None and before <= row.claimed_at
            redis.stop()
            redis.start()  # empty: the task of the row is gone
            assert dispatch.broker_epoch() > row.claimed_at
            other_task_waits()
            assert dispatch.send_queue_size() == 1
            assert services.notifications_dispatch() == 1
    finally:
        redis.stop()
    row.refresh_from_db()
    assert row.state == NotificationState.SENT
