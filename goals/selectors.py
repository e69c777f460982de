"""Reads of goals: the list with each goal's status, one goal's page, and the rollout's
verdict; a fixed number of queries whatever the number of goals and values."""

import datetime
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals.forecast import GoalStatus, Point, Verdict, goal_status, worst
from goals.models import Goal, GoalStory, GoalValue
from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    ActivityKind,
    GateException,
    GateExceptionState,
    Phase,
    PhaseStatus,
    Rollout,
    SuccessStory,
)


@dataclass
class GoalRow:
    goal: Goal
    points: list[Point]
    status: GoalStatus


def _goals(rollout: Rollout) -> QuerySet[Goal]:
    return (
        Goal.objects.filter(rollout=rollout)
        .select_related("department", "owner")
        .prefetch_related(
            Prefetch("values", queryset=GoalValue.objects.only("goal_id", "date", "value"))
        )
        .order_by("due_date", "pk")
    )


def _row(goal: Goal, today: datetime.date) -> GoalRow:
    points = [Point(v.date, v.value) for v in goal.values.all()]
    status = goal_status(
        points=points,
        baseline=goal.baseline,
        target=goal.target,
        due_date=goal.due_date,
        today=today,
    )
    return GoalRow(goal=goal, points=points, status=status)


def goal_rows(*, rollout: Rollout, today: datetime.date) -> list[GoalRow]:
    """Every goal of the rollout with its values and status: two queries."""
    return [_row(goal, today) for goal in _goals(rollout)]


def goal_row(*, goal_id: int, today: datetime.date) -> GoalRow | None:
    """One goal with its rollout, values and status: two queries."""
    goal = _goals_by_pk(goal_id)
    return _row(goal, today) if goal else None


def _goals_by_pk(goal_id: int) -> Goal | None:
    return (
        Goal.objects.filter(pk=goal_id)
        .select_related("rollout", "department", "owner")
        .prefetch_related(
            Prefetch("values", queryset=GoalValue.objects.only("goal_id", "date", "value"))
        )
        .first()
    )


@dataclass
class RolloutVerdict:
    verdict: Verdict
    reason: str


def rollout_verdict(
    *, rollout: Rollout, rows: list[GoalRow], today: datetime.date
) -> RolloutVerdict:
    """The rollout's verdict: the worst of its goals, and at risk when the active phase is
    past its end. One query."""
    verdict = worst([row.status.verdict for row in rows])
    overdue_phase = (
        Phase.objects.filter(rollout=rollout, status=PhaseStatus.ACTIVE, end_date__lt=today)
        .only("kind", "end_date")
        .first()
    )
    if not rows:
        reason = _("No goals with targets are set yet.")
        verdict = Verdict.AT_RISK
    else:
        counts = {v: sum(1 for r in rows if r.status.verdict == v) for v in Verdict}
        if verdict == Verdict.ON_TRACK:
            reason = ngettext(
                "The goal is on track.", "All %(count)s goals are on track.", len(rows)
            ) % {"count": len(rows)}
        else:
            reason = _("Goals: %(off)s off track, %(risk)s at risk, %(on)s on track.") % {
                "off": counts[Verdict.OFF_TRACK],
                "risk": counts[Verdict.AT_RISK],
                "on": counts[Verdict.ON_TRACK],
            }
    if overdue_phase is not None:
        if verdict == Verdict.ON_TRACK:
            verdict = Verdict.AT_RISK
            reason = ""
        reason = (
            reason
            + (" " if reason else "")
            + _("The phase “%(phase)s” was planned to end on %(date)s and its gate is still open.")
            % {
                "phase": overdue_phase.get_kind_display(),
                "date": formats.date_format(overdue_phase.end_date, "SHORT_DATE_FORMAT"),
            }
        )
    return RolloutVerdict(verdict=verdict, reason=reason)


@dataclass
class LeadershipOverview:
    rollout: Rollout
    rows: list[GoalRow]
    verdict: RolloutVerdict
    decisions: list[Activity]  # open resource requests: leadership decides them
    overdue_count: int  # open activities past their due date: the escalations
    stories: list[SuccessStory]
    milestones: list[Activity]
    signoffs: list[GateException] = field(default_factory=list)  # awaiting the sponsor


LEADERSHIP_LIST_LIMIT = 5


def leadership_overview(*, rollout: Rollout, today: datetime.date) -> LeadershipOverview:
    """Leadership's start page: the verdict, the goals against targets, what leadership must
    decide, the three latest success stories and the next milestones; nothing about
    individuals. A fixed number of queries."""
    rows = goal_rows(rollout=rollout, today=today)
    open_activities = Activity.objects.filter(
        phase__rollout=rollout, status__in=OPEN_ACTIVITY_STATUSES
    )
    decisions = list(
        open_activities.filter(kind=ActivityKind.RESOURCE_REQUEST)
        .only("title", "due_date")
        .order_by(F("due_date").asc(nulls_last=True), "pk")[:LEADERSHIP_LIST_LIMIT]
    )
    overdue_count = open_activities.filter(due_date__lt=today).count()
    stories = list(
        SuccessStory.objects.filter(rollout=rollout)
        .select_related("department", "goal_link__goal")
        .order_by("-date", "-pk")[:3]
    )
    milestones = list(
        open_activities.filter(kind=ActivityKind.MILESTONE, due_date__gte=today)
        .only("title", "due_date")
        .order_by("due_date", "pk")[:LEADERSHIP_LIST_LIMIT]
    )
    signoffs = list(
        GateException.objects.filter(phase__rollout=rollout, state=GateExceptionState.PENDING)
        .select_related("phase")
        .order_by("requested_at", "pk")[:LEADERSHIP_LIST_LIMIT]
    )
    return LeadershipOverview(
        rollout=rollout,
        signoffs=signoffs,
        rows=rows,
        verdict=rollout_verdict(rollout=rollout, rows=rows, today=today),
        decisions=decisions,
        overdue_count=overdue_count,
        stories=stories,
        milestones=milestones,
    )


def goal_of_story(story: SuccessStory) -> Goal | None:
    """The goal a story moves (stories loaded with `goal_link__goal`)."""
    try:
        return story.goal_link.goal
    except GoalStory.DoesNotExist:
        return None


def goal_stories(*, goal: Goal) -> list[SuccessStory]:
    """The success stories that move the goal, newest first: one query."""
    return list(
        SuccessStory.objects.filter(goal_link__goal=goal)
        .select_related("department")
        .order_by("-date", "-pk")
    )
