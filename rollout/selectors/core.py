"""Reads that span relations, each with a fixed number of queries whatever the data size."""

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from rollout.figures import (
    GUIDELINE_ACKNOWLEDGED,
    GUIDELINE_APPROVED,
    SURVEY_READINESS,
    TRAINING_COVERAGE,
    figure_total,
    scores_by_department,
)
from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    ActivityStatus,
    Attitude,
    CriterionKind,
    Department,
    GateCriterion,
    Person,
    Phase,
    PhaseStatus,
    Rollout,
    Stakeholder,
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


def rollout_visible_cached(*, user: User, pk: int, request: object = None) -> Rollout | None:
    """The rollout `pk` with its sponsor if `user` may see it, else None: kept in the cache
    until the data changes (rollout/freshness.py), so the workspace pages usually need no
    query to check access. (Who sees a rollout depends on the role only.)"""
    if not (user.is_manager or user.is_leadership):
        return None
    return _cached_per_version(
        f"rollout:{int(pk)}",
        request,
        lambda: rollouts_visible_to(user=user).select_related("sponsor").filter(pk=pk).first(),
    )


def rollout_current_cached(*, user: User, request: object = None) -> Rollout | None:
    """`rollout_current` for the navigation of every page: kept in the cache until the data
    changes (rollout/freshness.py), so a page view usually needs no query for it."""
    if not (user.is_manager or user.is_leadership):
        return None
    # Both roles see every rollout (`rollouts_visible_to`): one entry serves them all.
    return _cached_per_version("rollout-current", request, lambda: rollout_current(user=user))


def _cached_per_version(name: str, request: object, load: Callable[[], Any]) -> Any:
    """`load()`, kept in the cache under the data version (None is cached too); loaded
    directly when the cache cannot be reached."""
    from django.conf import settings
    from django.core.cache import cache

    from core.freshness import request_data_version

    version = request_data_version(request)
    if version is None:
        return load()
    key = f"{name}:{version}"
    try:
        found = cache.get(key)
    except Exception:  # the cache is down
        return load()
    if found is None:
        found = load()
        with contextlib.suppress(Exception):
            cache.set(key, found if found is not None else 0, settings.PAGE_CACHE_SECONDS)
    return found or None


@dataclass
class CriterionState:
    criterion: GateCriterion
    value: int | None  # percentage for computed criteria
    is_met: bool
    # What the percentage counts (e.g. 3 of 4 departments); None for manual criteria.
    part: int | None = None
    whole: int | None = None


@dataclass(frozen=True)
class Share:
    """`part` of `whole`, as a whole percentage rounded down, so that "90 %" is never shown
    for 89.6 % and `reaches(90)` is exact."""

    part: int
    whole: int

    @property
    def percent(self) -> int:
        return 100 * self.part // self.whole if self.whole else 0

    def reaches(self, threshold: int) -> bool:
        if not self.whole:
            return threshold == 0
        return 100 * self.part >= threshold * self.whole


class RolloutSignals:
    """The rollout-wide values gate criteria are computed from. Each is one aggregate query,
    run only when a criterion first asks for it and then cached on this object."""

    def __init__(self, rollout_id: int) -> None:
        self.rollout_id = rollout_id

    @cached_property
    def champion_coverage(self) -> Share:
        """Departments with active members, and how many of them have at least one active
        member who is a champion stakeholder of this rollout: one query."""
        members = Person.objects.filter(department=OuterRef("pk"), is_active=True)
        # Not correlated: the database finds the champions' departments once.
        with_champion = Stakeholder.objects.filter(
            rollout_id=self.rollout_id, attitude=Attitude.CHAMPION, person__is_active=True
        ).values("person__department_id")
        counts = (
            Department.objects.filter(Exists(members))
            .order_by()
            .aggregate(whole=Count("pk"), part=Count("pk", filter=Q(pk__in=with_champion)))
        )
        return Share(part=counts["part"], whole=counts["whole"])

    @cached_property
    def support_share(self) -> Share:
        """The rollout's stakeholders, and how many of them are supportive or champions."""
        counts = (
            Stakeholder.objects.filter(rollout_id=self.rollout_id)
            .order_by()
            .aggregate(
                whole=Count("pk"), part=Count("pk", filter=Q(attitude__gte=Attitude.SUPPORTIVE))
            )
        )
        return Share(part=counts["part"], whole=counts["whole"])

    @cached_property
    def workflows_confirmed(self) -> Share:
        """Departments with content workflows, and how many of them have every workflow
        confirmed (a revision in force): one query."""
        from rollout.selectors.workflows import workflow_counts_by_department

        counts = workflow_counts_by_department().values()
        return Share(
            part=sum(1 for total, confirmed in counts if total and confirmed == total),
            whole=sum(1 for total, _ in counts if total),
        )

    @cached_property
    def content_on_time(self) -> Share:
        """Content deliveries of the last 90 days that are due or delivered, and how many of
        them arrived on time: one aggregate query."""
        from rollout.selectors.workflows import content_on_time_share

        on_time, counted = content_on_time_share()
        return Share(part=on_time, whole=counted)

    @cached_property
    def guideline_acknowledged(self) -> Share:
        """Requests of the guideline versions in force (active people), and how many of them
        are acknowledged (guidelines.selectors.guidelines): one aggregate query."""
        acknowledged, asked = figure_total(GUIDELINE_ACKNOWLEDGED, rollout_id=self.rollout_id)
        return Share(part=acknowledged, whole=asked)

    @cached_property
    def guideline_approved(self) -> Share:
        """Whether a guideline version is agreed with the works council (approved, in force
        or superseded): one query. Met by the approval itself, never by a tick."""
        approved, counted = figure_total(GUIDELINE_APPROVED, rollout_id=self.rollout_id)
        return Share(part=approved, whole=counted or 1)

    @cached_property
    def training_coverage(self) -> Share:
        """Active people in a department, and how many of them attended a workshop, webinar
        or coaching session of this rollout (guidelines.selectors.trainings): one query."""
        trained, to_train = figure_total(TRAINING_COVERAGE, rollout_id=self.rollout_id)
        return Share(part=trained, whole=to_train)

    @cached_property
    def survey_scores(self) -> dict[int, dict[str, Any]]:
        """Per department with five answers or more in its latest survey result, the mean
        score per dimension (surveys/figures.py): one grouped query."""
        return scores_by_department(
            SURVEY_READINESS, rollout_id=self.rollout_id, department_ids=None
        )

    def survey_score(self, dimension: str, min_score: Any) -> Share:
        """The departments with a survey result of five answers or more, and how many of them
        reach `min_score` in `dimension` (the mean as shown, to one decimal)."""
        scores = [values.get(dimension) for values in self.survey_scores.values()]
        counted = [score for score in scores if score is not None]
        return Share(
            part=sum(1 for score in counted if min_score is not None and score >= min_score),
            whole=len(counted),
        )


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
        # Rounded down, like the gate criterion: 99.5 % is not 100 %.
        return 100 * self.done // countable if countable else 0

    @property
    def gate_met(self) -> bool:
        return all(state.is_met for state in self.criteria)


