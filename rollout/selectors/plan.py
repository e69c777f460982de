"""Reads of the rollout plan: the phase board, one row of it, a phase's counters and gate,
and the gate log. Each with a fixed number of queries, whatever the size of the company."""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    PHASE_ORDER,
    Activity,
    ActivityStatus,
    Department,
    GateCriterion,
    GateDecision,
    GateException,
    GateExceptionState,
    OpenActivities,
    Person,
    Phase,
    PhaseKind,
    PhaseStatus,
    Rollout,
    Stakeholder,
    User,
)
from rollout.selectors.core import CriterionState, RolloutSignals, Share, _criterion_state

# Rows shown per phase before "show more": keeps the board fast with thousands of activities.
BOARD_LIMIT = 20
BOARD_MAX_LIMIT = 800

STATUS_OPEN = "open"
STATUS_OVERDUE = "overdue"


@dataclass(frozen=True)
class BoardFilters:
    """What the board shows: all activities, or those of a department, an owner (words of
    their name or email address), without an owner, of a status, of a kind."""

    department: int | None = None
    owner: str = ""
    unowned: bool = False
    status: str = ""  # "", "open", "overdue" or an ActivityStatus
    kind: str = ""

    @property
    def active(self) -> bool:
        return bool(self.department or self.owner or self.unowned or self.status or self.kind)

    def apply(self, activities: QuerySet[Activity], today: datetime.date) -> QuerySet[Activity]:
        if self.department:
            activities = activities.filter(departments=self.department)
        if self.unowned:
            activities = activities.filter(owner__isnull=True)
        for word in self.owner.split():
            activities = activities.filter(
                Q(owner__first_name__icontains=word)
                | Q(owner__last_name__icontains=word)
                | Q(owner__email__icontains=word)
            )
        if self.status == STATUS_OPEN:
            activities = activities.filter(status__in=OPEN_ACTIVITY_STATUSES)
        elif self.status == STATUS_OVERDUE:
            activities = activities.filter(status__in=OPEN_ACTIVITY_STATUSES, due_date__lt=today)
        elif self.status:
            activities = activities.filter(status=self.status)
        if self.kind:
            activities = activities.filter(kind=self.kind)
        return activities


@dataclass
class PhaseCounts:
    """A phase's progress: cancelled activities do not count (but are in `all`)."""

    total: int = 0
    done: int = 0
    overdue: int = 0
    all: int = 0

    @property
    def percent_done(self) -> int:
        return Share(part=self.done, whole=self.total).percent


@dataclass
class BoardPhase:
    phase: Phase
    counts: PhaseCounts
    criteria: list[CriterionState]
    activities: list[Activity] = field(default_factory=list)
    matching: int = 0  # activities that match the filters, shown or not

    @property
    def hidden(self) -> int:
        return max(self.matching - len(self.activities), 0)

    @property
    def criteria_met(self) -> int:
        return sum(1 for state in self.criteria if state.is_met)

    @property
    def gate_met(self) -> bool:
        return all(state.is_met for state in self.criteria)

    # What `_criterion_state` reads from a phase summary.
    @property
    def done(self) -> int:
        return self.counts.done

    @property
    def total(self) -> int:
        return self.counts.total


@dataclass
class PlanBoard:
    rollout: Rollout
    phases: list[BoardPhase]
    filters: BoardFilters
    today: datetime.date
    limit: int

    @property
    def has_hidden(self) -> bool:
        return any(phase.hidden for phase in self.phases)

    @property
    def next_limit(self) -> int:
        return min(self.limit * 2, BOARD_MAX_LIMIT)

    @property
    def can_show_more(self) -> bool:
        return self.has_hidden and self.limit < BOARD_MAX_LIMIT


def _counts_by_phase(
    activities: QuerySet[Activity], today: datetime.date
) -> dict[int, PhaseCounts]:
    rows = (
        activities.order_by()
        .values("phase_id")
        .annotate(
            all=Count("pk"),
            total=Count("pk", filter=~Q(status=ActivityStatus.CANCELLED)),
            done=Count("pk", filter=Q(status=ActivityStatus.DONE)),
            overdue=Count("pk", filter=Q(status__in=OPEN_ACTIVITY_STATUSES, due_date__lt=today)),
        )
    )
    return {
        row["phase_id"]: PhaseCounts(
            total=row["total"], done=row["done"], overdue=row["overdue"], all=row["all"]
        )
        for row in rows
    }


