"""Department readiness: per department, the signals the data holds today, each with a level.

Only what exists is measured: stakeholders (count, average attitude, champions, resistant
stakeholders with high influence) and the rollout's activities tagged with the department
(open, overdue), content workflows (confirmed) and deliveries (on time, last 90 days),
training coverage and the acknowledgment of the guidelines in force. A new signal adds

1. a field to `DepartmentReadiness` (None while there is no data),
2. one grouped query in `department_readiness`, and
3. a `ReadinessColumn` to `READINESS_COLUMNS` (its position is its place in the heatmap),

and the heatmap template shows the new column without any change.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cached_property

from django.db.models import Avg, Count, Q
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rollout.figures import (
    GUIDELINE_ACKNOWLEDGED,
    SURVEY_READINESS,
    TRAINING_COVERAGE,
    figure_by_department,
    score_dimensions,
    scores_by_department,
)
from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    Attitude,
    Department,
    Rollout,
    Stakeholder,
)
from rollout.privacy import ATTITUDE_SIGNALS, small

# "Resistant with high influence": the stakeholders who can stop a department's rollout.
RESISTANT_ATTITUDE = Attitude.RESISTANT
HIGH_INFLUENCE = 4
# Average attitude: from this value on it is good, below the second it is critical.
ATTITUDE_GOOD_FROM = 3.5
ATTITUDE_WARN_FROM = 2.5


class Level(StrEnum):
    """How a signal stands; the CSS class is `heat-<level>`."""

    GOOD = "good"
    WARN = "warn"
    BAD = "bad"
    NONE = "none"

    @property
    def label(self) -> str:
        return str(_LEVEL_LABELS[self])


_LEVEL_LABELS = {
    Level.GOOD: _("good"),
    Level.WARN: _("warning"),
    Level.BAD: _("critical"),
    Level.NONE: _("not rated"),
}


@dataclass(frozen=True)
class Signal:
    """One cell of the heatmap: the value, its text as shown, and its level."""

    column: "ReadinessColumn"
    value: object
    text: str
    level: Level

    @property
    def level_label(self) -> str:
        return self.level.label


@dataclass(frozen=True)
class ReadinessColumn:
    key: str
    label: str | Promise
    description: str | Promise
    measure: Callable[["DepartmentReadiness"], tuple[object, str, Level]]


@dataclass
class DepartmentReadiness:
    """The readiness signals of one department in one rollout."""

    department: Department
    stakeholder_count: int = 0
    average_attitude: float | None = None  # 1-5; None without stakeholders
    champion_count: int = 0
    resistant_high_influence: int = 0
    open_activities: int = 0
    overdue_activities: int = 0
    workflows_total: int = 0  # content workflows of the department
    workflows_confirmed: int = 0  # of them with a revision in force
    on_time_percent: int | None = None  # content deliveries of the last 90 days; None: none
    training_coverage_percent: int | None = None  # trained share of members; None: no members
    guideline_acknowledged_percent: int | None = None  # of the guidelines in force; None: none
    # Per survey dimension, the mean of the latest result with five answers or more; None
    # while the department has none (surveys/figures.py).
    survey_scores: dict[str, Decimal] | None = None
    # Set for readers other than the manager when the group is too small (rollout.privacy):
    # the signals read from attitudes are shown as "hidden".
    attitude_hidden: bool = False

    @property
    def champion_present(self) -> bool:
        return self.champion_count > 0

    def hide_attitudes_if_small(self) -> None:
        """Hide the attitude signals when fewer than MIN_GROUP stakeholders stand behind
        them (rollout.privacy)."""
        self.attitude_hidden = small(self.stakeholder_count)

    @property
    def signals(self) -> list[Signal]:
        """The signals in the heatmap's column order."""
        cells = []
        for column in READINESS_COLUMNS:
            if self.attitude_hidden and column.key in ATTITUDE_SIGNALS:
                cells.append(
                    Signal(column=column, value=None, text=str(_("hidden")), level=Level.NONE)
                )
                continue
            value, text, level = column.measure(self)
            cells.append(Signal(column=column, value=value, text=text, level=level))
        return cells

    @property
    def worst_level(self) -> Level:
        levels = {signal.level for signal in self.signals}
        for level in (Level.BAD, Level.WARN, Level.GOOD):
            if level in levels:
                return level
        return Level.NONE