@dataclass
class RolloutDashboard:
    rollout: Rollout
    phases: list[PhaseSummary]
    current: PhaseSummary | None
    overdue: list[Activity]  # the first DASHBOARD_LIST_LIMIT
    due_this_week: list[Activity]  # the first DASHBOARD_LIST_LIMIT
    today: datetime.date

    @property
    def overdue_total(self) -> int:
        return sum(summary.overdue for summary in self.phases)


def _activities_queryset() -> QuerySet[Activity]:
    return Activity.objects.select_related("owner").prefetch_related(
        Prefetch("departments", queryset=Department.objects.only("id", "name"))
    )


DASHBOARD_LIST_LIMIT = 10


def rollout_dashboard(
    *, rollout: Rollout, today: datetime.date | None = None, limit: int = DASHBOARD_LIST_LIMIT
) -> RolloutDashboard:
    """Phase progress from one aggregate, the gate criteria, and the first overdue and
    due-this-week activities: a fixed number of queries, whatever the rollout's size.
    The full list of activities is the phase board's job."""
    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=7)
    phases = list(
        Phase.objects.filter(rollout=rollout)
        .order_by("order")
        .prefetch_related(
            Prefetch("criteria", queryset=GateCriterion.objects.order_by("position", "pk"))
        )
    )
    counts = {
        row["phase_id"]: row
        for row in Activity.objects.filter(phase__rollout=rollout)
        .exclude(status=ActivityStatus.CANCELLED)
        .values("phase_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=ActivityStatus.DONE)),
            overdue=Count("id", filter=Q(status__in=OPEN_ACTIVITY_STATUSES, due_date__lt=today)),
        )
    }
    summaries = []
    signals = RolloutSignals(rollout.pk)
    for phase in phases:
        row = counts.get(phase.pk, {})
        summary = PhaseSummary(
            phase=phase,
            activities=[],
            total=row.get("total", 0),
            done=row.get("done", 0),
            overdue=row.get("overdue", 0),
        )
        summary.criteria = [
            _criterion_state(criterion, summary, signals) for criterion in phase.criteria.all()
        ]
        summaries.append(summary)
    current = next((s for s in summaries if s.phase.status == PhaseStatus.ACTIVE), None)
    open_due = _activities_queryset().filter(
        phase__rollout=rollout, status__in=OPEN_ACTIVITY_STATUSES, due_date__isnull=False
    )
    return RolloutDashboard(
        rollout=rollout,
        phases=summaries,
        current=current,
        overdue=list(open_due.filter(due_date__lt=today).order_by("due_date", "pk")[:limit]),
        due_this_week=list(
            open_due.filter(due_date__gte=today, due_date__lte=week_end).order_by("due_date", "pk")[
                :limit
            ]
        ),
        today=today,
    )


def dashboard_activity(*, activity_id: int) -> Activity:
    """One activity as the dashboard lists it (owner and departments loaded)."""
    return _activities_queryset().get(pk=activity_id)


def _by_due(activity: Activity) -> tuple[datetime.date, int]:
    return (activity.due_date, activity.pk)


def _criterion_state(
    criterion: GateCriterion, summary: PhaseSummary, signals: RolloutSignals | None = None
) -> CriterionState:
    """A criterion's live value and whether it is met. The phase's own counts come from
    `summary`; rollout-wide values from `signals` (pass one per page, so that each value is
    queried once however many criteria use it)."""
    if criterion.kind == CriterionKind.MANUAL:
        return CriterionState(criterion, None, criterion.is_checked)
    if criterion.kind == CriterionKind.ACTIVITIES_DONE:
        share = Share(part=summary.done, whole=summary.total)
    elif criterion.kind == CriterionKind.SURVEY_SCORE:
        signals = signals or RolloutSignals(summary.phase.rollout_id)
        share = signals.survey_score(criterion.dimension, criterion.min_score)
    else:
        signals = signals or RolloutSignals(summary.phase.rollout_id)
        # Every computed kind is a `RolloutSignals` property of the same name.
        share = getattr(signals, criterion.kind, None)
        if not isinstance(share, Share):
            return CriterionState(criterion, None, False)
    return CriterionState(
        criterion,
        share.percent,
        share.reaches(criterion.threshold or 0),
        part=share.part,
        whole=share.whole,
    )


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
