"""Reads for content workflows: the manager's overview, a workflow's page, the head's "My
department" page, and the service-level figures (on-time rate, median delay, open late
deliveries, the weekly trend). Each with a fixed number of queries whatever the data size.

A delivery counts once it is decided: delivered (on time when delivered by its due time), or
still open after its due time (late). Open deliveries not yet due are not counted. The median
delay is taken over the late deliveries that arrived only (how much later than due each came):
on-time ones would pull it to zero and hide how late the late ones are; an open late one is
not part of it either (it is counted under "open and late").
"""

import datetime
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rollout.models import (
    ContentDelivery,
    ContentWorkflow,
    Department,
    Person,
    User,
    WorkflowEvent,
    WorkflowRevision,
    WorkflowState,
)

TREND_WEEKS = 8
# The heatmap and the gate look at the deliveries requested in the last this many days.
SLA_WINDOW_DAYS = 90
DELIVERY_LIST_LIMIT = 50


# --- Service levels --------------------------------------------------------------------------


@dataclass
class SlaFigures:
    """Service levels of a set of deliveries."""

    on_time: int = 0
    counted: int = 0  # delivered, or open and past due
    open_late: int = 0
    open: int = 0
    delays: list[float] = field(default_factory=list)  # hours late, per late delivered one

    @property
    def on_time_percent(self) -> int | None:
        return 100 * self.on_time // self.counted if self.counted else None

    @property
    def late_delivered(self) -> int:
        return len(self.delays)

    @property
    def median_delay_hours(self) -> float | None:
        """The median of how late the late deliveries arrived; None without any."""
        return round(statistics.median(self.delays), 1) if self.delays else None

    def add(self, requested_at, due_at, delivered_at, now: datetime.datetime) -> None:
        if delivered_at is None:
            self.open += 1
            if now > due_at:
                self.open_late += 1
                self.counted += 1
            return
        self.counted += 1
        late = (delivered_at - due_at).total_seconds() / 3600
        if late <= 0:
            self.on_time += 1
        else:
            self.delays.append(late)


def _delivery_rows(queryset: QuerySet[ContentDelivery], *extra: str) -> Iterable[tuple]:
    return queryset.order_by().values_list("requested_at", "due_at", "delivered_at", *extra)


def sla_figures(
    *, deliveries: QuerySet[ContentDelivery], now: datetime.datetime | None = None
) -> SlaFigures:
    """The figures of a set of deliveries: one query."""
    now = now or timezone.now()
    figures = SlaFigures()
    for requested_at, due_at, delivered_at in _delivery_rows(deliveries):
        figures.add(requested_at, due_at, delivered_at, now)
    return figures


def sla_by(
    *, deliveries: QuerySet[ContentDelivery], key: str, now: datetime.datetime | None = None
) -> dict[int, SlaFigures]:
    """The figures grouped by `key` ("workflow_id" or "workflow__department_id"): one query."""
    now = now or timezone.now()
    grouped: dict[int, SlaFigures] = defaultdict(SlaFigures)
    for requested_at, due_at, delivered_at, group in _delivery_rows(deliveries, key):
        grouped[group].add(requested_at, due_at, delivered_at, now)
    return dict(grouped)


@dataclass
class TrendWeek:
    start: datetime.date
    figures: SlaFigures

    @property
    def label(self) -> str:
        year, week, _weekday = self.start.isocalendar()
        return _("Week %(week)s/%(year)s") % {"week": week, "year": year}

    @property
    def bar_width(self) -> int:
        """The bar's length in the SVG (0-100)."""
        return self.figures.on_time_percent or 0


