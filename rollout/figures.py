"""Figures other apps contribute to the rollout's dashboard, gate criteria and readiness heatmap.

The rollout app names the figures its pages and gates need (`GUIDELINE_ACKNOWLEDGED`,
`TRAINING_COVERAGE`) but does not compute them: the app that owns the data registers how, from
its AppConfig.ready() (guidelines/figures.py). So rollout never imports that app, and a figure
whose app is not installed reads as nothing counted yet.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Counts = tuple[int, int]  # (part, whole), e.g. (acknowledged, asked)

GUIDELINE_ACKNOWLEDGED = "guideline_acknowledged"
TRAINING_COVERAGE = "training_coverage"
# (1, 1) once a guideline version is agreed with the works council, else (0, 1).
GUIDELINE_APPROVED = "guideline_approved"


@dataclass(frozen=True)
class FigureSource:
    """How one figure is counted: for the whole company, and per department (one grouped
    query each)."""

    # A figure that does not depend on the rollout (guidelines are the company's) ignores the id.
    total: Callable[[int | None], Counts]  # rollout id -> counts
    by_department: Callable[[int | None, list[int] | None], dict[int, Counts]]
    # One person's part: (done, counted) as boolean expressions on a row of a Person queryset
    # (OuterRef("pk")), to annotate a list of people without a query of its own.
    of_person: Callable[[int | None], tuple[Any, Any]] | None = None


_SOURCES: dict[str, FigureSource] = {}


def figure_register(name: str, source: FigureSource) -> None:
    if name in _SOURCES and _SOURCES[name] != source:
        raise ValueError(f"The figure {name!r} is registered twice.")
    _SOURCES[name] = source


def figure_total(name: str, *, rollout_id: int | None) -> Counts:
    source = _SOURCES.get(name)
    return source.total(rollout_id) if source else (0, 0)


def figure_by_department(
    name: str, *, rollout_id: int | None, department_ids: Iterable[int] | None
) -> dict[int, Counts]:
    source = _SOURCES.get(name)
    if source is None:
        return {}
    ids = list(department_ids) if department_ids is not None else None
    return source.by_department(rollout_id, ids)


def figure_of_people(name: str, *, rollout_id: int | None) -> dict[str, Any]:
    """Annotations for a Person queryset: `<name>_done` and `<name>_counted` (see
    `person_figure`); none when the figure's app is not installed."""
    source = _SOURCES.get(name)
    if source is None or source.of_person is None:
        return {}
    done, counted = source.of_person(rollout_id)
    return {f"{name}_done": done, f"{name}_counted": counted}


def person_figure(person: object, name: str) -> bool | None:
    """A person annotated by `figure_of_people`: True (done), False (not yet), None (not
    counted for them, e.g. not asked to acknowledge a guideline)."""
    if not getattr(person, f"{name}_counted", False):
        return None
    return bool(getattr(person, f"{name}_done", False))


# --- Scores: readiness measured by asking the people (surveys/figures.py) -------------------

# Per department, the mean score (1 to 5) per dimension of its latest survey result with five
# answers or more; departments without such a result are absent.
SURVEY_READINESS = "survey_readiness"


@dataclass(frozen=True)
class ScoreSource:
    """How a score figure is read: its dimensions (key, label) in order, and per department
    the mean per dimension, already rounded to one decimal as shown (one grouped query)."""

    dimensions: Callable[[], list[tuple[str, Any]]]
    by_department: Callable[[int, list[int] | None], dict[int, dict[str, Decimal]]]


_SCORES: dict[str, ScoreSource] = {}


def score_register(name: str, source: ScoreSource) -> None:
    if name in _SCORES and _SCORES[name] != source:
        raise ValueError(f"The score {name!r} is registered twice.")
    _SCORES[name] = source


def score_dimensions(name: str) -> list[tuple[str, Any]]:
    """(key, label) of the score's dimensions; none when its app is not installed."""
    source = _SCORES.get(name)
    return list(source.dimensions()) if source else []


def scores_by_department(
    name: str, *, rollout_id: int, department_ids: Iterable[int] | None
) -> dict[int, dict[str, Decimal]]:
    source = _SCORES.get(name)
    if source is None:
        return {}
    ids = list(department_ids) if department_ids is not None else None
    return source.by_department(rollout_id, ids)


# --- Links other apps add to a department's pages ("Meine Abteilung", the department page) ---


@dataclass(frozen=True)
class DepartmentLink:
    """A page about one department that another app shows (its URL name takes the
    department's pk); the page itself checks who may see it."""

    url_name: str
    label: Any


_DEPARTMENT_LINKS: dict[str, DepartmentLink] = {}


def department_link_register(link: DepartmentLink) -> None:
    _DEPARTMENT_LINKS[link.url_name] = link


def department_links() -> list[DepartmentLink]:
    return list(_DEPARTMENT_LINKS.values())
