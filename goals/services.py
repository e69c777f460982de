"""Every write of goals and their key figure values."""

import datetime
from decimal import Decimal

from django.db import transaction

from core.access import require_manager
from goals.models import Goal, GoalValue, ValueSource
from rollout.models import User

GOAL_FIELDS = (
    "company_goal",
    "department",
    "sub_goal",
    "key_figure",
    "baseline",
    "target",
    "start_date",
    "due_date",
    "owner",
)


def goal_save(*, goal: Goal, by: User) -> Goal:
    """Create or change a goal (the manager only)."""
    require_manager(by, action=True)
    goal.full_clean()
    with transaction.atomic():
        goal.save()
    return goal


def goal_value_record(
    *,
    goal: Goal,
    date: datetime.date,
    value: Decimal,
    source: str = ValueSource.MANUAL,
) -> GoalValue:
    """The key figure's value on a date; a second value for the same date replaces the first."""
    with transaction.atomic():
        row, _created = GoalValue.objects.update_or_create(
            goal=goal, date=date, defaults={"value": value, "source": source}
        )
    return row


def goal_values_import(
    *, goal: Goal, values: dict[datetime.date, Decimal], by: User
) -> tuple[int, int]:
    """Save imported values all at once (none on an error): (new, replaced)."""
    require_manager(by, action=True)
    with transaction.atomic():
        existing = set(
            GoalValue.objects.filter(goal=goal, date__in=list(values)).values_list(
                "date", flat=True
            )
        )
        GoalValue.objects.filter(goal=goal, date__in=existing).delete()
        GoalValue.objects.bulk_create(
            GoalValue(goal=goal, date=date, value=value, source=ValueSource.IMPORT)
            for date, value in sorted(values.items())
        )
    return len(values) - len(existing), len(existing)
