"""Reads of the guidelines: the list, a version with its questions, the acknowledgment page,
the compliance report, and the shares the dashboard, gates and readiness heatmap show. Each
runs a fixed number of queries, whatever the number of people."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from guidelines.markdown import CHANGED, SectionChange, section_diff
from guidelines.models import (
    PUBLISHED_STATUSES,
    Acknowledgment,
    AcknowledgmentRequest,
    Guideline,
    GuidelineVersion,
    VersionStatus,
)

# The compliance page lists at most this many people missing; the CSV has all of them.
MISSING_LIST_LIMIT = 200


def guideline_list(*, in_force_only: bool = False) -> list[Guideline]:
    """Every guideline with its versions (newest first) as `version_list`: 2 queries.
    `in_force_only` (department heads): only the versions in force or superseded, and only
    the guidelines that have one (a guideline still in draft is not shown at all)."""
    versions = GuidelineVersion.objects.order_by("-number")
    guidelines = Guideline.objects.all()
    if in_force_only:
        versions = versions.filter(status__in=PUBLISHED_STATUSES)
        guidelines = guidelines.filter(
            Exists(
                GuidelineVersion.objects.filter(
                    guideline=OuterRef("pk"), status__in=PUBLISHED_STATUSES
                )
            )
        )
    return list(
        guidelines.prefetch_related(
            Prefetch("versions", queryset=versions, to_attr="version_list")
        ).order_by("title")
    )


def version_detail(*, queryset: QuerySet[GuidelineVersion], pk: int) -> GuidelineVersion:
    """A version with its guideline, questions and scope departments: 3 queries. Raises
    GuidelineVersion.DoesNotExist."""
    return (
        queryset.select_related("guideline", "published_by", "supersedes")
        .prefetch_related("questions", "scope_departments")
        .get(pk=pk)
    )


def version_previous(*, version: GuidelineVersion) -> GuidelineVersion | None:
    """The version this one is compared with: the one it superseded, or else the latest
    version before it that was in force (1 query)."""
    if version.supersedes_id:
        return GuidelineVersion.objects.filter(pk=version.supersedes_id).first()
    return (
        GuidelineVersion.objects.filter(
            guideline_id=version.guideline_id,
            number__lt=version.number,
            status__in=[VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED],
        )
        .order_by("-number")
        .first()
    )


def version_current(*, guideline_id: int) -> GuidelineVersion | None:
    return GuidelineVersion.objects.filter(
        guideline_id=guideline_id, status=VersionStatus.PUBLISHED
    ).first()


# --- The acknowledgment page -------------------------------------------------------------------


@dataclass
class AcknowledgmentPage:
    """What a person sees behind their link."""

    request: AcknowledgmentRequest
    version: GuidelineVersion
    acknowledgment: Acknowledgment | None
    changes: list[SectionChange]  # for a re-acknowledgment: the changed sections, first
    questions: list

    @property
    def is_update(self) -> bool:
        return bool(self.changes)


def acknowledgment_request_for(*, person_id: int, version_id: int) -> AcknowledgmentRequest | None:
    """The person's request for the version, with version, guideline, person and the
    acknowledgment if any: 1 query. None when the person is not in the version's scope."""
    found = list(
        AcknowledgmentRequest.objects.select_related(
            "version__guideline", "person", "person__user", "acknowledgment"
        )
        .filter(person_id=person_id, version_id=version_id)
        .order_by()[:1]
    )
    return found[0] if found else None


def acknowledgment_page(*, request: AcknowledgmentRequest) -> AcknowledgmentPage:
    """The page behind the link: 1 more query (the questions; none when acknowledged), 1 for
    an update (did the person acknowledge an earlier version?) and the first time a process
    shows an update, 1 for the text it replaced."""
    version = request.version
    try:
        acknowledgment = request.acknowledgment
    except Acknowledgment.DoesNotExist:
        acknowledgment = None
    changes: list[SectionChange] = []
    if (
        version.supersedes_id is not None
        and acknowledgment is None
        and _acknowledged_an_earlier_version(request)
    ):
        # Only someone who knows an earlier text is shown what changed; anyone else (a new
        # joiner) reads the whole text.
        changes = [change for change in _cached_diff(version) if change.is_change]
    questions = list(version.questions.all()) if acknowledgment is None else []
    return AcknowledgmentPage(
        request=request,
        version=version,
        acknowledgment=acknowledgment,
        changes=changes,
        questions=questions,
    )


def _acknowledged_an_earlier_version(request: AcknowledgmentRequest) -> bool:
    """1 query."""
    return (
        Acknowledgment.objects.filter(
            person_id=request.person_id,
            version__guideline_id=request.version.guideline_id,
        )
        .exclude(version_id=request.version_id)
        .exists()
    )