def _count_text(value: int) -> str:
    return formats.number_format(value)


def _measure_stakeholders(row: DepartmentReadiness) -> tuple[object, str, Level]:
    count = row.stakeholder_count
    return count, _count_text(count), Level.GOOD if count else Level.WARN


def _measure_attitude(row: DepartmentReadiness) -> tuple[object, str, Level]:
    value = row.average_attitude
    if value is None:
        return None, "\N{EN DASH}", Level.NONE
    if value >= ATTITUDE_GOOD_FROM:
        level = Level.GOOD
    elif value >= ATTITUDE_WARN_FROM:
        level = Level.WARN
    else:
        level = Level.BAD
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return value, formats.number_format(rounded, 1), level


def _measure_champion(row: DepartmentReadiness) -> tuple[object, str, Level]:
    if row.champion_present:
        return True, str(_("yes (%(count)s)") % {"count": row.champion_count}), Level.GOOD
    return False, str(_("no")), Level.BAD


def _measure_resistance(row: DepartmentReadiness) -> tuple[object, str, Level]:
    count = row.resistant_high_influence
    if not row.stakeholder_count:
        return count, _count_text(count), Level.NONE
    return count, _count_text(count), Level.BAD if count else Level.GOOD


def _measure_open(row: DepartmentReadiness) -> tuple[object, str, Level]:
    # Open work is neither good nor bad; it has no colour of its own.
    return row.open_activities, _count_text(row.open_activities), Level.NONE


def _measure_overdue(row: DepartmentReadiness) -> tuple[object, str, Level]:
    count = row.overdue_activities
    return count, _count_text(count), Level.BAD if count else Level.GOOD


def _measure_workflows(row: DepartmentReadiness) -> tuple[object, str, Level]:
    total, confirmed = row.workflows_total, row.workflows_confirmed
    if not total:
        return None, "\N{EN DASH}", Level.NONE
    text = str(_("%(confirmed)s of %(total)s") % {"confirmed": confirmed, "total": total})
    if confirmed == total:
        return True, text, Level.GOOD
    return False, text, Level.WARN if confirmed else Level.BAD


# The share of content on time: from this value on it is good, below the second critical.
ON_TIME_GOOD_FROM = 80
ON_TIME_WARN_FROM = 50


def _measure_on_time(row: DepartmentReadiness) -> tuple[object, str, Level]:
    value = row.on_time_percent
    if value is None:
        return None, "\N{EN DASH}", Level.NONE
    if value >= ON_TIME_GOOD_FROM:
        level = Level.GOOD
    elif value >= ON_TIME_WARN_FROM:
        level = Level.WARN
    else:
        level = Level.BAD
    return value, f"{formats.number_format(value)} %", level


# Training coverage: from this share on it is good, below the second critical.
TRAINING_GOOD_FROM = 80
TRAINING_WARN_FROM = 50


def _measure_training(row: DepartmentReadiness) -> tuple[object, str, Level]:
    value = row.training_coverage_percent
    if value is None:
        return None, "\N{EN DASH}", Level.NONE
    if value >= TRAINING_GOOD_FROM:
        level = Level.GOOD
    elif value >= TRAINING_WARN_FROM:
        level = Level.WARN
    else:
        level = Level.BAD
    return value, f"{formats.number_format(value)} %", level


# Guideline acknowledged: from this share on it is good, below the second critical.
GUIDELINE_GOOD_FROM = 90
GUIDELINE_WARN_FROM = 60


def _measure_guideline(row: DepartmentReadiness) -> tuple[object, str, Level]:
    value = row.guideline_acknowledged_percent
    if value is None:
        return None, "\N{EN DASH}", Level.NONE
    if value >= GUIDELINE_GOOD_FROM:
        level = Level.GOOD
    elif value >= GUIDELINE_WARN_FROM:
        level = Level.WARN
    else:
        level = Level.BAD
    return value, f"{formats.number_format(value)} %", level


# Survey readiness (the weakest dimension's mean, 1 to 5): good from, critical below.
SURVEY_GOOD_FROM = Decimal("3.5")
SURVEY_WARN_FROM = Decimal("2.5")


