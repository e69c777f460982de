"""Reads for the departments area: the list, a department's page, the people export and the
import preview. Each with a fixed number of queries whatever the data size."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rollout.figures import (
    GUIDELINE_ACKNOWLEDGED,
    TRAINING_COVERAGE,
    figure_of_people,
    person_figure,
)
from rollout.models import (
    Activity,
    Department,
    Language,
    PeopleImport,
    Person,
    PhaseStatus,
    Rollout,
    Stakeholder,
)
from rollout.selectors.readiness import (
    DepartmentReadiness,
    ReadinessRows,
    add_guideline_acknowledged,
    add_survey_readiness,
    add_training_coverage,
    department_readiness,
    readiness_from_loaded,
)
from rollout.services.people_files import COLUMN_LABELS, COLUMNS, EXPORT_HEADERS


def rollout_for_departments() -> Rollout | None:
    """The rollout the department pages speak about: the newest one not finished, else the
    newest. (The same choice as `rollout_current`, for every role that sees a department.)"""
    rollouts = Rollout.objects.order_by("-start_date", "-pk")
    return (
        rollouts.filter(phases__status__in=[PhaseStatus.ACTIVE, PhaseStatus.PLANNED])
        .distinct()
        .first()
        or rollouts.first()
    )


@dataclass
class DepartmentList:
    """The department list: departments by name, each with `member_count`, `open_count`,
    `overdue_count` and `has_champion`, and their readiness (None without a rollout)."""

    rollout: Rollout | None
    departments: list[Department]
    readiness: ReadinessRows | None


def department_list(*, rollout: Rollout | None, name: str = "") -> DepartmentList:
    """Departments with head, deputy and parent, and the counts the list shows. One query for
    the departments, one grouped query for the active members, and the readiness of the same
    departments (`department_readiness`, which the page shows anyway), whose figures give the
    open and overdue activities and the champions: no correlated subqueries, a fixed number
    of queries whatever the number of departments."""
    queryset = Department.objects.select_related("parent", "head", "deputy").order_by("name")
    if name.strip():
        queryset = queryset.filter(name__icontains=name.strip())
    departments = list(queryset)
    members = dict(
        Person.objects.filter(is_active=True, department__in=queryset.values("pk"))
        .values("department")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("department", "n")
    )
    readiness = (
        department_readiness(rollout=rollout, departments=departments)
        if rollout is not None and departments
        else None
    )
    by_department = {row.department.pk: row for row in readiness or []}
    for department in departments:
        department.member_count = members.get(department.pk, 0)
        row = by_department.get(department.pk)
        department.open_count = row.open_activities if row else 0
        department.overdue_count = row.overdue_activities if row else 0
        department.has_champion = row.champion_present if row else False
    if rollout is not None and readiness is None:
        readiness = ReadinessRows([], rollout=rollout)
    return DepartmentList(rollout=rollout, departments=departments, readiness=readiness)


@dataclass
class DepartmentPage:
    """Everything a department's page shows."""

    department: Department
    rollout: Rollout | None
    members: list[Person]
    stakeholders: list[Stakeholder]
    activities: list[Activity]
    readiness: DepartmentReadiness | None
    today: datetime.date


def department_page(
    *, department: Department, rollout: Rollout | None, today: datetime.date | None = None
) -> DepartmentPage:
    """Members (each with `guideline_acknowledged` and `trained`: True, False or None when
    not counted, annotated in the same query), the rollout's stakeholders and activities of
    the department, and its readiness computed from them: three queries (one without a
    rollout)."""
    today = today or timezone.localdate()
    rollout_id = rollout.pk if rollout is not None else None
    members = list(
        department.members.filter(is_active=True)
        .select_related("user")
        .annotate(
            **figure_of_people(GUIDELINE_ACKNOWLEDGED, rollout_id=rollout_id),
            **figure_of_people(TRAINING_COVERAGE, rollout_id=rollout_id),
        )
        .order_by("last_name", "first_name", "pk")
    )
    for person in members:
        person.guideline_acknowledged = person_figure(person, GUIDELINE_ACKNOWLEDGED)
        person.trained = person_figure(person, TRAINING_COVERAGE)
    stakeholders: list[Stakeholder] = []
    activities: list[Activity] = []
    readiness = None
    if rollout is not None:
        stakeholders = list(
            Stakeholder.objects.filter(
                rollout=rollout, person__department=department, person__is_active=True
            )
            .select_related("person")
            .order_by("-influence", "person__last_name", "person__first_name", "pk")
        )
        activities = list(
            Activity.objects.filter(departments=department, phase__rollout=rollout)
            .select_related("phase", "owner")
            .order_by("phase__order", "due_date", "position", "pk")
        )
        readiness = readiness_from_loaded(
            department=department, stakeholders=stakeholders, activities=activities, today=today
        )
        add_training_coverage(readiness, rollout=rollout)  # one query
        add_guideline_acknowledged(readiness)  # one query
        add_survey_readiness(readiness, rollout=rollout)  # one query
    return DepartmentPage(
        department=department,
        rollout=rollout,
        members=members,
        stakeholders=stakeholders,
        activities=activities,
        readiness=readiness,
        today=today,
    )


