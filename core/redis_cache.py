"""Django's Redis cache backend, made safe to lose: short timeouts and a circuit breaker.

With Redis stopped, frozen (SIGSTOP) or restarting, every cache call would wait for its socket
timeout and then raise, and a page makes about five of them (session, data version,
navigation, cached fragments). Here:

- The first call that fails (connection refused, or no answer within the socket timeout,
  0.5 s: CACHES OPTIONS) opens the breaker: for `breaker_seconds` (5 s) nothing talks to
  Redis. Reads are misses, writes are skipped; `incr` raises `CacheUnavailable` (its callers,
  the page cache's data version, must know that the counter did not move). After the pause one
  call tries Redis again; if it answers, the breaker closes.
- A write that was skipped or failed leaves the old value in Redis (a session that was signed
  out, changed session data): its key is remembered, and deleted before anything else is read
  once Redis answers again, so that nothing stale is served afterwards.
- Other Redis errors (e.g. out of memory with `noeviction`) fail that one call only, the same way.

Besides, one Redis client per connection pool instead of one per cache call: Django builds a
new `redis.Redis` for every get and set, and building one costs about 0.1 ms (it fills a
table of ~170 response callbacks). A client is thread-safe and holds no connection of its
own: the pool does.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 5.0
# Keys whose write was lost, remembered per process; beyond this many the rest are only logged
# (they expire with their timeout).
MAX_LOST_WRITES = 10_000

# Redis cannot be reached: open the breaker.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class CacheUnavailable(RedisConnectionError):
    """The cache did not do what was asked because Redis cannot be reached (or the breaker is
    open)."""


class Breaker:
    """One per Redis server and process, shared by its threads."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self.open_until = 0.0  # 0: closed
        self._trying = False
        self.lost: set[str] = set()

    @property
    def is_open(self) -> bool:
        return self.open_until != 0.0

    def allow(self) -> bool:
        """Closed: yes. Open: no, except for one call at a time after the pause."""
        if not self.open_until:  # the usual case, without the lock
            return True
        with self._lock:
            if not self.open_until:
                return True
            if self._trying or time.monotonic() < self.open_until:
                return False
            self._trying = True
            return True

    def succeeded(self) -> None:
        if self.open_until:
            with self._lock:
                if self.open_until:
                    logger.warning("Cache reachable again.")
                self.open_until, self._trying = 0.0, False

    def released(self) -> None:
        """The trial call ended without telling whether Redis answers (e.g. `incr` of a
        missing key, a value that cannot be pickled): the next call may try again."""
        with self._lock:
            self._trying = False

    def failed(self, error: BaseException) -> None:
        with self._lock:
            if not self.open_until:
                logger.warning(
                    "Cache unreachable (%s): working without it for %s s at a time.",
                    error.__class__.__name__,
                    self.seconds,
                )
            self.open_until = time.monotonic() + self.seconds
            self._trying = False

    def remember(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                if len(self.lost) >= MAX_LOST_WRITES:
                    logger.warning("Too many lost cache writes; %s may be stale.", key)
                    break
                self.lost.add(key)

    def take_lost(self) -> list[str]:
        with self._lock:
            keys, self.lost = list(self.lost), set()
        return keys

    def reset(self) -> None:
        with self._lock:
            self.open_until, self._trying, self.lost = 0.0, False, set()


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(servers: Iterable[str], seconds: float = BREAKER_SECONDS) -> Breaker:
    name = ",".join(servers)
    with _breakers_lock:
        breaker = _breakers.get(name)
        if breaker is None:
            breaker = _breakers[name] = Breaker(seconds)
        breaker.seconds = seconds
        return breaker


def reset_breakers() -> None:
    """Close every breaker and forget lost writes (tests)."""
    with _breakers_lock:
        for breaker in _breakers.values():
            breaker.reset()


def _unavailable() -> Any:
    raise CacheUnavailable("The cache cannot be reached.")


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, servers: list[str], *, breaker_seconds: float = BREAKER_SECONDS, **options):
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}
        self.breaker = breaker_for(servers, breaker_seconds)

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client

    def ping(self) -> bool:
        """Ask Redis directly, past the breaker (the health check); raises when it does not
        answer."""
        return bool(self.get_client(write=True).ping())

    def _run(
        self, call: Callable[[], Any], fallback: Callable[[], Any], written: Iterable[str] = ()
    ) -> Any:
        breaker = self.breaker
        if not breaker.allow():
            breaker.remember(written)
            return fallback()
        try:
            lost = breaker.take_lost() if breaker.lost else None
            if lost:
                try:
                    super().delete_many(lost)
                except BaseException:
                    breaker.remember(lost)
                    raise
            result = call()
        except UNREACHABLE as error:
            breaker.failed(error)
            breaker.remember(written)
            return fallback()
        except RedisError as error:  # e.g. OOM with noeviction: this call only
            breaker.succeeded()
            logger.warning("Cache error (%s): carrying on without it.", error)
            breaker.remember(written)
            return fallback()
        except BaseException:  # not Redis's doing: the caller's to handle
            breaker.released()
            raise
        breaker.succeeded()
        return result

    def add(self, key, value, timeout):
        return self._run(
            lambda: super(RedisCacheClient, self).add(key, value, timeout), _false, [key]
        )

    def get(self, key, default):
        return self._run(lambda: super(RedisCacheClient, self).get(key, default), lambda: default)

    def set(self, key, value, timeout):
        return self._run(
            lambda: super(RedisCacheClient, self).set(key, value, timeout), _none, [key]
        )

    def touch(self, key, timeout):
        return self._run(lambda: super(RedisCacheClient, self).touch(key, timeout), _false)

    def delete(self, key):
        return self._run(lambda: super(RedisCacheClient, self).delete(key), _false, [key])

    def get_many(self, keys):
        keys = list(keys)
        return self._run(lambda: super(RedisCacheClient, self).get_many(keys), dict)

    def has_key(self, key):
        return self._run(lambda: super(RedisCacheClient, self).has_key(key), _false)

    def incr(self, key, delta):
        return self._run(
            lambda: super(RedisCacheClient, self).incr(key, delta), _unavailable, [key]
        )

    def set_many(self, data, timeout):
        return self._run(
            lambda: super(RedisCacheClient, self).set_many(data, timeout), list, list(data)
        )

    def delete_many(self, keys):
        keys = list(keys)
        return self._run(lambda: super(RedisCacheClient, self).delete_many(keys), _none, keys)

    def clear(self):
        return self._run(lambda: super(RedisCacheClient, self).clear(), _false)


def _false() -> bool:
    return False


def _none() -> None:
    return None


class RedisCache(DjangoRedisCache):
    """Django's RedisCache with the client above. OPTIONS: Django's (passed to redis-py's
    connection pool: socket_timeout, socket_connect_timeout, ...) and `breaker_seconds`."""

    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