def _attach_department_names(activities: list[Activity]) -> None:
    """Set `department_names` ("Marketing, Vertrieb") on each activity: one query for all of
    them, reading names only (an activity can concern dozens of departments)."""
    names: dict[int, list[str]] = {activity.pk: [] for activity in activities}
    links = (
        Activity.departments.through.objects.filter(activity_id__in=names)
        .order_by("department__name")
        .values_list("activity_id", "department__name")
    )
    for activity_id, name in links:
        names[activity_id].append(name)
    for activity in activities:
        activity.department_names = ", ".join(names[activity.pk])


def _criteria_prefetch() -> Prefetch:
    return Prefetch("criteria", queryset=GateCriterion.objects.order_by("position", "pk"))


def _panel(
    phase: Phase, counts: PhaseCounts, criteria: list[GateCriterion], signals: RolloutSignals
) -> BoardPhase:
    """A phase's counters and its criteria's states (a BoardPhase has what
    `_criterion_state` reads from a phase summary: phase, done, total)."""
    panel = BoardPhase(phase=phase, counts=counts, criteria=[])
    panel.criteria = [
        _criterion_state(criterion, panel, signals)  # type: ignore[arg-type]
        for criterion in criteria
    ]
    return panel


def plan_board(
    *,
    rollout: Rollout,
    filters: BoardFilters | None = None,
    today: datetime.date | None = None,
    limit: int = BOARD_LIMIT,
) -> PlanBoard:
    """The three phases with their counters, gate criteria and the first `limit` activities
    (in the plan's order) that match the filters.

    8 queries (9 when filtered), plus one per rollout-wide criterion kind in use: phases,
    criteria, counters, per phase the ids of the rows to show (a rollout always has three
    phases; each is a short index search, where one window function over thousands of rows
    would sort them all), the rows with their owners, their departments' names, and when
    filtered the number of matches per phase. (With nothing to show, the last two are
    skipped.)"""
    filters = filters or BoardFilters()
    today = today or timezone.localdate()
    limit = max(1, min(limit, BOARD_MAX_LIMIT))
    phases = list(
        Phase.objects.filter(rollout=rollout)
        .order_by("order")
        .prefetch_related(_criteria_prefetch())
    )
    phase_ids = [phase.pk for phase in phases]
    all_activities = Activity.objects.filter(phase_id__in=phase_ids)
    counts = _counts_by_phase(all_activities, today)
    signals = RolloutSignals(rollout.pk)
    panels = {}
    for phase in phases:
        phase.rollout = rollout
        panel = _panel(
            phase, counts.get(phase.pk, PhaseCounts()), list(phase.criteria.all()), signals
        )
        panel.matching = panel.counts.all
        panels[phase.pk] = panel
    matching = filters.apply(all_activities, today)
    if filters.active:
        for panel in panels.values():
            panel.matching = 0
        for row in matching.order_by().values("phase_id").annotate(n=Count("pk", distinct=True)):
            panels[row["phase_id"]].matching = row["n"]
    shown: list[int] = []
    for phase in phases:
        shown.extend(
            matching.filter(phase_id=phase.pk)
            .order_by("position", "pk")
            .values_list("pk", flat=True)[:limit]
        )
    rows = (
        Activity.objects.filter(pk__in=shown)
        .select_related("owner")
        .defer(
            "description", "created_at", "owner__job_title", "owner__created_at", "owner__language"
        )
        .order_by("position", "pk")
    )
    rows = list(rows)
    _attach_department_names(rows)
    for activity in rows:
        panel = panels[activity.phase_id]
        activity.phase = panel.phase
        panel.activities.append(activity)
        activity.overdue = activity.is_overdue(today)
        # Reordering is offered on the unfiltered board, where rows are the phase's first.
        activity.can_move_up = len(panel.activities) > 1
        activity.can_move_down = len(panel.activities) < panel.matching
    return PlanBoard(
        rollout=rollout,
        phases=[panels[phase.pk] for phase in phases],
        filters=filters,
        today=today,
        limit=limit,
    )


def plan_activity_row(*, pk: int, today: datetime.date | None = None) -> Activity | None:
    """One activity as a board row shows it, with whether it can move up or down: 2 queries."""
    today = today or timezone.localdate()
    siblings = Activity.objects.filter(phase=OuterRef("phase"))
    position, own_pk = OuterRef("position"), OuterRef("pk")
    activity = (
        Activity.objects.filter(pk=pk)
        .select_related("owner", "phase")
        .annotate(
            can_move_up=Exists(
                siblings.filter(Q(position__lt=position) | Q(position=position, pk__lt=own_pk))
            ),
            can_move_down=Exists(
                siblings.filter(Q(position__gt=position) | Q(position=position, pk__gt=own_pk))
            ),
        )
        .first()
    )
    if activity is not None:
        activity.overdue = activity.is_overdue(today)
        _attach_department_names([activity])
    return activity


