"""End to end: a real worker (and beat) on the real broker sends through a real local SMTP
server. Reminders go out once; a clock moved forward sends the next; two beats at once send
nothing twice; a task run twice sends once; SMTP refusing connections leads to retries and
then success; Redis stopped during a web action does not fail it, and the mail goes out when
Redis is back (our own redis-server on a free port, never the shared one)."""

import datetime
import subprocess
import time
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from devtools.redis_server import RedisServer, publish_to
from notifications.models import Notification, NotificationState
from notifications.rules.scan import reminders_scan
from notifications.services import notification_queue
from notifications.sink import SmtpSink, free_port
from notifications.tasks import send_notifications
from rollout.models import PhaseKind
from tests import factories
from tests.test_worker import _database_url, _start, _stop, _wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
DAY = datetime.timedelta(days=1)


class Rig:
    """Worker and beats for one test, sending to one SMTP port."""

    def __init__(self, tmp_path, smtp_port: int, **env: str) -> None:
        self.tmp = tmp_path
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.env = {
            **__import__("os").environ,
            "DEBUG": "true",
            "DATABASE_URL": _database_url(),
            "CELERY_QUEUE": self.queue,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": "5",
            "NOTIFY_QUIET_HOURS": "false",
            "NOTIFY_WEEKLY_CAP": "0",
            "NOTIFY_DIGEST_ENABLED": "false",
            "NOTIFY_RETRY_BASE_SECONDS": "1",
            "NOTIFY_MAX_ATTEMPTS": "10",
            "NOTIFY_DISPATCH_SECONDS": "1",
            "NOTIFY_SCAN_SECONDS": "3600",
            "BROKER_PAUSE_SECONDS": "1",
            "HEARTBEAT_SECONDS": "3600",
            **env,
        }
        self.processes: list[subprocess.Popen] = []
        self.worker_log = tmp_path / "worker.log"

    def worker(self, concurrency: int = 2) -> None:
        args = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "-Q", self.queue]
        args += ["-n", f"{self.queue}@%h"]
        self.processes.append(_start(args, self.env, self.worker_log))
        _wait_for(lambda: "ready" in self.worker_log.read_text(), 60, self.worker_log)

    def beat(self, name: str) -> None:
        schedule = str(self.tmp / f"beat-{name}")
        args = ["beat", "--loglevel=INFO", "--schedule", schedule]
        self.processes.append(_start(args, self.env, self.tmp / f"beat-{name}.log"))

    def stop(self) -> None:
        for process in reversed(self.processes):
            _stop(process)


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def rig_factory(tmp_path):
    rigs = []

    def make(smtp_port: int, **env: str) -> Rig:
        rig = Rig(tmp_path, smtp_port, **env)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.stop()


def _beat_sends(rig: Rig, name: str) -> int:
    log = (rig.tmp / f"beat-{name}.log").read_text()
    return log.count("Sending due task notifications-dispatch")


def _assert_no_duplicates(sink: SmtpSink) -> None:
    ids = sink.ids
    assert len(ids) == len(set(ids)), ids


def test_reminders_once_the_next_after_the_clock_moves_and_two_beats_send_nothing_twice(
    cast, sink, rig_factory
):
    owner = factories.PersonFactory()
    cast.rollout.created_by = cast.manager
    cast.rollout.save(update_fields=["created_by"])
    factories.ActivityFactory(
        phase=cast.rollout.phases.get(kind=PhaseKind.UNFREEZE),
        owner=owner,
        due_date=timezone.localdate(),
    )
    rig = rig_factory(sink.port)
    with publish_to(rig.queue):
        rig.worker()
        rig.beat("one")
        rig.beat("two")  # a second beat at the same time: every dispatch runs twice
        now = timezone.now()
        assert reminders_scan(now=now) == 1
        assert reminders_scan(now=now) == 0
        _wait_for(lambda: len(sink.ids) == 1, 60, rig.worker_log)
        assert reminders_scan(now=now + DAY) == 0
        assert reminders_scan(now=now + 3 * DAY) == 1  # the clock moved forward
        _wait_for(lambda: len(sink.ids) == 2, 60, rig.worker_log)
        # Both beats keep dispatching side by side: nothing more may go out.
        _wait_for(
            lambda: _beat_sends(rig, "one") >= 3 and _beat_sends(rig, "two") >= 3,
            60,
            rig.worker_log,
        )
        time.sleep(1)
    _assert_no_duplicates(sink)
    assert len(sink.ids) == 2
    rows = Notification.objects.order_by("pk")
    assert [r.state for r in rows] == [NotificationState.SENT] * 2
    assert sink.ids == [r.message_id for r in rows]


def test_a_task_run_twice_sends_once(sink, rig_factory):
    user = factories.UserFactory()
    row = notification_queue(
        kind="password_reset", to=user, dedup_key="twice", due_at=timezone.now() + DAY
    )
    Notification.objects.filter(pk=row.pk).update(due_at=timezone.now())
    rig = rig_factory(sink.port)
    with publish_to(rig.queue):
        rig.worker()
        send_notifications.apply_async(args=[[row.pk]])
        send_notifications.apply_async(args=[[row.pk]])
        _wait_for(lambda: len(sink.ids) >= 1, 60, rig.worker_log)
        _wait_for(lambda: rig.worker_log.read_text().count("succeeded") >= 2, 60, rig.worker_log)
    assert sink.ids == [row.message_id]
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and row.attempts == 1


def test_smtp_refusing_connections_is_retried_until_it_is_back(rig_factory):
    port = free_port()  # nothing listens yet: connections are refused
    rig = rig_factory(port)
    user = factories.UserFactory()
    with publish_to(rig.queue):
        rig.worker()
        rig.beat("one")
        row = notification_queue(kind="password_reset", to=user, dedup_key="refused")

        def attempts() -> int:
            row.refresh_from_db()
            return row.attempts

        # Two attempts failed and the row waits for the next (not in the middle of one).
        _wait_for(
            lambda: attempts() >= 2 and row.state == NotificationState.PENDING, 60, rig.worker_log
        )
        assert "refused" in row.last_error.lower()
        sink = SmtpSink(port).start()
        try:
            _wait_for(lambda: len(sink.ids) == 1, 60, rig.worker_log)
            time.sleep(2)
        finally:
            sink.stop()
    assert sink.ids == [row.message_id]
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and row.attempts >= 3


def test_redis_stopped_during_a_web_action(sink, rig_factory, tmp_path):
    redis = RedisServer(free_port(), tmp_path / "redis.log").start()
    user = factories.UserFactory(email="vergesslich@example.de")
    rig = rig_factory(sink.port, REDIS_URL=redis.url)
    try:
        with publish_to(rig.queue, redis.url):
            rig.worker()
            rig.beat("one")
            redis.stop()
            url = reverse("password_reset")  # the first reverse imports every URLconf
            started = time.monotonic()
            response = Client().post(url, {"email": user.email})
            elapsed = time.monotonic() - started
            assert response.status_code == 302, response.status_code
            assert elapsed < 2, elapsed
            row = Notification.objects.get(kind="password_reset")
            assert row.state == NotificationState.PENDING
            time.sleep(2)
            assert sink.ids == []
            redis.start()  # Redis is back, empty: the task it had was lost with it
            _wait_for(lambda: len(sink.ids) == 1, 90, rig.worker_log)
    finally:
        redis.stop()
    row.refresh_from_db()
    assert row.state == NotificationState.SENT
    assert sink.ids == [row.message_id]