def _measure_survey(row: DepartmentReadiness) -> tuple[object, str, Level]:
    """The weakest dimension of the department's latest survey result (five answers or
    more), e.g. "2,8 Wollen"; a dash without such a result."""
    scores = row.survey_scores
    if not scores:
        return None, "\N{EN DASH}", Level.NONE
    labels = score_dimensions(SURVEY_READINESS)
    key, label = min(
        ((key, label) for key, label in labels if key in scores),
        key=lambda item: scores[item[0]],
        default=(None, ""),
    )
    if key is None:
        return None, "\N{EN DASH}", Level.NONE
    value = scores[key]
    if value >= SURVEY_GOOD_FROM:
        level = Level.GOOD
    elif value >= SURVEY_WARN_FROM:
        level = Level.WARN
    else:
        level = Level.BAD
    return value, f"{formats.number_format(value, 1)} {label}", level


READINESS_COLUMNS: tuple[ReadinessColumn, ...] = (
    ReadinessColumn(
        "stakeholders",
        _("Stakeholders"),
        _("People of the department mapped as stakeholders of the rollout."),
        _measure_stakeholders,
    ),
    ReadinessColumn(
        "average_attitude",
        _("Average attitude (1–5)"),  # noqa: RUF001
        _("From 1 (resistant) to 5 (champion); 3.5 or more is good, below 2.5 critical."),
        _measure_attitude,
    ),
    ReadinessColumn(
        "champion",
        _("Champion"),
        _("Whether at least one stakeholder of the department is a champion."),
        _measure_champion,
    ),
    ReadinessColumn(
        "resistant_high_influence",
        _("Resistant, high influence"),
        _("Resistant stakeholders with influence 4 or 5."),
        _measure_resistance,
    ),
    ReadinessColumn(
        "open_activities",
        _("Open activities"),
        _("Planned or running activities of the rollout for the department."),
        _measure_open,
    ),
    ReadinessColumn(
        "overdue_activities",
        _("Overdue"),
        _("Open activities past their due date."),
        _measure_overdue,
    ),
    ReadinessColumn(
        "content_workflow",
        _("Content workflow confirmed"),
        _("Content workflows of the department with a confirmed revision in force."),
        _measure_workflows,
    ),
    ReadinessColumn(
        "content_on_time",
        _("Content on time"),
        _("Share of the content deliveries of the last 90 days that arrived on time."),
        _measure_on_time,
    ),
    ReadinessColumn(
        "training_coverage",
        _("Training coverage"),
        _(
            "Share of the department's active people who attended a workshop, webinar or "
            "coaching session of the rollout."
        ),
        _measure_training,
    ),
    ReadinessColumn(
        "guideline_acknowledged",
        _("Guideline acknowledged"),
        _(
            "Share of the department's people asked to acknowledge the guidelines in force "
            "who have done so."
        ),
        _measure_guideline,
    ),
    ReadinessColumn(
        "survey_readiness",
        _("Survey: weakest dimension (1–5)"),  # noqa: RUF001
        _(
            "The weakest ADKAR dimension in the department's latest pulse survey, shown from "
            "five answers on; 3.5 or more is good, below 2.5 critical."
        ),
        _measure_survey,
    ),
)


# From this many departments on, the heatmap is grouped by site and division (a site is a
# department without a parent, a division a site's child that has teams below it): one row per
# division sums up its departments, which are shown on demand.
GROUP_FROM = 30
# How deep a department tree may go before the grouping gives up (a broken tree, a cycle).
MAX_DEPTH = 32


@dataclass(frozen=True)
class GroupCell:
    """One cell of a division's row: the worst level among its departments, and how many of
    them stand at it."""

    column: ReadinessColumn
    level: Level
    count: int  # departments at `level`
    total: int  # departments in the group

    @property
    def text(self) -> str:
        if self.level is Level.NONE:
            return "\u2013"  # an en dash: nothing rated
        return _("%(count)s of %(total)s") % {"count": self.count, "total": self.total}

    @property
    def level_label(self) -> str:
        return self.level.label


@dataclass
class ReadinessGroup:
    """A division and the departments below it (the division itself first)."""

    unit: Department
    rows: list[DepartmentReadiness]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def summary(self) -> list[GroupCell]:
        """Per column the worst level found among the group's departments (not-rated cells
        count only when nothing is rated) and how many departments have it."""
        signals = [row.signals for row in self.rows]
        cells = []
        for index, column in enumerate(READINESS_COLUMNS):
            levels = [row[index].level for row in signals]
            worst = next(
                (level for level in (Level.BAD, Level.WARN, Level.GOOD) if level in levels),
                Level.NONE,
            )
            cells.append(
                GroupCell(column=column, level=worst, count=levels.count(worst), total=len(levels))
            )
        return cells