def sla_trend(
    *,
    deliveries: QuerySet[ContentDelivery],
    now: datetime.datetime | None = None,
    weeks: int = TREND_WEEKS,
) -> list[TrendWeek]:
    """On-time figures per calendar week (by request date, local time) for the last `weeks`
    weeks, oldest first: one query."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    this_monday = today - datetime.timedelta(days=today.weekday())
    first = this_monday - datetime.timedelta(weeks=weeks - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    trend = {first + datetime.timedelta(weeks=index): SlaFigures() for index in range(weeks)}
    for requested_at, due_at, delivered_at in _delivery_rows(
        deliveries.filter(requested_at__gte=start)
    ):
        day = timezone.localtime(requested_at).date()
        monday = day - datetime.timedelta(days=day.weekday())
        if monday in trend:
            trend[monday].add(requested_at, due_at, delivered_at, now)
    return [TrendWeek(start=monday, figures=figures) for monday, figures in trend.items()]


def recent_deliveries(*, now: datetime.datetime | None = None) -> QuerySet[ContentDelivery]:
    now = now or timezone.now()
    return ContentDelivery.objects.filter(
        requested_at__gte=now - datetime.timedelta(days=SLA_WINDOW_DAYS)
    )


def open_late_deliveries(
    *, deliveries: QuerySet[ContentDelivery], now: datetime.datetime | None = None, limit: int = 20
) -> list[ContentDelivery]:
    """The open deliveries past due, the oldest first: one query."""
    now = now or timezone.now()
    return list(
        deliveries.filter(delivered_at__isnull=True, due_at__lt=now)
        .select_related("workflow", "workflow__department", "supplier")
        .order_by("due_at", "pk")[:limit]
    )


# --- Access ----------------------------------------------------------------------------------


def workflows_visible_to(*, user: User) -> QuerySet[ContentWorkflow]:
    """The manager sees every workflow; a head or deputy those of their departments."""
    if not user.is_authenticated:
        return ContentWorkflow.objects.none()
    if user.is_manager:
        return ContentWorkflow.objects.all()
    return ContentWorkflow.objects.filter(
        Q(department__head__user=user) | Q(department__deputy__user=user)
    )


def _with_revisions(queryset: QuerySet[ContentWorkflow]) -> QuerySet[ContentWorkflow]:
    return queryset.select_related(
        "department",
        "department__head",
        "department__deputy",
        "latest_revision",
        "confirmed_revision",
    )


# --- The manager's overview ------------------------------------------------------------------


@dataclass
class DepartmentWorkflows:
    department: Department
    workflows: list[ContentWorkflow]
    sla: SlaFigures

    @property
    def confirmed(self) -> int:
        return sum(1 for workflow in self.workflows if workflow.confirmed_revision_id)


@dataclass
class WorkflowOverview:
    departments: list[DepartmentWorkflows]
    open_late: list[ContentDelivery]
    trend: list[TrendWeek]
    total: SlaFigures
    waiting: int  # revisions waiting for a head's answer
    without: list[Department]  # departments with members but no workflow yet

    @property
    def workflow_count(self) -> int:
        return sum(len(entry.workflows) for entry in self.departments)


def workflow_overview(*, now: datetime.datetime | None = None) -> WorkflowOverview:
    """Every workflow by department with its state and service levels (last SLA_WINDOW_DAYS
    days), the open late deliveries, the weekly trend and the departments without a workflow:
    5 queries."""
    now = now or timezone.now()
    workflows = list(
        _with_revisions(ContentWorkflow.objects.all()).order_by("department__name", "title", "pk")
    )
    recent = recent_deliveries(now=now)
    per_workflow = sla_by(deliveries=recent, key="workflow_id", now=now)
    grouped: dict[int, DepartmentWorkflows] = {}
    total = SlaFigures()
    for workflow in workflows:
        workflow.sla = per_workflow.get(workflow.pk, SlaFigures())
        entry = grouped.get(workflow.department_id)
        if entry is None:
            entry = grouped[workflow.department_id] = DepartmentWorkflows(
                department=workflow.department, workflows=[], sla=SlaFigures()
            )
        entry.workflows.append(workflow)
        _merge(entry.sla, workflow.sla)
        _merge(total, workflow.sla)
    waiting = sum(
        1
        for workflow in workflows
        if workflow.latest_revision and workflow.latest_revision.state == WorkflowState.PROPOSED
    )
    return WorkflowOverview(
        departments=list(grouped.values()),
        open_late=open_late_deliveries(deliveries=ContentDelivery.objects.all(), now=now),
        trend=sla_trend(deliveries=ContentDelivery.objects.all(), now=now),
        total=total,
        waiting=waiting,
        without=list(
            Department.objects.filter(
                Exists(Person.objects.filter(department=OuterRef("pk"), is_active=True))
            )
            .exclude(Exists(ContentWorkflow.objects.filter(department=OuterRef("pk"))))
            .only("id", "name")
            .order_by("name")
        ),
    )


def _merge(into: SlaFigures, other: SlaFigures) -> None:
    into.on_time += other.on_time
    into.counted += other.counted
    into.open_late += other.open_late
    into.open += other.open
    into.delays.extend(other.delays)


# --- A workflow's page -----------------------------------------------------------------------

DIFF_FIELDS = (
    ("content", _("What is supplied")),
    ("trigger", _("Trigger")),
    ("suppliers", _("Suppliers")),
    ("turnaround", _("Turnaround")),
    ("channel", _("Channel")),
    ("channel_detail", _("Channel details")),
    ("escalation_contact", _("Asked when late")),
    ("notes", _("Notes")),
)


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


def _display(revision: WorkflowRevision, name: str) -> str:
    if name == "suppliers":
        return ", ".join(person.full_name for person in revision.suppliers.all()) or "\N{EN DASH}"
    if name == "turnaround":
        return revision.turnaround_label
    if name == "channel":
        return str(revision.get_channel_display())
    if name == "escalation_contact":
        contact = revision.escalation_contact
        return contact.full_name if contact else "\N{EN DASH}"
    return str(getattr(revision, name) or "\N{EN DASH}")


def revision_diff(before: WorkflowRevision, after: WorkflowRevision) -> list[FieldChange]:
    """What changed from one revision to another, field by field (suppliers and the contact
    must be loaded)."""
    changes = []
    for name, label in DIFF_FIELDS:
        old, new = _display(before, name), _display(after, name)
        if old != new:
            changes.append(FieldChange(label=str(label), before=old, after=new))
    return changes


@dataclass
class WorkflowPage:
    workflow: ContentWorkflow
    revisions: list[WorkflowRevision]  # newest first, each with `.changes` from the one before
    events: list[WorkflowEvent]
    deliveries: list[ContentDelivery]  # the newest DELIVERY_LIST_LIMIT
    delivery_count: int
    sla: SlaFigures
    trend: list[TrendWeek]
    now: datetime.datetime

    @property
    def in_force(self) -> WorkflowRevision | None:
        return next(
            (r for r in self.revisions if r.pk == self.workflow.confirmed_revision_id), None
        )

    @property
    def latest(self) -> WorkflowRevision | None:
        return self.revisions[0] if self.revisions else None

    @property
    def pending(self) -> WorkflowRevision | None:
        """The newest revision when it is not the one in force (a draft, waiting, or sent
        back)."""
        latest = self.latest
        if latest is None or latest.pk == self.workflow.confirmed_revision_id:
            return None
        return latest

    @property
    def suppliers(self) -> list[Person]:
        """The suppliers of the revision in force, else of the latest."""
        revision = self.in_force or self.latest
        return list(revision.suppliers.all()) if revision else []


def workflow_page(
    *, workflow: ContentWorkflow, now: datetime.datetime | None = None
) -> WorkflowPage:
    """Revisions with suppliers and diffs, the history, deliveries and service levels:
    8 queries."""
    now = now or timezone.now()
    revisions = list(
        WorkflowRevision.objects.filter(workflow=workflow)
        .select_related("escalation_contact", "decided_by")
        .prefetch_related(Prefetch("suppliers", queryset=Person.objects.order_by("last_name")))
        .order_by("-number")
    )
    for index, revision in enumerate(revisions):
        previous = revisions[index + 1] if index + 1 < len(revisions) else None
        revision.changes = revision_diff(previous, revision) if previous else []
    events = list(
        WorkflowEvent.objects.filter(workflow=workflow)
        .select_related("by", "on_behalf_of", "revision")
        .order_by("-at", "-pk")
    )
    deliveries = workflow.deliveries.all()
    return WorkflowPage(
        workflow=workflow,
        revisions=revisions,
        events=events,
        deliveries=list(
            deliveries.select_related("supplier", "logged_by").order_by("-requested_at", "-pk")[
                :DELIVERY_LIST_LIMIT
            ]
        ),
        delivery_count=deliveries.count(),
        sla=sla_figures(deliveries=deliveries, now=now),
        trend=sla_trend(deliveries=deliveries, now=now),
        now=now,
    )


# --- The head's page -------------------------------------------------------------------------


@dataclass
class MemberStatus:
    person: Person
    has_account: bool
    supplies: list[str]  # titles of workflows (in force or latest) the person supplies


@dataclass
class LedDepartment:
    department: Department
    waiting: list[ContentWorkflow]
    confirmed: list[ContentWorkflow]
    changes_requested: list[ContentWorkflow]
    drafts: list[ContentWorkflow]
    members: list[MemberStatus]
    sla: SlaFigures


def my_departments(*, user: User, now: datetime.datetime | None = None) -> list[LedDepartment]:
    """For a head or deputy: each department they lead, its workflows sorted into waiting for
    me, confirmed and changes I requested, its people with their status, and its service
    levels: 5 queries however many departments, workflows and people."""
    now = now or timezone.now()
    departments = list(
        Department.objects.filter(Q(head__user=user) | Q(deputy__user=user))
        .select_related("head", "deputy")
        .order_by("name")
    )
    ids = [department.pk for department in departments]
    workflows = list(
        _with_revisions(ContentWorkflow.objects.filter(department__in=ids)).order_by("title", "pk")
    )
    in_force_ids = [w.confirmed_revision_id or w.latest_revision_id for w in workflows]
    supplier_links = WorkflowRevision.suppliers.through.objects.filter(
        workflowrevision_id__in=[pk for pk in in_force_ids if pk]
    ).values_list("workflowrevision_id", "person_id")
    title_by_revision = {
        w.confirmed_revision_id or w.latest_revision_id: w.title for w in workflows
    }
    supplies: dict[int, list[str]] = defaultdict(list)
    for revision_id, person_id in supplier_links:
        supplies[person_id].append(title_by_revision[revision_id])
    members: dict[int, list[MemberStatus]] = defaultdict(list)
    for person in (
        Person.objects.filter(department__in=ids, is_active=True)
        .annotate(has_login=Exists(User.objects.filter(pk=OuterRef("user_id"), is_active=True)))
        .order_by("last_name", "first_name", "pk")
    ):
        members[person.department_id].append(
            MemberStatus(
                person=person,
                has_account=person.has_login,
                supplies=sorted(supplies.get(person.pk, [])),
            )
        )
    sla = sla_by(
        deliveries=recent_deliveries(now=now).filter(workflow__department__in=ids),
        key="workflow__department_id",
        now=now,
    )
    result = []
    for department in departments:
        mine = [w for w in workflows if w.department_id == department.pk]
        result.append(
            LedDepartment(
                department=department,
                waiting=[w for w in mine if w.latest_revision.state == WorkflowState.PROPOSED],
                confirmed=[w for w in mine if w.confirmed_revision_id],
                changes_requested=[
                    w for w in mine if w.latest_revision.state == WorkflowState.CHANGES_REQUESTED
                ],
                drafts=[w for w in mine if w.latest_revision.state == WorkflowState.DRAFT],
                members=members.get(department.pk, []),
                sla=sla.get(department.pk, SlaFigures()),
            )
        )
    return result


def my_workflow_card(*, user: User, pk: int) -> ContentWorkflow | None:
    """One workflow as the head's page shows it (after an inline answer): one query."""
    return _with_revisions(workflows_visible_to(user=user)).filter(pk=pk).first()