_DIFF_CACHE: dict[tuple, list[SectionChange]] = {}


def _cached_diff(new: GuidelineVersion) -> list[SectionChange]:
    """A published text does not change, nor does the one it superseded: their diff (with
    its rendered HTML) is made once per process, loading the old text only then (1 query)."""
    key = (new.pk, new.supersedes_id, new.updated_at, new.body)
    diff = _DIFF_CACHE.get(key)
    if diff is None:
        old = GuidelineVersion.objects.only("body").get(pk=new.supersedes_id)
        if len(_DIFF_CACHE) > 64:
            _DIFF_CACHE.clear()
        diff = section_diff(old.body, new.body)
        _DIFF_CACHE[key] = diff
    return diff


def version_diff(*, old: GuidelineVersion, new: GuidelineVersion) -> list[SectionChange]:
    return section_diff(old.body, new.body)


def changed_count(changes: list[SectionChange]) -> int:
    return sum(1 for change in changes if change.kind == CHANGED)


# --- Compliance ---------------------------------------------------------------------------------


@dataclass
class ComplianceRow:
    """Acknowledged, pending and overdue for one department (or overall: `department_id`
    None and `name` empty), of the people still with the company (`total`); the people asked
    who have left since are counted apart (`left`), neither missing nor overdue."""

    department_id: int | None
    name: str
    total: int = 0
    acknowledged: int = 0
    pending: int = 0
    overdue: int = 0
    left: int = 0

    @property
    def percent(self) -> int:
        return 100 * self.acknowledged // self.total if self.total else 0


@dataclass
class ComplianceReport:
    version: GuidelineVersion
    overall: ComplianceRow
    departments: list[ComplianceRow]
    missing: list[AcknowledgmentRequest]  # the first MISSING_LIST_LIMIT, by department and name
    missing_total: int
    department_id: int | None  # the filter, if any
    is_overdue: bool
    today: datetime.date = field(default_factory=timezone.localdate)
    # The people asked who have left since (the first MISSING_LIST_LIMIT), and how many.
    left: list[AcknowledgmentRequest] = field(default_factory=list)
    left_total: int = 0


def _acknowledged() -> Exists:
    return Exists(Acknowledgment.objects.filter(request_id=OuterRef("pk")))


def overdue_q(version: GuidelineVersion, today: datetime.date) -> Q:
    """Requests past their date (a joiner's own, else the version's), whether acknowledged
    or not."""
    own = Q(due_on__lt=today)
    return own | Q(due_on__isnull=True) if version.is_overdue(today) else own


def request_status(item: AcknowledgmentRequest, today: datetime.date) -> str:
    """ "left", "acknowledged", "overdue" or "pending" (person, version and acknowledgment
    loaded with the request)."""
    if not item.person.is_active:
        return "left"
    if getattr(item, "acknowledgment", None) is not None:
        return "acknowledged"
    due = item.due
    return "overdue" if due is not None and due < today else "pending"


def compliance_report(
    *,
    version: GuidelineVersion,
    department_id: int | None = None,
    department_ids: list[int] | None = None,
    today: datetime.date | None = None,
) -> ComplianceReport:
    """Per department and overall, the people still missing (optionally of one department)
    and those who have left since they were asked, of everyone or of `department_ids` only:
    2 queries, 3 when someone asked has left, whatever the number of people and departments."""
    today = today or timezone.localdate()
    overdue = version.is_overdue(today)
    active = Q(person__is_active=True)
    open_ = active & Q(acknowledgment__isnull=True)
    requests = AcknowledgmentRequest.objects.filter(version=version)
    if department_ids is not None:
        requests = requests.filter(person__department_id__in=department_ids)
    grouped = (
        requests.order_by()
        .values("person__department_id", "person__department__name")
        .annotate(
            total=Count("pk", filter=active),
            acknowledged=Count("pk", filter=active & Q(acknowledgment__isnull=False)),
            late=Count("pk", filter=open_ & overdue_q(version, today)),
            left=Count("pk", filter=Q(person__is_active=False)),
        )
    )
    rows: list[ComplianceRow] = []
    overall = ComplianceRow(department_id=None, name="")
    for entry in grouped:
        total, done, late = entry["total"], entry["acknowledged"], entry["late"]
        row = ComplianceRow(
            department_id=entry["person__department_id"],
            name=entry["person__department__name"] or "",
            total=total,
            acknowledged=done,
            pending=total - done - late,
            overdue=late,
            left=entry["left"],
        )
        rows.append(row)
        for name in ("total", "acknowledged", "pending", "overdue", "left"):
            setattr(overall, name, getattr(overall, name) + getattr(row, name))
    rows.sort(key=lambda row: (row.department_id is None, row.name.casefold()))
    order = ("person__department__name", "person__last_name", "person__first_name", "pk")
    missing_qs = (
        requests.filter(open_)
        .select_related("person", "person__department", "version")
        .order_by(*order)
    )
    left_qs = (
        requests.filter(person__is_active=False)
        .select_related("person", "person__department", "acknowledgment")
        .order_by(*order)
    )
    if department_id is not None:
        missing_qs = missing_qs.filter(person__department_id=department_id)
        left_qs = left_qs.filter(person__department_id=department_id)
        current = next((row for row in rows if row.department_id == department_id), None)
        missing_total = current.total - current.acknowledged if current else 0
        left_total = current.left if current else 0
    else:
        missing_total = overall.total - overall.acknowledged
        left_total = overall.left
    return ComplianceReport(
        version=version,
        overall=overall,
        departments=rows,
        missing=list(missing_qs[:MISSING_LIST_LIMIT]) if missing_total else [],
        missing_total=missing_total,
        department_id=department_id,
        is_overdue=overdue,
        today=today,
        left=list(left_qs[:MISSING_LIST_LIMIT]) if left_total else [],
        left_total=left_total,
    )


