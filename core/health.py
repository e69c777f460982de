"""The state of the components ChangeHub needs, for /health/ and the operators.

Each part is probed with its own short timeout, the cache and the broker at the same time in
two threads of their own while the database is asked in the request's thread, so that the
answer comes within about a second even with Redis frozen (the compose health check and load
balancers wait a few seconds at most). `down` names every part that did not answer:

- database, broker: the site cannot work without them (HTTP 503, status "error");
- cache: pages are slower but work (status "degraded");
- scheduler: beat's heartbeat task, run by the worker through the broker, is more than three
  heartbeats late: beat or the worker is not running (status "degraded").
"""

import concurrent.futures
import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from changehub.celery import app as celery_app
from core.models import Heartbeat

# How long /health/ waits for the cache and the broker, in all.
PROBE_SECONDS = 1.5
# Parts without which nothing works: any of them down answers 503.
ESSENTIAL = ("database", "broker")

# Two threads kept for the probes (the cache probe reuses its thread's Redis connection),
# made in the process that uses them (never inherited through a fork).
_probes: tuple[int, concurrent.futures.ThreadPoolExecutor] | None = None
_probes_lock = threading.Lock()


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _check_database() -> dict[str, object]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor, "ms": _ms(started)}


def _check_cache() -> dict[str, object]:
    """A PING to the cache's Redis past its circuit breaker (REDIS_SOCKET_TIMEOUT)."""
    from django.core.cache import cache

    client = getattr(cache, "_cache", None)
    if not hasattr(client, "ping"):
        return {"ok": True, "backend": cache.__class__.__name__}
    started = time.monotonic()
    breaker = "open" if client.breaker.is_open else "closed"
    try:
        client.ping()
    except Exception as exc:
        return {"ok": False, "backend": "redis", "error": exc.__class__.__name__}
    return {"ok": True, "backend": "redis", "breaker": breaker, "ms": _ms(started)}


def _check_broker() -> dict[str, object]:
    started = time.monotonic()
    url = str(celery_app.conf.broker_url)
    if url.startswith("filesystem://"):
        options = celery_app.conf.broker_transport_options
        folder = Path(options["data_folder_out"])
        ok = folder.is_dir() and folder.stat().st_mode & 0o200 != 0
        return {"ok": ok, "transport": "filesystem"} | (
            {} if ok else {"error": "queue folder missing"}
        )
    try:
        # One attempt within the transport's socket timeouts (the redis transport PINGs).
        with celery_app.connection_for_write(connect_timeout=PROBE_SECONDS) as conn:
            conn.ensure_connection(max_retries=0, interval_start=0, timeout=PROBE_SECONDS)
            transport = conn.transport_cls
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "transport": transport, "ms": _ms(started)}


def _scheduler_state() -> dict[str, object]:
    try:
        seen = Heartbeat.objects.filter(name="beat").values_list("seen_at", flat=True).first()
    except Exception:
        return {"last_run": None}
    if seen is None:
        return {"last_run": None}
    late = timezone.now() - seen > timedelta(seconds=3 * settings.HEARTBEAT_SECONDS)
    return {"last_run": seen.isoformat(), "late": late}


def _collect(future: concurrent.futures.Future, deadline: float) -> dict[str, object]:
    try:
        return future.result(timeout=max(deadline - time.monotonic(), 0))
    except concurrent.futures.TimeoutError:
        return {"ok": False, "error": "timeout"}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def _submit(probe: Callable[[], dict[str, object]]) -> concurrent.futures.Future:
    global _probes
    with _probes_lock:
        if _probes is None or _probes[0] != os.getpid():
            executor = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="health")
            _probes = (os.getpid(), executor)
        return _probes[1].submit(probe)


def health_report() -> dict[str, object]:
    deadline = time.monotonic() + PROBE_SECONDS
    cache_probe, broker_probe = _submit(_check_cache), _submit(_check_broker)
    database = _check_database()
    report: dict[str, object] = {
        "database": database,
        "cache": _collect(cache_probe, deadline),
        "broker": _collect(broker_probe, deadline),
    }
    down = [name for name in ("database", "cache", "broker") if not report[name]["ok"]]
    if database["ok"]:
        report["scheduler"] = scheduler = _scheduler_state()
        if scheduler.get("late"):
            down.append("scheduler")
    essential_down = any(name in ESSENTIAL for name in down)
    status = "error" if essential_down else ("degraded" if down else "ok")
    return {"status": status, "down": down, **report}
