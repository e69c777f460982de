"""A cheap answer to "has any data changed?" for the page caches: the data version.

Every write to the database (INSERT, UPDATE, DELETE, from a model's `save()`, a queryset's
`update()`, `bulk_create`, a migration or raw SQL, in the web process or in a worker) bumps
one counter in the shared cache. Cached page fragments (`{% pagecache %}`, rollout/
templatetags/pagecache.py) carry the version in their key, so the next view after any change
renders afresh: a change shows at once, and nothing has to know which page shows what.

The hook is a database execute wrapper installed on every connection (`install()`, called
from `RolloutConfig.ready`). Writes to tables that no cached page shows (sessions, login
attempts, the notification outbox, the scheduler's heartbeat, ...) are ignored, so that
signing in, browsing and sending mail do not empty the caches.

Inside a transaction the version is bumped on the first write (so that this process, which
sees its own uncommitted rows, does not serve an older fragment) and once more after the
commit (so that a fragment another process rendered from the old rows meanwhile is not used
any longer). A rolled-back transaction only costs one extra bump.
"""

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

VERSION_KEY = "data-version"
# Apps and tables whose rows no cached page shows.
IGNORED_APPS = frozenset({"admin", "axes", "contenttypes", "notifications", "sessions"})
IGNORED_MODELS = frozenset({"core.heartbeat"})
IGNORED_TABLES = frozenset({"django_migrations", "django_cache"})

_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[`"]?([\w.]+)', re.IGNORECASE)
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")

_lock = threading.Lock()
_ignored: frozenset[str] | None = None
# Whether this process has read the version since it last bumped it: only then can it have
# cached a fragment under the current version that a further write would make stale.
_read_since_bump = True
# How often this process has bumped the version (a request re-reads it after a bump).
_bumps = 0


# After the cache failed, it is left alone for a while (each attempt could wait for the
# connection timeout), and the first bump that works afterwards is owed (`_owed`).
CACHE_PAUSE_SECONDS = 10
_paused_until = 0.0
_owed = False


def _cache_down() -> None:
    global _paused_until, _owed
    _paused_until = time.monotonic() + CACHE_PAUSE_SECONDS
    _owed = True
    logger.warning("Cache unreachable: pages are rendered without the page cache for a while.")


def data_version() -> int | None:
    """The current data version (one cache read); None when the cache cannot be reached (the
    pages are then rendered without it)."""
    global _read_since_bump
    _read_since_bump = True
    if time.monotonic() < _paused_until:
        return None
    if _owed:
        data_changed()  # writes while the cache was down: fragments cached before are stale
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            # Start from the clock, never from 1: fragments cached under the numbers of an
            # evicted counter must not match again.
            cache.add(VERSION_KEY, time.time_ns() // 1000, timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception:  # the cache is down: no page cache, but the pages work
        _cache_down()
        return None
    return None if version is None else int(version)


def request_data_version(request: Any) -> int | None:
    """The data version as one request sees it: read on first use, and again after this
    process has written (a request that writes and then renders sees its own change)."""
    if request is None:
        return data_version()
    memo = getattr(request, "_data_version", None)
    if memo is None or memo[1] != _bumps:
        memo = request._data_version = (data_version(), _bumps)
    return memo[0]


def data_changed() -> None:
    """Bump the data version: every cached fragment is rebuilt on its next view."""
    global _read_since_bump, _bumps, _owed
    _read_since_bump = False
    _bumps += 1
    if time.monotonic() < _paused_until:
        _owed = True
        return
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no counter yet (or evicted): start one
            cache.set(VERSION_KEY, time.time_ns() // 1000, timeout=None)
        _owed = False
    except Exception:  # a write must never fail (or wait) because of the cache
        _cache_down()


def _ignored_tables() -> frozenset[str]:
    global _ignored
    if _ignored is None:
        tables = set(IGNORED_TABLES)
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.app_label in IGNORED_APPS or meta.label_lower in IGNORED_MODELS:
                tables.add(meta.db_table)
        _ignored = frozenset(tables)
    return _ignored


# Signing in stores the moment of the last sign-in, which no page shows: not a change of data.
_LAST_LOGIN_ONLY = re.compile(
    r'\s*UPDATE\s+[`"]?[\w.]+[`"]?\s+SET\s+[`"]?last_login[`"]?\s*=\s*%s\s+WHERE\s',
    re.IGNORECASE,
)


def _writes_watched_table(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    if head not in _WRITE_VERBS:
        return False
    match = _WRITE.match(sql)
    if match is None:
        return True
    if match.group(1) in _ignored_tables():
        return False
    return not (head == "UPDATE" and _LAST_LOGIN_ONLY.match(sql))


def _after_commit() -> None:
    data_changed()


def _on_write(connection: BaseDatabaseWrapper) -> None:
    if not connection.in_atomic_block:
        data_changed()  # autocommit: the row is committed already
        return
    if not any(entry[1] is _after_commit for entry in connection.run_on_commit):
        connection.on_commit(_after_commit)  # once per transaction
        data_changed()
    elif _read_since_bump:
        data_changed()


class _WriteWatcher:
    """The execute wrapper: runs the statement, then bumps the version if it wrote."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict
    ) -> Any:
        result = execute(sql, params, many, context)
        if isinstance(sql, str) and _writes_watched_table(sql):
            _on_write(self.connection)
        return result


def _install_on(connection: BaseDatabaseWrapper) -> None:
    with _lock:
        if not any(isinstance(w, _WriteWatcher) for w in connection.execute_wrappers):
            connection.execute_wrappers.append(_WriteWatcher(connection))


def _connection_created(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    _install_on(connection)


def install() -> None:
    """Watch every database connection of this process (those open now and later ones)."""
    connection_created.connect(_connection_created, dispatch_uid="core.freshness")
    for connection in connections.all(initialized_only=True):
        _install_on(connection)