def compliance_csv_rows(
    *, version: GuidelineVersion, department_ids: list[int] | None = None
) -> Iterator[AcknowledgmentRequest]:
    """Every request of the version (of everyone, or of `department_ids`) with person,
    department and acknowledgment, streamed (1 query). The people who have left are in it
    (see `request_status`)."""
    requests = AcknowledgmentRequest.objects.filter(version=version)
    if department_ids is not None:
        requests = requests.filter(person__department_id__in=department_ids)
    return (
        requests.select_related("person", "person__department", "acknowledgment", "version")
        .order_by("person__department__name", "person__last_name", "person__first_name", "pk")
        .iterator(chunk_size=2000)
    )


def left_count() -> int:
    """The people asked to acknowledge a version in force who have left since: 1 query."""
    return AcknowledgmentRequest.objects.filter(
        version__status=VersionStatus.PUBLISHED, person__is_active=False
    ).count()


# --- Shares for the dashboard, the gates and the readiness heatmap -----------------------------


def _in_force_requests() -> QuerySet[AcknowledgmentRequest]:
    return AcknowledgmentRequest.objects.filter(
        version__status=VersionStatus.PUBLISHED, person__is_active=True
    )


def acknowledged_counts() -> tuple[int, int]:
    """(acknowledged, asked) over the versions in force, active people only: 1 query."""
    counts = (
        _in_force_requests()
        .order_by()
        .aggregate(whole=Count("pk"), part=Count("pk", filter=Q(acknowledgment__isnull=False)))
    )
    return counts["part"], counts["whole"]


def acknowledged_of_person() -> tuple[Exists, Exists]:
    """(acknowledged every version in force, asked for one) of a Person row (OuterRef("pk")):
    annotations, no query of their own."""
    mine = _in_force_requests().filter(person_id=OuterRef("pk"))
    return ~Exists(mine.filter(acknowledgment__isnull=True)), Exists(mine)


def acknowledged_by_department(
    *, department_ids: list[int] | None = None
) -> dict[int, tuple[int, int]]:
    """Department id -> (acknowledged, asked) over the versions in force (of the given
    departments, or all): 1 grouped query."""
    requests = _in_force_requests().filter(person__department__isnull=False)
    if department_ids is not None:
        requests = requests.filter(person__department_id__in=department_ids)
    grouped = (
        requests.order_by()
        .values("person__department_id")
        .annotate(whole=Count("pk"), part=Count("pk", filter=Q(acknowledgment__isnull=False)))
    )
    return {entry["person__department_id"]: (entry["part"], entry["whole"]) for entry in grouped}


def pending_for_person(*, person_id: int) -> list[AcknowledgmentRequest]:
    """The versions in force the person has still to acknowledge: 1 query."""
    return list(
        AcknowledgmentRequest.objects.filter(
            person_id=person_id,
            version__status=VersionStatus.PUBLISHED,
            acknowledgment__isnull=True,
        )
        .select_related("version__guideline")
        .order_by(Coalesce("due_on", "version__acknowledge_by"), "pk")
    )


__all__ = [
    "MISSING_LIST_LIMIT",
    "AcknowledgmentPage",
    "ComplianceReport",
    "ComplianceRow",
    "acknowledged_by_department",
    "acknowledged_counts",
    "acknowledgment_page",
    "acknowledgment_request_for",
    "compliance_csv_rows",
    "compliance_report",
    "guideline_list",
    "left_count",
    "overdue_q",
    "pending_for_person",
    "request_status",
    "version_current",
    "version_detail",
    "version_diff",
    "version_previous",
]
