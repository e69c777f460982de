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


def sessions_end_for_user(user_id: int) -> int:
    """Sign a user out everywhere: delete each unexpired session of theirs from the database
    and the cache. Sessions are not indexed by user, so this reads them all once (a rare
    action: deactivating a login). Returns how many were ended."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    ended = 0
    store = SessionStore()
    wanted = str(user_id)
    sessions = Session.objects.filter(expire_date__gt=timezone.now()).only(
        "session_key", "session_data"
    )
    for session in sessions.iterator(chunk_size=500):
        if str(store.decode(session.session_data).get(SESSION_KEY)) == wanted:
            store.delete(session.session_key)
            ended += 1
    return ended
