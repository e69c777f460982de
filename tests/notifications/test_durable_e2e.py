"""End to end, with faults: a real Celery worker and beat on a redis-server of the test's own
(never the shared one), the real database, and a real SMTP sink that records every
Message-ID it accepts.

- A guideline published to 1,000 people: the worker is SIGKILLed (with its pool) while it
  writes the outbox rows and again while it sends, Redis is restarted empty each time (every
  task in the broker is lost), the worker is started again: all 1,000 emails arrive within
  two minutes, each once, at most one duplicate per kill (the mail being sent at that moment).
- The worker stopped and Redis restarted before the rows even exist: the emails still all
  arrive once the worker is started.
"""

import os
import signal
import subprocess
import time
import uuid
from urllib.parse import urlencode

import pytest
from django.db import connection

from devtools.redis_server import RedisServer, publish_to
from guidelines.services import guidelines as guideline_services
from notifications.models import FanOut, FanOutState, Notification, NotificationState
from notifications.sink import SmtpSink, free_port
from rollout.models import Person
from tests import factories
from tests.test_worker import CELERY, ROOT, _database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _worker_database_url() -> str:
    """The test database; SQLite with the options of the embedded default (IMMEDIATE
    transactions, a 20 s busy timeout, WAL), as when worker and web share the file."""
    url = _database_url()
    if connection.vendor != "sqlite":
        return url
    options = {
        "transaction_mode": "IMMEDIATE",
        "timeout": "20",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    return f"{url}?{urlencode(options)}"


class Stack:
    """Redis, worker and beat of one test. The worker runs in its own process group, so a
    SIGKILL takes its pool processes with it, as when a container is killed."""

    def __init__(self, tmp_path, smtp_port: int) -> None:
        self.tmp = tmp_path
        self.redis = RedisServer(free_port(), tmp_path / "redis.log")
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": _worker_database_url(),
            "REDIS_URL": self.redis.url,
            "CELERY_QUEUE": self.queue,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": "5",
            "NOTIFY_QUIET_HOURS": "false",
            "NOTIFY_WEEKLY_CAP": "0",
            "NOTIFY_DIGEST_ENABLED": "false",
            "NOTIFY_RETRY_BASE_SECONDS": "1",
            "NOTIFY_MAX_ATTEMPTS": "10",
            "NOTIFY_DISPATCH_SECONDS": "1",
            "NOTIFY_SEND_LEASE_SECONDS": "4",
            "NOTIFY_FANOUT_LEASE_SECONDS": "3",
            "NOTIFY_FANOUT_BATCH": "25",
            "NOTIFY_SCAN_SECONDS": "3600",
            "HEARTBEAT_SECONDS": "3600",
            "REPORT_RESUME_SECONDS": "3600",
        }
        # NOTIFY_RECLAIM_SECONDS keeps its 5 minutes: nothing here may wait for it.
        self.env.pop("NOTIFY_RECLAIM_SECONDS", None)
        self.worker: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.starts = 0
        # One process sends one mail at a time: a kill can then cost at most one duplicate.
        self.concurrency = 1

    def _spawn(self, args: list[str], log_name: str) -> tuple[subprocess.Popen, object]:
        log = self.tmp / log_name
        handle = log.open("w")
        process = subprocess.Popen(
            [CELERY, "-A", "changehub", *args],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return process, log

    def start_worker(self) -> None:
        self.starts += 1
        args = ["worker", "--loglevel=INFO", f"--concurrency={self.concurrency}", "-Q", self.queue]
        args += ["-n", f"{self.queue}-{self.starts}@%h", "--without-mingle", "--without-gossip"]
        self.worker, self.worker_log = self._spawn(args, f"worker-{self.starts}.log")
        self.wait(lambda: "ready" in self.worker_log.read_text(), 60)

    def start_beat(self) -> None:
        args = ["beat", "--loglevel=INFO", "--schedule", str(self.tmp / "beat-schedule")]
        self.beat, self.beat_log = self._spawn(args, "beat.log")

    def kill_worker(self) -> None:
        """SIGKILL the worker and its pool: no shutdown, no acknowledgment, nothing cleaned."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(10)
        self.worker = None

    def restart_redis(self) -> None:
        """A new, empty Redis on the same port: every task waiting in the broker is gone."""
        self.redis.stop()
        self.redis.start()

    def wait(self, condition, timeout: float, every: float = 0.2) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(every)
        logs = "\n".join(
            f"--- {path.name}\n{path.read_text()[-3000:]}"
            for path in sorted(self.tmp.glob("*.log"))
        )
        pytest.fail(f"timed out\n{logs}")

    def stop(self) -> None:
        for process in (self.beat, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.redis.stop()


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def stack(tmp_path, sink):
    rig = Stack(tmp_path, sink.port)
    rig.redis.start()
    yield rig
    rig.stop()


def _people(n: int) -> None:
    Person.objects.bulk_create(
        Person(first_name="Vor", last_name=f"Name {i}", email=f"p{i}@example.de") for i in range(n)
    )


def _job(version) -> FanOut:
    return FanOut.objects.get(key=guideline_services.fanout_key(version_id=version.pk))


def _assert_each_once(sink: SmtpSink, version, *, kills: int) -> None:
    rows = list(Notification.objects.filter(object_id=version.pk, kind="guideline_ack_request"))
    expected = {row.message_id for row in rows}
    received = sink.ids
    assert set(received) == expected
    duplicates = len(received) - len(set(received))
    assert duplicates <= kills, f"{duplicates} duplicates after {kills} kills"
    assert {row.state for row in rows} == {NotificationState.SENT}


def test_a_publication_to_1000_people_survives_worker_kills_and_redis_restarts(stack, sink):
    _people(1000)
    version = factories.guideline_version("approved")
    stack.start_worker()
    stack.start_beat()
    started = time.monotonic()
    with publish_to(stack.queue, stack.redis.url):
        guideline_services.version_publish(version=version, by=None)
    job = _job(version)
    assert job.total == 1000

    # Kill 1: while the worker writes the outbox rows.
    def writing() -> bool:
        job.refresh_from_db()
        return 0 < job.done <= 600  # well before the end: the kill lands while it writes

    stack.wait(writing, 60, every=0.02)
    stack.kill_worker()
    job.refresh_from_db()
    assert job.state == FanOutState.RUNNING and job.done < 1000  # stopped half-way
    stack.restart_redis()
    stack.start_worker()

    # Kill 2: while it sends.
    stack.wait(lambda: 100 <= len(set(sink.ids)) <= 600, 90, every=0.02)
    stack.kill_worker()
    assert len(set(sink.ids)) < 1000
    stack.restart_redis()
    stack.start_worker()

    stack.wait(lambda: len(set(sink.ids)) >= 1000, 120 - (time.monotonic() - started))
    assert time.monotonic() - started < 120
    time.sleep(2)  # anything sent twice would arrive now
    job.refresh_from_db()
    assert (job.state, job.done, job.queued) == (FanOutState.DONE, 1000, 1000)
    assert Notification.objects.filter(object_id=version.pk).count() == 1000
    _assert_each_once(sink, version, kills=2)


def test_with_the_worker_stopped_and_redis_restarted_before_the_rows_exist(stack, sink):
    _people(100)
    version = factories.guideline_version("approved")
    stack.start_beat()
    with publish_to(stack.queue, stack.redis.url):
        guideline_services.version_publish(version=version, by=None)
    job = _job(version)
    assert job.state == FanOutState.PENDING and job.total == 100
    time.sleep(1.5)  # the kick (and a beat or two) wait in Redis for a worker
    stack.restart_redis()  # ... and are gone
    assert not Notification.objects.filter(object_id=version.pk).exists()
    started = time.monotonic()
    stack.start_worker()
    stack.wait(lambda: len(set(sink.ids)) >= 100, 60)
    assert time.monotonic() - started < 60
    time.sleep(2)
    job.refresh_from_db()
    assert job.state == FanOutState.DONE
    _assert_each_once(sink, version, kills=0)
