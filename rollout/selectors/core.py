"""Reads that span relations, each with a fixed number of queries whatever the data size."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    ActivityStatus,
    CriterionKind,
    Department,
    GateCriterion,
    Person,
    Phase,
    PhaseStatus,
    Rollout,
    User,
)


def rollouts_visible_to(*, user: User) -> QuerySet[Rollout]:
    """Rollouts a user may see: all for the manager and leadership, none for anyone else."""
    if user.is_manager or user.is_leadership:
        return Rollout.objects.all()
    return Rollout.objects.none()


def rollout_current(*, user: User) -> Rollout | None:
    """The rollout the user most likely means: the newest one that is not finished."""
    rollouts = rollouts_visible_to(user=user)
    return (
        rollouts.filter(phases__status__in=[PhaseStatus.ACTIVE, PhaseStatus.PLANNED])
        .distinct()
        .order_by("-start_date", "-pk")
        .first()
        or rollouts.order_by("-start_date", "-pk").first()
    )


@dataclass
class CriterionState:
    criterion: GateCriterion
    value: int | None  # percentage for computed criteria
    is_met: bool


@dataclass
class PhaseSummary:
    phase: Phase
    activities: list[Activity]
    total: int
    done: int
    overdue: int
    criteria: list[CriterionState] = field(default_factory=list)

    @property
    def percent_done(self) -> int:
        countable = self.total
        return round(100 * self.done / countable) if countable else 0

    @property
    def gate_met(self) -> bool:
        return all(state.is_met for state in self.criteria)


@dataclass
class RolloutDashboard:
    rollout: Rollout
    phases: list[PhaseSummary]
    current: PhaseSummary | None
    overdue: list[Activity]
    due_this_week: list[Activity]
    today: datetime.date


def _activities_queryset() -> QuerySet[Activity]:
    return Activity.objects.select_related("owner").prefetch_related(
        Prefetch("departments", queryset=Department.objects.only("id", "name"))
    )


def rollout_dashboard(*, rollout: Rollout, today: datetime.date | None = None) -> RolloutDashboard:
    """Phases with their activities, progress, overdue items and gate criteria: 5 queries."""
    today = today or timezone.localdate()
    phases = list(
        Phase.objects.filter(rollout=rollout)
        .order_by("order")
        .prefetch_related(
            Prefetch("activities", queryset=_activities_queryset().order_by("position", "pk")),
            Prefetch("criteria", queryset=GateCriterion.objects.order_by("position", "pk")),
        )
    )
    summaries = []
    for phase in phases:
        activities = list(phase.activities.all())
        counted = [a for a in activities if a.status != ActivityStatus.CANCELLED]
        done = sum(1 for a in counted if a.status == ActivityStatus.DONE)
        summary = PhaseSummary(
            phase=phase,
            activities=activities,
            total=len(counted),
            done=done,
            overdue=sum(1 for a in counted if a.is_overdue(today)),
        )
        summary.criteria = [
            _criterion_state(criterion, summary) for criterion in phase.criteria.all()
        ]
        summaries.append(summary)
    current = next((s for s in summaries if s.phase.status == PhaseStatus.ACTIVE), None)
    open_activities = [
        a for s in summaries for a in s.activities if a.is_open and a.due_date is not None
    ]
    week_end = today + datetime.timedelta(days=7)
    return RolloutDashboard(
        rollout=rollout,
        phases=summaries,
        current=current,
        overdue=sorted((a for a in open_activities if a.due_date < today), key=_by_due),
        due_this_week=sorted(
            (a for a in open_activities if today <= a.due_date <= week_end), key=_by_due
        ),
        today=today,
    )


def _by_due(activity: Activity) -> tuple[datetime.date, int]:
    return (activity.due_date, activity.pk)


def _criterion_state(criterion: GateCriterion, summary: PhaseSummary) -> CriterionState:
    if criterion.kind == CriterionKind.ACTIVITIES_DONE:
        value = summary.percent_done
        return CriterionState(criterion, value, value >= (criterion.threshold or 0))
    return CriterionState(criterion, None, criterion.is_checked)


@dataclass
class DepartmentOverview:
    department: Department
    members: list[Person]
    activities: list[Activity]
    today: datetime.date


def departments_led_by(*, user: User) -> QuerySet[Department]:
    """Departments whose head or deputy is this user's directory entry."""
    return Department.objects.filter(Q(head__user=user) | Q(deputy__user=user)).select_related(
        "head", "deputy", "parent"
    )


def department_overview(
    *, department: Department, today: datetime.date | None = None
) -> DepartmentOverview:
    """Members and the activities that concern a department: 3 queries."""
    members = list(department.members.filter(is_active=True).order_by("last_name", "first_name"))
    activities = list(
        _activities_queryset()
        .filter(departments=department)
        .select_related("phase", "phase__rollout")
        .order_by("due_date", "pk")
    )
    return DepartmentOverview(
        department=department,
        members=members,
        activities=activities,
        today=today or timezone.localdate(),
    )


def activities_owned_by(*, person: Person) -> QuerySet[Activity]:
    return (
        _activities_queryset()
        .filter(owner=person)
        .select_related("phase", "phase__rollout")
        .order_by("status", "due_date", "pk")
    )


def rollout_list(*, user: User) -> QuerySet[Rollout]:
    """Rollouts with the counts the list shows: one query."""
    return (
        rollouts_visible_to(user=user)
        .select_related("sponsor")
        .annotate(
            activity_count=Count("phases__activities", distinct=True),
            open_count=Count(
                "phases__activities",
                filter=Q(phases__activities__status__in=OPEN_ACTIVITY_STATUSES),
                distinct=True,
            ),
        )
        .order_by("-start_date", "-pk")
    )
