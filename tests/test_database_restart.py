"""PostgreSQL restarted under a running site: while it is down every request gets a clean
"temporarily unavailable" page (HTTP 503, no traceback); once it is back, gunicorn and the
Celery worker carry on without being restarted.

The restart test runs its OWN PostgreSQL cluster (initdb in a temporary directory, a free
port), never the shared server. It needs PostgreSQL's server binaries on this machine."""

import contextlib
import glob
import http.client
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from unittest import mock

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client

from core.tasks import scheduler_heartbeat
from devtools.bench import free_port, sign_in, start_gunicorn

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
SERVER_BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
EMAIL, PASSWORD = "restart@example.de", "Neustart-Probe-2026"


# --- The 503 page, in-process ----------------------------------------------------------------


@pytest.fixture
def production_errors(settings):
    """Errors handled as in production: Django's handler500, not the debug page."""
    settings.DEBUG = False
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False


@pytest.mark.django_db
def test_a_database_error_gets_the_unavailable_page_not_a_server_error(cast, production_errors):
    client = Client(raise_request_exception=False)
    client.force_login(cast.manager)
    with mock.patch(
        "django.contrib.auth.get_user", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "ChangeHub is temporarily unavailable" in response.text
    assert "Traceback" not in response.text and "connection refused" not in response.text
    assert "Content-Security-Policy" in response.headers


@pytest.mark.django_db
def test_any_other_error_is_still_a_server_error(cast, production_errors):
    client = Client(raise_request_exception=False)
    client.force_login(cast.manager)
    with mock.patch("django.contrib.auth.get_user", side_effect=RuntimeError("boom")):
        response = client.get("/me/")
    assert response.status_code == 500
    assert "temporarily unavailable" not in response.text


# --- A real restart --------------------------------------------------------------------------


class Cluster:
    """A throw-away PostgreSQL cluster owned by the postgres user when we run as root."""

    def __init__(self) -> None:
        bin_dir = Path(SERVER_BINARIES[-1]).parent
        self.pg_ctl = str(bin_dir / "pg_ctl")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="changehub-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self._run(
            str(bin_dir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip

    def _run(self, *command: str) -> None:
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
                  "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def heartbeat(self) -> object:
        with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as connection:
            row = connection.execute(
                "SELECT seen_at FROM rollout_heartbeat WHERE name = 'beat'"
            ).fetchone()
        return row[0] if row else None

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _get(port: int, path: str, cookies: dict[str, str]) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        connection.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "en"})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, timeout=300,
    )  # fmt: skip


@pytest.mark.worker
@pytest.mark.skipif(not SERVER_BINARIES, reason="PostgreSQL server binaries (initdb) not found")
def test_postgres_restart_fails_cleanly_and_recovers_without_restarting(tmp_path):
    cluster = Cluster()
    assert cluster.port != 5432  # never the shared server
    server = worker = None
    try:
        cluster.start()
        queue = f"test-restart-{uuid.uuid4().hex[:10]}"
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DEBUG": "false",
            "SECRET_KEY": "restart-test-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "EMAIL_URL": "console://",
            "HTTPS": "false",
            "BEHIND_PROXY": "false",
            "DATABASE_URL": cluster.url,
            "DB_CONN_MAX_AGE": "600",
            "STATIC_ROOT": str(tmp_path / "static"),
            "CELERY_QUEUE": queue,
            "LOG_LEVEL": "WARNING",
        }
        env.pop("SECRET_KEY_FILE", None)
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "collectstatic", "--noinput", "-v0")
        _manage(
            env, "shell", "-c",
            "from rollout import services; from rollout.models import Role; "
            f"services.user_create(email='{EMAIL}', full_name='Rita Neustart', "
            f"password='{PASSWORD}', roles=[Role.MANAGER])",
        )  # fmt: skip

        server = start_gunicorn(
            gunicorn=str(BIN / "gunicorn"), workers=1, threads=2, env=env, cwd=ROOT,
            log=tmp_path / "gunicorn.log", ready=lambda port: _get(port, "/health/", {})[0] == 200,
        )  # fmt: skip
        worker_log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [str(BIN / "celery"), "-A", "changehub", "worker", "--pool=solo", "--concurrency=1",
             "-Q", queue, "-n", f"{queue}@%h", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        cookies = sign_in("127.0.0.1", server.port, EMAIL, PASSWORD)
        assert _get(server.port, "/me/", cookies)[0] == 200
        scheduler_heartbeat.apply_async(queue=queue)
        _wait_for(lambda: cluster.heartbeat() is not None, 60, "the worker's first task")
        before = cluster.heartbeat()

        cluster.stop()
        for path in ("/me/", "/me/", "/"):
            status, page = _get(server.port, path, cookies)
            assert status == 503, (path, status, page[:500])
            assert "ChangeHub is temporarily unavailable" in page
            assert "Traceback" not in page and "OperationalError" not in page
        assert _get(server.port, "/health/", {})[0] == 503

        cluster.start()
        # The same gunicorn and the same worker: the first request after the restart works.
        status, page = _get(server.port, "/me/", cookies)
        assert status == 200, page[:500]
        assert server.process.poll() is None
        scheduler_heartbeat.apply_async(queue=queue)
        _wait_for(lambda: cluster.heartbeat() > before, 60, "a task after the restart")
        assert worker.poll() is None
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        if server is not None:
            server.stop()
        cluster.remove()
