"""Handing work to the Celery worker without ever failing (or stalling) the caller.

Every task a web request queues goes through `enqueue`: it publishes once, without kombu's
retries, within the broker's short socket timeouts (CELERY_BROKER_TRANSPORT_OPTIONS), and
when the broker is down, hung or refuses it logs a warning and returns False instead of
raising. After a failure this process does not try the broker again for BROKER_PAUSE_SECONDS
(each try could cost the full timeout), so a stopped or frozen Redis costs one request about
half a second, and the others nothing.

A task handed over this way must never be the only record of the work: the work is a
database row first (an outbox row, a queued report, a fan-out job) that the beat picks up
when the task never arrives. `enqueue` only makes it start at once when the broker is there.

    transaction.on_commit(lambda: enqueue(render_report, report.pk))
    enqueue_on_commit(render_report, report.pk)  # the same
"""

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

_lock = threading.Lock()
# time.monotonic() until which this process leaves the broker alone (shared by all threads).
_paused_until = 0.0


def broker_paused() -> bool:
    """Whether the broker failed in this process less than BROKER_PAUSE_SECONDS ago."""
    return time.monotonic() < _paused_until


def broker_failed() -> None:
    """Leave the broker alone for BROKER_PAUSE_SECONDS (also called by the health check)."""
    global _paused_until
    with _lock:
        _paused_until = time.monotonic() + settings.BROKER_PAUSE_SECONDS


def reset() -> None:
    """Forget an earlier failure: the next `enqueue` tries the broker again (tests, tools)."""
    global _paused_until
    with _lock:
        _paused_until = 0.0


def enqueue(task: Any, *args: Any, options: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
    """Publish `task(*args, **kwargs)` once; False (and a pause) when the broker does not take
    it. `options` are passed to `apply_async` (queue, countdown, ...)."""
    if broker_paused():
        logger.info("Broker paused after a failure: %s waits for the beat.", task.name)
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False, **dict(options or {}))
    except Exception:  # kombu's OperationalError, a redis error, a refused socket, ...
        logger.warning(
            "The broker did not take %s; the beat picks the work up later.",
            task.name,
            exc_info=True,
        )
        broker_failed()
        return False
    return True


def enqueue_on_commit(
    task: Any, *args: Any, options: Mapping[str, Any] | None = None, **kwargs: Any
) -> None:
    """`enqueue` once the current transaction has committed (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args, options=options, **kwargs))
