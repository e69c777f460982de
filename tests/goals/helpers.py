"""Goals made for tests: a goal of the cast's rollout with weekly values."""

import datetime
from decimal import Decimal

from django.utils import timezone

from goals.models import Goal, GoalValue, SubGoal


def make_goal(rollout, *, weeks: int = 0, per_week: int = 20, **fields) -> Goal:
    today = timezone.localdate()
    start = today - datetime.timedelta(weeks=max(weeks, 1))
    values = {
        "company_goal": "Mehr qualifizierte Bewerbungen",
        "sub_goal": SubGoal.EMPLOYER_BRANDING,
        "key_figure": "LinkedIn-Follower",
        "baseline": Decimal(1000),
        "target": Decimal(2000),
        "start_date": start,
        "due_date": today + datetime.timedelta(days=180),
        **fields,
    }
    goal = Goal.objects.create(rollout=rollout, **values)
    GoalValue.objects.bulk_create(
        GoalValue(
            goal=goal,
            date=start + datetime.timedelta(weeks=week),
            value=goal.baseline + per_week * week,
        )
        for week in range(weeks)
    )
    return goal
