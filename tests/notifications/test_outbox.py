"""The outbox core: queueing once, sending once, retries with backoff, failing, retrying from
the UI, claiming without double claims, the broker being down."""

import datetime
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django.utils import timezone

from core import queue
from notifications import services
from notifications.models import Notification, NotificationState
from notifications.services import QueuedNotification
from notifications.tasks import send_notifications
from tests import factories
from tests.notifications.conftest import NOTE

pytestmark = pytest.mark.django_db


def _queue(person, key="k1", **kwargs):
    return services.notification_queue(kind=NOTE, to=person, dedup_key=key, **kwargs)


def test_a_notification_is_queued_once_and_sent_once(django_capture_on_commit_callbacks):
    person = factories.PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = _queue(person)
        second = _queue(person)
    assert first.pk == second.pk
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.extra_headers["Message-ID"] == f"<notification-{first.pk}@changehub>"
    assert "List-Unsubscribe" not in message.extra_headers  # mandatory kind
    first.refresh_from_db()
    assert first.state == NotificationState.SENT and first.attempts == 1
    # The task run again (redelivered by the broker) sends nothing.
    assert send_notifications(ids=[first.pk]) == 0
    assert len(mail.outbox) == 1


def test_queue_many_skips_existing_keys(django_capture_on_commit_callbacks):
    people = factories.PersonFactory.create_batch(3)
    items = [QueuedNotification(to=p, dedup_key=f"m:{p.pk}") for p in people]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_queue_many(kind=NOTE, items=items) == 3
        assert services.notification_queue_many(kind=NOTE, items=items) == 0
    assert len(mail.outbox) == 3
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {
        n.message_id for n in Notification.objects.all()
    }


def test_a_row_due_later_waits_for_the_dispatcher(django_capture_on_commit_callbacks):
    person = factories.PersonFactory()
    later = timezone.now() + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        row = _queue(person, due_at=later)
    assert mail.outbox == []
    assert services.notifications_dispatch() == 0
    assert services.notifications_dispatch(now=later + datetime.timedelta(seconds=1)) == 1
    row.refresh_from_db()
    # The claim moved it to the worker; eager Celery sent it only if it was due by the clock.
    assert row.claimed_at is not None and row.state == NotificationState.PENDING


def test_smtp_errors_back_off_then_fail_then_retry_from_the_ui(
    django_capture_on_commit_callbacks, settings
):
    person = factories.PersonFactory()
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages") as send:
        send.side_effect = ConnectionRefusedError("SMTP down")
        with django_capture_on_commit_callbacks(execute=True):
            row = _queue(person)
        delays = []
        for _ in range(settings.NOTIFY_MAX_ATTEMPTS - 1):
            row.refresh_from_db()
            assert row.state == NotificationState.PENDING
            delays.append((row.due_at - timezone.now()).total_seconds())
            Notification.objects.filter(pk=row.pk).update(due_at=timezone.now())
            send_notifications(ids=[row.pk])
    row.refresh_from_db()
    assert row.state == NotificationState.FAILED
    assert row.attempts == settings.NOTIFY_MAX_ATTEMPTS
    assert "SMTP down" in row.last_error
    base = settings.NOTIFY_RETRY_BASE_SECONDS
    assert 0.7 * base < delays[0] < 1.3 * base
    assert 1.4 * base < delays[1] < 2.6 * base  # doubled, with jitter
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_retry(notification=row) is True
        assert services.notification_retry(notification=row) is False  # a double click
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and row.attempts == 1
    assert len(mail.outbox) == 1


def test_backoff_has_jitter_and_a_ceiling(settings):
    delays = {services.retry_delay(3).total_seconds() for _ in range(20)}
    assert len(delays) > 1
    assert max(services.retry_delay(30).total_seconds() for _ in range(5)) <= 3600 * 1.25


def test_an_obsolete_notification_is_cancelled_not_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = _queue(factories.PersonFactory(), context={"obsolete": True})
    row.refresh_from_db()
    assert row.state == NotificationState.CANCELLED
    assert mail.outbox == []


def test_cancel_only_touches_pending_rows(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = _queue(factories.PersonFactory(), key="a")
    later = _queue(
        factories.PersonFactory(), key="b", due_at=timezone.now() + datetime.timedelta(1)
    )
    assert services.notifications_cancel(queryset=Notification.objects.all()) == 1
    sent.refresh_from_db()
    later.refresh_from_db()
    assert (sent.state, later.state) == (NotificationState.SENT, NotificationState.CANCELLED)


def test_a_row_stuck_in_sending_is_sent_again_after_the_reclaim_time(settings):
    row = _queue(factories.PersonFactory(), due_at=timezone.now() + datetime.timedelta(hours=1))
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.NOTIFY_RECLAIM_SECONDS + 5)
    Notification.objects.filter(pk=row.pk).update(
        state=NotificationState.SENDING, claimed_at=long_ago, due_at=long_ago
    )
    assert services.reclaim_stale(now=timezone.now()) == 1
    assert services.notifications_dispatch() == 1
    row.refresh_from_db()
    assert row.state == NotificationState.SENT
    assert len(mail.outbox) == 1


def test_broker_down_does_not_fail_the_request_and_pauses_publishing(settings):
    queue.reset()
    calls = []

    def refuse(*args, **kwargs):
        calls.append(1)
        raise ConnectionRefusedError("redis down")

    with mock.patch("notifications.tasks.send_notifications.apply_async", side_effect=refuse):
        assert services.enqueue_send([1]) is False
        assert services.enqueue_send([2]) is False
    assert len(calls) == 1  # the second request did not even try
    queue.reset()


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_hand_over_a_row_twice():
    people = factories.PersonFactory.create_batch(4)
    past = timezone.now() - datetime.timedelta(minutes=1)
    handed: list[list[int]] = []
    barrier = threading.Barrier(3)

    def record(ids):
        handed.append(list(ids))
        return True

    def run():
        barrier.wait()
        try:
            services.notifications_dispatch(batch=10)
        finally:
            close_old_connections()

    with (
        mock.patch("notifications.services.dispatch.enqueue_send", side_effect=record),
        mock.patch("notifications.services.outbox.enqueue_dispatch_after_commit"),
    ):
        services.notification_queue_many(
            kind=NOTE,
            items=[
                QueuedNotification(to=p, dedup_key=f"c:{p.pk}:{i}", due_at=past)
                for p in people
                for i in range(50)
            ],
        )
        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    flat = [pk for chunk in handed for pk in chunk]
    assert len(flat) == len(set(flat)) == 200
    if connection.vendor == "postgresql":
        assert len({tuple(chunk) for chunk in handed}) == 20
