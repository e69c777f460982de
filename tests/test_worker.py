"""End to end: a real Celery worker (and beat) on the real broker changes the real database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core.models import Heartbeat
from core.tasks import scheduler_heartbeat

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
CELERY = str(Path(sys.executable).parent / "celery")
ROOT = Path(settings.BASE_DIR)


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@pytest.fixture
def celery_env(tmp_path):
    """The environment for worker and beat: the test database, the broker, a private queue."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": _database_url(),
        "CELERY_QUEUE": queue,
        "HEARTBEAT_SECONDS": "1",
    }
    return env, queue


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(
        [CELERY, "-A", "changehub", *args],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for(condition, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out; worker log:\n{log.read_text()[-4000:]}")


def test_ci_runs_on_the_backends_it_says():
    """.ci/run runs the suite twice and says which set-up each run must have: the embedded one
    of a plain `make test` (SQLite, filesystem broker) and the servers (PostgreSQL, Redis)."""
    expected = os.environ.get("CHANGEHUB_EXPECT_BACKENDS")
    if os.environ.get("CI") == "true":
        assert expected in {"embedded", "servers"}, "CI must say which backends it runs on"
    if expected == "servers" or (expected is None and os.environ.get("REDIS_URL")):
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    if expected == "servers":
        assert connection.vendor == "postgresql"
    if expected == "embedded" or (expected is None and not os.environ.get("DATABASE_URL")):
        assert connection.vendor == "sqlite"
    if expected == "embedded":
        assert settings.CELERY_BROKER_URL.startswith("filesystem://")


def test_a_real_worker_consumes_a_task_from_the_broker(celery_env, tmp_path):
    env, queue = celery_env
    log = tmp_path / "worker.log"
    worker = _start(
        [
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        env,
        log,
    )
    try:
        assert not Heartbeat.objects.exists()
        scheduler_heartbeat.apply_async(queue=queue)
        _wait_for(lambda: Heartbeat.objects.filter(name="beat").exists(), 60, log)
        assert "succeeded" in log.read_text()
    finally:
        _stop(worker)


def test_beat_schedules_a_task_that_the_worker_runs(celery_env, tmp_path):
    env, queue = celery_env
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    worker = _start(
        [
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        env,
        worker_log,
    )
    beat = _start(
        ["beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")], env, beat_log
    )
    try:
        _wait_for(lambda: Heartbeat.objects.filter(name="beat").exists(), 60, worker_log)
        first = Heartbeat.objects.get(name="beat").seen_at
        _wait_for(lambda: Heartbeat.objects.get(name="beat").seen_at > first, 30, worker_log)
        assert "Sending due task scheduler-heartbeat" in beat_log.read_text()
    finally:
        _stop(beat)
        _stop(worker)
