"""People who join: new in the directory, moved into another department, or active again.

The rollout app writes the directory (the people import, the admin, a walk-in) but does not
know what other apps owe a new colleague. They register a callback from their
AppConfig.ready() (guidelines/joiners.py: the acknowledgment requests of the versions in
force), and the services that change the directory call `people_joined` in the transaction
of the change, so the follow-up work commits (or rolls back) with it. The callbacks must be
idempotent (running them twice for the same people does nothing more) and work in a fixed
number of queries per batch of people, never one per person.
"""

import datetime
from collections.abc import Callable, Iterable

from django.utils import timezone

# (person ids, joining day) -> anything (ignored)
JoinedCallback = Callable[[list[int], datetime.date], object]
_CALLBACKS: dict[str, JoinedCallback] = {}


def register(name: str, callback: JoinedCallback) -> None:
    """Register (or, on a reload, replace) the callback `name`."""
    _CALLBACKS[name] = callback


def people_joined(*, person_ids: Iterable[int], on: datetime.date | None = None) -> None:
    """Tell every registered app that these people joined (their department, or the company)
    on `on` (today). Call it inside the transaction that made the change."""
    ids = sorted({pk for pk in person_ids if pk is not None})
    if not ids:
        return
    on = on or timezone.localdate()
    for callback in _CALLBACKS.values():
        callback(ids, on)


def joined(*, before: tuple[int | None, bool] | None, after: tuple[int | None, bool]) -> bool:
    """Whether a change of (department id, active) makes someone join: new and active, moved
    to another department while active, or active again."""
    department_id, active = after
    if not active:
        return False
    if before is None:
        return True
    old_department_id, was_active = before
    return not was_active or old_department_id != department_id