def phase_panel(
    *,
    phase: Phase,
    today: datetime.date | None = None,
    signals: RolloutSignals | None = None,
) -> BoardPhase:
    """A phase's counters and gate criteria with their live values: 2 queries, plus one per
    rollout-wide criterion kind in use."""
    today = today or timezone.localdate()
    counts = _counts_by_phase(Activity.objects.filter(phase=phase), today)
    criteria = list(phase.criteria.order_by("position", "pk"))
    for criterion in criteria:
        criterion.phase = phase
    return _panel(
        phase,
        counts.get(phase.pk, PhaseCounts()),
        criteria,
        signals or RolloutSignals(phase.rollout_id),
    )


def phase_criteria_states(*, phase: Phase) -> list[CriterionState]:
    return phase_panel(phase=phase).criteria


@dataclass
class GateOverview:
    phase: Phase
    phases: list[Phase]
    panel: BoardPhase
    decisions: list[GateDecision]
    exception: GateException | None = None  # the phase's latest exception request

    @property
    def exception_pending(self) -> bool:
        return self.exception is not None and self.exception.state == GateExceptionState.PENDING

    @property
    def is_active(self) -> bool:
        return self.phase.status == PhaseStatus.ACTIVE

    @property
    def next_phase(self) -> Phase | None:
        return next((p for p in self.phases if p.order == self.phase.order + 1), None)

    @property
    def previous_phase(self) -> Phase | None:
        return next((p for p in self.phases if p.order == self.phase.order - 1), None)

    @property
    def is_last(self) -> bool:
        return self.next_phase is None

    @property
    def open_activities(self) -> int:
        """The phase's planned and in-progress activities (asked about when it is left)."""
        return self.panel.counts.total - self.panel.counts.done

    def dates_after_advance(self, today: datetime.date | None = None) -> list["PhaseDates"]:
        return phase_dates_after_advance(
            phases=self.phases, current=self.phase, today=today or timezone.localdate()
        )

    @cached_property
    def date_preview(self) -> list["PhaseDates"]:
        """What advancing today does to the dates (the next phases start earlier)."""
        return self.dates_after_advance()

    @property
    def earlier_phases(self) -> list["PhaseDates"]:
        """The next phases that would start earlier (with their new start date)."""
        return [
            change
            for change in self.date_preview
            if change.phase.pk != self.phase.pk
            and change.start_date is not None
            and change.start_date != change.phase.start_date
        ]

    @property
    def ends_today(self) -> "PhaseDates | None":
        return next((c for c in self.date_preview if c.phase.pk == self.phase.pk), None)

    @property
    def decision(self) -> GateDecision | None:
        return next((d for d in self.decisions if d.phase_id == self.phase.pk), None)


def open_activity_choices(*, has_next: bool) -> list[tuple[str, str]]:
    """What may happen to open activities: moving needs a next phase."""
    return [
        (value, label)
        for value, label in OpenActivities.choices
        if has_next or value != OpenActivities.MOVE
    ]


@dataclass(frozen=True)
class PhaseDates:
    """A phase's dates after an advance (only for phases whose dates change)."""

    phase: Phase
    start_date: datetime.date | None
    end_date: datetime.date | None


def phase_dates_after_advance(
    *, phases: list[Phase], current: Phase, today: datetime.date
) -> list[PhaseDates]:
    """The new dates when `current` is left on `today` (no query): it ends today when it was
    planned to end later, the next phase starts today, and the later phases move by as many
    days as the next one starts earlier, so each keeps its planned length (and the gaps
    between them). A later phase without dates stays without; nothing moves later (a late
    advance keeps the plan). Only the phases whose dates change are returned, in order."""
    changes: list[PhaseDates] = []
    if (
        current.end_date is not None
        and current.end_date > today
        and (current.start_date is None or current.start_date <= today)
    ):
        changes.append(PhaseDates(current, current.start_date, today))
    later = sorted((p for p in phases if p.order > current.order), key=lambda p: p.order)
    if not later:
        return changes
    following = later[0]
    planned_start = following.start_date or (
        current.end_date + datetime.timedelta(days=1) if current.end_date else None
    )
    shift = (
        planned_start - today
        if planned_start is not None and planned_start > today
        else datetime.timedelta(0)
    )
    for phase in later:
        start = phase.start_date - shift if phase.start_date else None
        end = phase.end_date - shift if phase.end_date else None
        if phase is following:
            start = today if start is None or start > today else start
            if end is not None and end < start:
                end = start
        if (start, end) != (phase.start_date, phase.end_date):
            changes.append(PhaseDates(phase, start, end))
    return changes