@dataclass
class ReadinessSite:
    """A site: its own row and the departments directly below it (`rows`), then its
    divisions (`groups`). `unit` is None for the departments that belong to no site."""

    unit: Department | None
    rows: list[DepartmentReadiness]
    groups: list[ReadinessGroup]


def _chains(parents: dict[int, int | None]) -> dict[int, list[int]] | None:
    """Each department's path from its site down to itself, or None when a parent is not
    among the departments (a filtered list) or the tree is broken."""
    chains: dict[int, list[int]] = {}
    for pk in parents:
        chain = [pk]
        parent = parents[pk]
        while parent is not None:
            if parent not in parents or len(chain) > MAX_DEPTH:
                return None
            chain.append(parent)
            parent = parents[parent]
        chains[pk] = chain[::-1]
    return chains


def readiness_sites(rows: Iterable[DepartmentReadiness]) -> list[ReadinessSite] | None:
    """The rows grouped by site and division, or None where grouping would not help: fewer
    than GROUP_FROM departments, no department inside another, or a tree that is incomplete.
    No query: the departments' `parent_id` is enough."""
    rows = list(rows)
    if len(rows) < GROUP_FROM:
        return None
    by_id = {row.department.pk: row for row in rows}
    parents = {pk: row.department.parent_id for pk, row in by_id.items()}
    with_children = {parent for parent in parents.values() if parent is not None}
    if not with_children:
        return None
    chains = _chains(parents)
    if chains is None:
        return None

    def by_name(row: DepartmentReadiness) -> str:
        return row.department.name.casefold()

    site_rows: dict[int | None, list[DepartmentReadiness]] = {}
    group_rows: dict[int, list[DepartmentReadiness]] = {}
    group_site: dict[int, int] = {}
    for pk, chain in chains.items():
        row = by_id[pk]
        if len(chain) == 1:
            site_rows.setdefault(pk if pk in with_children else None, []).append(row)
        elif len(chain) == 2 and pk not in with_children:
            site_rows.setdefault(chain[0], []).append(row)
        else:
            group_rows.setdefault(chain[1], []).append(row)
            group_site[chain[1]] = chain[0]
    groups_of_site: dict[int | None, list[ReadinessGroup]] = {}
    for unit_pk, members in group_rows.items():
        members.sort(key=lambda row: (row.department.pk != unit_pk, by_name(row)))
        if len(members) == 1:  # a division of one: no row of its own needed
            site_rows.setdefault(group_site[unit_pk], []).extend(members)
            continue
        groups_of_site.setdefault(group_site[unit_pk], []).append(
            ReadinessGroup(unit=by_id[unit_pk].department, rows=members)
        )
    sites = []
    for site_pk in {*site_rows, *groups_of_site}:
        own = site_rows.get(site_pk, [])
        own.sort(key=lambda row: (row.department.pk != site_pk, by_name(row)))
        groups = sorted(groups_of_site.get(site_pk, []), key=lambda g: g.unit.name.casefold())
        sites.append(
            ReadinessSite(
                unit=by_id[site_pk].department if site_pk is not None else None,
                rows=own,
                groups=groups,
            )
        )
    sites.sort(key=lambda site: (site.unit is None, site.unit.name.casefold() if site.unit else ""))
    return sites


def descendants(unit: Department) -> list[Department]:
    """The department and every department below it, by name: one query."""
    parents: dict[int, int | None] = {}
    names: dict[int, Department] = {}
    for department in Department.objects.only("id", "name", "parent_id"):
        parents[department.pk] = department.parent_id
        names[department.pk] = department
    children: dict[int, list[int]] = {}
    for pk, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    found, todo = {unit.pk}, [unit.pk]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return sorted((names[pk] for pk in found if pk in names), key=lambda d: d.name.casefold())


