"""Helpers for the end-to-end tests and `manage.py bench_reminders`: our own redis-server on a
free port, and pointing this process's Celery publishing at it and at a private queue."""

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from kombu import pools as kombu_pools

from changehub.celery import app as celery_app
from core import queue

REDIS_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    "socket_connect_timeout": 0.25,
    "socket_timeout": 0.5,
    "max_retries": 0,
}


class RedisServer:
    """A private, non-persistent redis-server (never the shared one on 6379)."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no"]
        log = self.log.open("a")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return self
            time.sleep(0.05)
        raise RuntimeError("our redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: the port stays open and accepts connections, but nothing answers."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)


def _reset_publishing() -> None:
    celery_app.amqp.__dict__.pop("router", None)
    celery_app.amqp.flush_routes()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu_pools.reset()
    queue.reset()


@contextlib.contextmanager
def publish_to(queue: str, broker_url: str | None = None):
    """This process's outbox tasks go to `queue` (on `broker_url`) while the context lasts."""
    conf = celery_app.conf
    saved = conf.task_routes, conf.broker_url, conf.broker_transport_options
    conf.task_routes = {"notifications.tasks.*": {"queue": queue}}
    if broker_url:
        conf.broker_url = broker_url
        conf.broker_transport_options = REDIS_OPTIONS
    _reset_publishing()
    try:
        yield
    finally:
        conf.task_routes, conf.broker_url, conf.broker_transport_options = saved
        _reset_publishing()
