"""Department readiness: per department, the signals the data holds today, each with a level.

Only what exists is measured: stakeholders (count, average attitude, champions, resistant
stakeholders with high influence) and the rollout's activities tagged with the department
(open, overdue). Content workflows, guideline acknowledgments and trainings do not exist
yet; when they do, each adds

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

from django.db.models import Avg, Count, Q
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    Attitude,
    Department,
    Rollout,
    Stakeholder,
)

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
    # Later: content_workflow_confirmed: bool | None, guideline_acknowledged_percent:
    # int | None, training_coverage_percent: int | None (see the module docstring).

    @property
    def champion_present(self) -> bool:
        return self.champion_count > 0

    @property
    def signals(self) -> list[Signal]:
        """The signals in the heatmap's column order."""
        cells = []
        for column in READINESS_COLUMNS:
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
)


class ReadinessRows(list[DepartmentReadiness]):
    """The readiness of several departments (a list), with the figures for a text summary."""

    def __init__(self, rows: Iterable[DepartmentReadiness], *, rollout: Rollout) -> None:
        super().__init__(rows)
        self.rollout = rollout

    @property
    def columns(self) -> tuple[ReadinessColumn, ...]:
        return READINESS_COLUMNS

    @property
    def without_champion(self) -> int:
        return sum(1 for row in self if not row.champion_present)

    @property
    def with_overdue(self) -> int:
        return sum(1 for row in self if row.overdue_activities)

    @property
    def with_resistance(self) -> int:
        return sum(1 for row in self if row.resistant_high_influence)

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
    activities already loaded for its page (no query). The stakeholders must be the rollout's
    active people of the department, the activities the rollout's tagged with it."""
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
    return row


def department_readiness(
    *,
    rollout: Rollout,
    departments: Iterable[Department] | None = None,
    today: datetime.date | None = None,
) -> ReadinessRows:
    """The readiness of each department (all of them, by name, when none are given) in a
    rollout: three queries (two when the departments are given), whatever their number."""
    today = today or timezone.localdate()
    if departments is None:
        chosen = list(Department.objects.only("id", "name").order_by("name"))
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

    return ReadinessRows(rows.values(), rollout=rollout)
