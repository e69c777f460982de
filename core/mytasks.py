""" "Meine Aufgaben", the signed-in person's to-do list, gathered from every app.

Each app registers a provider in its `AppConfig.ready()` (as it registers its notification
kinds): a function that takes the person's directory entry and returns their open tasks in
that app, in a fixed number of queries. The page (`rollout:me`) shows them by due date, so
nothing here knows guidelines, trainings or workflows, and no app imports a higher one.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Task:
    """One thing the person has to do: `kind` names the area ("Guideline", "Training"), `what`
    the action ("Acknowledge", "Answer the invitation"), `url` where it is done."""

    kind: str
    title: str
    what: str
    url: str
    due: datetime.date | None = None
    order: int = 0  # the app's own order for tasks of the same due date


Provider = Callable[[Any], list[Task]]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register (or, on a reload, replace) the provider `name`."""
    _PROVIDERS[name] = provider


def tasks_for(person: Any) -> list[Task]:
    """Every open task of the person, earliest due first (no date last)."""
    tasks = [task for provider in _PROVIDERS.values() for task in provider(person)]
    return sorted(tasks, key=lambda t: (t.due is None, t.due or datetime.date.max, t.order))