class ReadinessRows(list[DepartmentReadiness]):
    """The readiness of several departments (a list), with the figures for a text summary."""

    def __init__(self, rows: Iterable[DepartmentReadiness], *, rollout: Rollout) -> None:
        super().__init__(rows)
        self.rollout = rollout

    def hide_small_groups(self) -> "ReadinessRows":
        """For leadership (rollout.privacy): the attitude signals of each department with
        fewer than MIN_GROUP stakeholders are hidden, and the summary does not count them.
        No query."""
        for row in self:
            row.hide_attitudes_if_small()
        return self

    @property
    def columns(self) -> tuple[ReadinessColumn, ...]:
        return READINESS_COLUMNS

    @cached_property
    def sites(self) -> list[ReadinessSite] | None:
        """The heatmap grouped by site and division (None: shown as one flat list)."""
        return readiness_sites(self)

    @property
    def hidden_attitudes(self) -> int:
        """Departments whose attitude signals are hidden."""
        return sum(1 for row in self if row.attitude_hidden)

    @property
    def without_champion(self) -> int:
        return sum(1 for row in self if not row.attitude_hidden and not row.champion_present)

    @property
    def with_overdue(self) -> int:
        return sum(1 for row in self if row.overdue_activities)

    @property
    def with_resistance(self) -> int:
        return sum(1 for row in self if not row.attitude_hidden and row.resistant_high_influence)

    @property
    def without_stakeholders(self) -> int:
        return sum(1 for row in self if not row.stakeholder_count)


def readiness_from_loaded(
    *,
    department: Department,
    stakeholders: Iterable[Stakeholder],
    activities: Iterable[Activity],
    today: datetime.date | None = None,
) -> DepartmentReadiness:
    """The same signals as `department_readiness`, from one department's stakeholders and
    activities already loaded for its page, plus two queries for its content workflows and
    deliveries. The stakeholders must be the rollout's active people of the department, the
    activities the rollout's tagged with it."""
    today = today or timezone.localdate()
    row = DepartmentReadiness(department=department)
    stakeholders = list(stakeholders)
    attitudes = [stakeholder.attitude for stakeholder in stakeholders]
    row.stakeholder_count = len(attitudes)
    if attitudes:
        row.average_attitude = round(sum(attitudes) / len(attitudes), 2)
    row.champion_count = sum(1 for attitude in attitudes if attitude == Attitude.CHAMPION)
    row.resistant_high_influence = sum(
        1
        for stakeholder in stakeholders
        if stakeholder.attitude == RESISTANT_ATTITUDE and stakeholder.influence >= HIGH_INFLUENCE
    )
    open_activities = [a for a in activities if a.status in OPEN_ACTIVITY_STATUSES]
    row.open_activities = len(open_activities)
    row.overdue_activities = sum(
        1 for a in open_activities if a.due_date is not None and a.due_date < today
    )
    _add_content_signals({department.pk: row})
    return row


def _add_content_signals(rows: dict[int, DepartmentReadiness]) -> None:
    """Content workflows and on-time deliveries of the departments: two grouped queries."""
    from rollout.selectors.workflows import on_time_by_department, workflow_counts_by_department

    for department_id, (total, confirmed) in workflow_counts_by_department(
        department_ids=rows.keys()
    ).items():
        if department_id in rows:
            rows[department_id].workflows_total = total
            rows[department_id].workflows_confirmed = confirmed
    for department_id, figures in on_time_by_department(department_ids=rows.keys()).items():
        if department_id in rows:
            rows[department_id].on_time_percent = figures.on_time_percent


# The dashboard caches the heatmap; writes that change it outside the "latest changes" feed
# (content workflows, deliveries) bump this version so that it is rebuilt at once.
READINESS_VERSION_KEY = "rollout:readiness-version"


def readiness_version() -> str:
    from django.core.cache import cache

    return str(cache.get(READINESS_VERSION_KEY, 0))


def readiness_changed() -> None:
    import time

    from django.core.cache import cache

    cache.set(READINESS_VERSION_KEY, time.time_ns(), timeout=None)


