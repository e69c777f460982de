"""The session engine: Django's `cached_db` (read from the cache, written through to the
database), carrying on with the database alone while the cache cannot be reached. Django's
own version tolerates a failing cache when reading and saving, but not when it fills the
cache after a database read, checks a key or deletes a session (sign-out)."""

import logging
from typing import Any

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # an invalid key (Django's reason) or the cache is down
            data = None
        if data is None:
            stored = self._get_session_from_db()
            if not stored:
                return {}
            data = self.decode(stored.session_data)
            try:
                self._cache.set(
                    self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date)
                )
            except Exception:
                logger.warning("Cache unreachable: the session is read from the database.")
        return data

    def exists(self, session_key: str | None) -> bool:
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("Cache unreachable: the session is looked up in the database.")
        return cached_db.DBStore.exists(self, session_key)

    def delete(self, session_key: str | None = None) -> None:
        cached_db.DBStore.delete(self, session_key)
        key = session_key if session_key is not None else self.session_key
        if key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + key)
        except Exception:
            logger.warning("Cache unreachable: a deleted session may linger in the cache.")