# --- People export ---------------------------------------------------------------------------


def people_export_rows() -> Iterator[list[object]]:
    """The directory as rows of the import's columns, the titles first (translated when the
    row is written); one query, streamed."""
    yield [EXPORT_HEADERS[key] for key in COLUMNS]
    people = (
        Person.objects.select_related(
            "department", "department__parent", "department__head", "department__deputy"
        )
        .order_by("department__name", "last_name", "first_name", "pk")
        .iterator(chunk_size=2000)
    )
    for person in people:
        department = person.department
        yield [
            person.email.lower(),
            person.first_name,
            person.last_name,
            department.name if department else "",
            person.job_title,
            person.language,
            department.parent.name if department and department.parent else "",
            department.head.email.lower() if department and department.head else "",
            department.deputy.email.lower() if department and department.deputy else "",
            person.is_active,
        ]


# --- People imports --------------------------------------------------------------------------


def people_imports_recent(*, limit: int = 10) -> QuerySet[PeopleImport]:
    return (
        PeopleImport.objects.select_related("uploaded_by")
        .defer("rows")
        .order_by("-uploaded_at", "-pk")[:limit]
    )


PREVIEW_FILTERS = {
    "all": _("All rows"),
    "create": _("New"),
    "update": _("Updated"),
    "unchanged": _("Unchanged"),
    "reject": _("Rejected"),
}
PREVIEW_PAGE_SIZE = 200
ACTION_LABELS = {
    "create": _("New"),
    "update": _("Update"),
    "unchanged": _("Unchanged"),
    "reject": _("Rejected"),
}


@dataclass
class PreviewChange:
    label: str
    old: str
    new: str


@dataclass
class PreviewRow:
    line: int
    action: str
    action_label: str
    email: str
    name: str
    department: str
    changes: list[PreviewChange]
    errors: list[str]
    warnings: list[str]


@dataclass
class ImportPreview:
    people_import: PeopleImport
    counts: dict[str, int]
    department_counts: dict[str, int]
    departments: list[dict]
    show: str
    page: Page
    rows: list[PreviewRow]
    with_warnings: int
    headers: list[tuple[str, str]] = field(default_factory=list)  # (meaning, header in file)
    ignored_headers: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(
            self.counts.get("create")
            or self.counts.get("update")
            or self.department_counts.get("create")
            or self.department_counts.get("update")
        )


def _display(key: str, value: object) -> str:
    if value is None or value == "":
        return "\N{EN DASH}"
    if key == "language":
        return str(dict(Language.choices).get(str(value), value))
    if key == "active":
        return str(_("yes") if value else _("no"))
    return str(value)


def people_import_preview(
    *, people_import: PeopleImport, show: str = "all", page_number: object = 1
) -> ImportPreview:
    """The stored verdicts of an import, filtered and paginated for the preview page."""
    summary = people_import.summary or {}
    show = show if show in PREVIEW_FILTERS else "all"
    rows = people_import.rows or []
    chosen = rows if show == "all" else [row for row in rows if row["action"] == show]
    page = Paginator(chosen, PREVIEW_PAGE_SIZE).get_page(page_number)
    shown = []
    for row in page.object_list:
        data = row.get("data", {})
        shown.append(
            PreviewRow(
                line=row["line"],
                action=row["action"],
                action_label=str(ACTION_LABELS.get(row["action"], row["action"])),
                email=row.get("email", ""),
                name=f"{data.get('first_name', '')} {data.get('last_name', '')}".strip(),
                department=str(data.get("department") or ""),
                changes=[
                    PreviewChange(
                        label=str(COLUMN_LABELS.get(key, key)),
                        old=_display(key, old),
                        new=_display(key, new),
                    )
                    for key, (old, new) in row.get("changes", {}).items()
                ],
                errors=row.get("errors", []),
                warnings=row.get("warnings", []),
            )
        )
    departments = [
        {
            "name": entry["name"],
            "action": entry["action"],
            "action_label": str(
                _("New department") if entry["action"] == "create" else _("Changed")
            ),
            "changes": [
                PreviewChange(
                    label=str(COLUMN_LABELS.get(key, key)),
                    old=_display(key, old),
                    new=_display(key, new),
                )
                for key, (old, new) in entry["changes"].items()
            ],
        }
        for entry in summary.get("departments", [])
    ]
    return ImportPreview(
        people_import=people_import,
        counts=summary.get("counts", {}),
        department_counts=summary.get("department_counts", {}),
        departments=departments,
        show=show,
        page=page,
        rows=shown,
        with_warnings=sum(1 for row in rows if row.get("warnings")),
        headers=[
            (str(COLUMN_LABELS.get(key, key)), header)
            for key, header in summary.get("headers", {}).items()
        ],
        ignored_headers=summary.get("ignored_headers", []),
    )