def department_readiness(
    *,
    rollout: Rollout,
    departments: Iterable[Department] | None = None,
    today: datetime.date | None = None,
) -> ReadinessRows:
    """The readiness of each department (all of them, by name, when none are given) in a
    rollout: five queries (four when the departments are given), whatever their number."""
    today = today or timezone.localdate()
    if departments is None:
        chosen = list(Department.objects.only("id", "name", "parent_id").order_by("name"))
        ids = None
    else:
        chosen = list(departments)
        ids = [department.pk for department in chosen]
    rows = {department.pk: DepartmentReadiness(department=department) for department in chosen}
    if not rows:
        return ReadinessRows([], rollout=rollout)

    stakeholders = Stakeholder.objects.filter(
        rollout=rollout, person__is_active=True, person__department__isnull=False
    )
    if ids is not None:
        stakeholders = stakeholders.filter(person__department__in=ids)
    for entry in (
        stakeholders.values("person__department")
        .annotate(
            count=Count("pk"),
            average=Avg("attitude"),
            champions=Count("pk", filter=Q(attitude=Attitude.CHAMPION)),
            resistant=Count(
                "pk", filter=Q(attitude=RESISTANT_ATTITUDE, influence__gte=HIGH_INFLUENCE)
            ),
        )
        .order_by()
    ):
        row = rows.get(entry["person__department"])
        if row is not None:
            row.stakeholder_count = entry["count"]
            row.average_attitude = (
                round(float(entry["average"]), 2) if entry["average"] is not None else None
            )
            row.champion_count = entry["champions"]
            row.resistant_high_influence = entry["resistant"]

    tagged = Activity.departments.through.objects.filter(
        activity__phase__rollout=rollout, activity__status__in=OPEN_ACTIVITY_STATUSES
    )
    if ids is not None:
        tagged = tagged.filter(department_id__in=ids)
    for entry in (
        tagged.values("department_id")
        .annotate(
            open=Count("activity_id"),
            overdue=Count("activity_id", filter=Q(activity__due_date__lt=today)),
        )
        .order_by()
    ):
        row = rows.get(entry["department_id"])
        if row is not None:
            row.open_activities = entry["open"]
            row.overdue_activities = entry["overdue"]

    _add_content_signals(rows)
    _add_training_coverage(rows, rollout=rollout, ids=ids)
    _add_guideline_acknowledged(rows, ids=ids)
    _add_survey_readiness(rows, rollout=rollout, ids=ids)
    return ReadinessRows(rows.values(), rollout=rollout)


def add_training_coverage(row: DepartmentReadiness, *, rollout: Rollout) -> None:
    """Fill one department's training coverage (for `readiness_from_loaded`): one query."""
    _add_training_coverage({row.department.pk: row}, rollout=rollout, ids=[row.department.pk])


def _add_training_coverage(
    rows: dict[int, DepartmentReadiness], *, rollout: Rollout, ids: list[int] | None
) -> None:
    """Training coverage per department (guidelines.selectors.trainings): one grouped query."""
    for department_id, (trained, members) in figure_by_department(
        TRAINING_COVERAGE, rollout_id=rollout.pk, department_ids=ids
    ).items():
        row = rows.get(department_id)
        if row is not None and members:
            row.training_coverage_percent = 100 * trained // members


def add_guideline_acknowledged(row: DepartmentReadiness) -> None:
    """Fill one department's guideline acknowledgment (for `readiness_from_loaded`): one
    query."""
    _add_guideline_acknowledged({row.department.pk: row}, ids=[row.department.pk])


def _add_guideline_acknowledged(
    rows: dict[int, DepartmentReadiness], *, ids: list[int] | None
) -> None:
    """Acknowledged share of the guidelines in force per department
    (guidelines.selectors.guidelines): one grouped query."""
    for department_id, (acknowledged, asked) in figure_by_department(
        GUIDELINE_ACKNOWLEDGED, rollout_id=None, department_ids=ids
    ).items():
        row = rows.get(department_id)
        if row is not None and asked:
            row.guideline_acknowledged_percent = 100 * acknowledged // asked


def add_survey_readiness(row: DepartmentReadiness, *, rollout: Rollout) -> None:
    """Fill one department's survey readiness (for `readiness_from_loaded`): one query."""
    _add_survey_readiness({row.department.pk: row}, rollout=rollout, ids=[row.department.pk])


def _add_survey_readiness(
    rows: dict[int, DepartmentReadiness], *, rollout: Rollout, ids: list[int] | None
) -> None:
    """The survey scores per department with five answers or more (surveys/figures.py): one
    grouped query."""
    for department_id, scores in scores_by_department(
        SURVEY_READINESS, rollout_id=rollout.pk, department_ids=ids
    ).items():
        row = rows.get(department_id)
        if row is not None:
            row.survey_scores = scores