# --- Gate and heatmap ------------------------------------------------------------------------


def workflow_counts_by_department(
    *, department_ids: Iterable[int] | None = None
) -> dict[int, tuple[int, int]]:
    """Per department: (workflows, workflows with a revision in force): one grouped query."""
    queryset = ContentWorkflow.objects.all()
    if department_ids is not None:
        queryset = queryset.filter(department_id__in=list(department_ids))
    return {
        row["department_id"]: (row["total"], row["confirmed"])
        for row in queryset.values("department_id")
        .annotate(
            total=Count("pk"), confirmed=Count("pk", filter=Q(confirmed_revision__isnull=False))
        )
        .order_by()
    }


def on_time_by_department(
    *, department_ids: Iterable[int] | None = None, now: datetime.datetime | None = None
) -> dict[int, SlaFigures]:
    deliveries = recent_deliveries(now=now)
    if department_ids is not None:
        deliveries = deliveries.filter(workflow__department_id__in=list(department_ids))
    return sla_by(deliveries=deliveries, key="workflow__department_id", now=now)


def content_on_time_share(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """(on time, counted) over the deliveries of the last SLA_WINDOW_DAYS days: one aggregate
    query (the same rule as `SlaFigures`)."""
    from django.db.models import F

    now = now or timezone.now()
    counts = (
        recent_deliveries(now=now)
        .order_by()
        .aggregate(
            counted=Count("pk", filter=Q(delivered_at__isnull=False) | Q(due_at__lt=now)),
            on_time=Count("pk", filter=Q(delivered_at__lte=F("due_at"))),
        )
    )
    return counts["on_time"], counts["counted"]


# --- A supplier's page -----------------------------------------------------------------------


def supplier_open_requests(*, person: Person, limit: int = DELIVERY_LIST_LIMIT) -> list:
    """The open requests asked of a supplier under every workflow they still supply (those of
    the revision in force, else of the latest, whose supply link works), the earliest due
    first: one query."""
    from django.db.models.functions import Coalesce

    supplies = WorkflowRevision.suppliers.through.objects.filter(
        person_id=person.pk,
        workflowrevision_id=Coalesce(
            OuterRef("workflow__confirmed_revision_id"), OuterRef("workflow__latest_revision_id")
        ),
    )
    return list(
        ContentDelivery.objects.filter(supplier=person, delivered_at__isnull=True)
        .filter(Exists(supplies))
        .select_related("workflow", "workflow__department")
        .order_by("due_at", "pk")[:limit]
    )


def workflow_suppliers(*, workflow: ContentWorkflow) -> list[Person]:
    """The suppliers of the revision in force, else of the latest (one query)."""
    revision_id = workflow.confirmed_revision_id or workflow.latest_revision_id
    return list(
        Person.objects.filter(supplied_workflow_revisions=revision_id).order_by(
            "last_name", "first_name", "pk"
        )
    )


def revision_changes(
    *, revision: WorkflowRevision
) -> tuple[WorkflowRevision | None, list[FieldChange]]:
    """The revision before this one and what changed since, field by field: for the mail that
    asks the head to confirm a revised proposal (3 queries; none before the first)."""
    if revision.number <= 1:
        return None, []
    both = {
        r.number: r
        for r in WorkflowRevision.objects.filter(
            workflow_id=revision.workflow_id, number__in=[revision.number - 1, revision.number]
        )
        .select_related("escalation_contact")
        .prefetch_related(Prefetch("suppliers", queryset=Person.objects.order_by("last_name")))
    }
    previous, current = both.get(revision.number - 1), both.get(revision.number)
    if previous is None or current is None:
        return None, []
    return previous, revision_diff(previous, current)