def gate_overview(*, phase: Phase, today: datetime.date | None = None) -> GateOverview:
    """A phase's gate (criteria, live values), its latest exception request and the rollout's
    gate log: 5 queries, plus one per rollout-wide criterion kind in use. `phase` comes with
    its rollout."""
    phases = list(Phase.objects.filter(rollout_id=phase.rollout_id).order_by("order"))
    return GateOverview(
        phase=phase,
        phases=phases,
        panel=phase_panel(phase=phase, today=today),
        decisions=gate_log(rollout_id=phase.rollout_id),
        exception=GateException.objects.filter(phase=phase)
        .select_related("sponsor", "requested_by", "decided_by")
        .order_by("-requested_at", "-pk")
        .first(),
    )


def open_activities_outcome(decision: GateDecision) -> str:
    """What happened to the phase's open activities when it was left ("" when none)."""
    count = decision.open_activities_count
    if not count or not decision.open_activities:
        return ""
    phase = decision.phase
    if decision.open_activities == OpenActivities.MOVE:
        kind = next((k for k, order in PHASE_ORDER.items() if order == phase.order + 1), None)
        return ngettext(
            "%(count)s open activity was moved to “%(next)s”.",
            "%(count)s open activities were moved to “%(next)s”.",
            count,
        ) % {"count": count, "next": PhaseKind(kind).label if kind else ""}
    if decision.open_activities == OpenActivities.CANCEL:
        return ngettext(
            "%(count)s open activity was cancelled.",
            "%(count)s open activities were cancelled.",
            count,
        ) % {"count": count}
    return ngettext(
        "%(count)s open activity was left in “%(phase)s”.",
        "%(count)s open activities were left in “%(phase)s”.",
        count,
    ) % {"count": count, "phase": phase.get_kind_display()}


def gate_log(*, rollout_id: int) -> list[GateDecision]:
    """Every gate decision of a rollout, oldest first, with the phase, who decided and what
    happened to its open activities (`open_activities_text`)."""
    decisions = list(
        GateDecision.objects.filter(phase__rollout_id=rollout_id)
        .select_related("phase", "decided_by", "exception__decided_by")
        .order_by("decided_at", "pk")
    )
    for decision in decisions:
        decision.open_activities_text = open_activities_outcome(decision)
    return decisions


def department_choices() -> list[tuple[int, str]]:
    """Every department for the board's filter: one query."""
    return list(Department.objects.order_by("name").values_list("pk", "name"))


def owner_candidates(*, rollout: Rollout, include: int | None = None) -> QuerySet[Person]:
    """Who may own an activity: department heads and deputies, the rollout's stakeholders and
    everyone with a role (plus the current owner) — a short list even in a large company."""
    with_role = User.groups.through.objects.values("user_id")
    query = (
        Q(pk__in=Department.objects.filter(head__isnull=False).values("head_id"))
        | Q(pk__in=Department.objects.filter(deputy__isnull=False).values("deputy_id"))
        | Q(pk__in=Stakeholder.objects.filter(rollout=rollout).values("person_id"))
        | Q(user_id__in=with_role)
    )
    candidates = Q(is_active=True) & query
    if include:
        candidates |= Q(pk=include)
    return (
        Person.objects.filter(candidates)
        .only("id", "first_name", "last_name")
        .order_by("last_name", "first_name", "pk")
    )


# --- The plan as a file -----------------------------------------------------------------------


def activity_export_rows(*, rollout: Rollout):
    """Every activity of the rollout, phase by phase, the column titles first (translated when
    the row is written); three queries whatever the number of activities."""
    yield [
        gettext_lazy("Phase"),
        gettext_lazy("Activity"),
        gettext_lazy("Kind"),
        gettext_lazy("Status"),
        gettext_lazy("Owner"),
        gettext_lazy("Departments"),
        gettext_lazy("Due"),
        gettext_lazy("Completed"),
    ]
    activities = (
        Activity.objects.filter(phase__rollout=rollout)
        .select_related("phase", "owner")
        .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("name")))
        .order_by("phase__order", "position", "pk")
    )
    for activity in activities.iterator(chunk_size=2000):
        owner = activity.owner
        yield [
            f"{activity.phase.order}. {activity.phase.get_kind_display()}",
            activity.title,
            activity.get_kind_display(),
            activity.get_status_display(),
            f"{owner.first_name} {owner.last_name}" if owner else "",
            ", ".join(department.name for department in activity.departments.all()),
            activity.due_date,
            activity.completed_at,
        ]
