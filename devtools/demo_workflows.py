"""Content workflows of the demo company, for `manage.py seed_demo`: one in every state, and
eight weeks of deliveries with the sales department getting faster. Idempotent: a workflow
that exists is left alone (and so are its deliveries)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from rollout.models import ContentWorkflow, Department, Person, User, WorkflowState
from rollout.services import workflows as services
from rollout.services.workflows import Terms


@dataclass(frozen=True)
class DemoWorkflow:
    department: str
    title: str
    content: str
    trigger: str
    hours: int
    channel: str
    channel_detail: str
    state: str  # the state the demo leaves it in
    # Deliveries: (weeks ago, hours after the request it arrived, or None while open)
    deliveries: tuple[tuple[int, int | None], ...] = ()


DEMO_WORKFLOWS = (
    DemoWorkflow(
        "Vertrieb",
        "Kundenreferenzen",
        "Ein Zitat, zwei Fotos und die Freigabe des Kunden",
        "Nach jedem abgeschlossenen Großauftrag",
        72,
        "email",
        "social-media@mueller-maschinenbau.example",
        WorkflowState.CONFIRMED,
        ((7, 140), (6, 100), (5, 80), (4, 70), (3, 60), (2, 50), (1, 30), (0, None)),
    ),
    DemoWorkflow(
        "Vertrieb",
        "Messefotos",
        "10–20 Fotos vom Messestand, Querformat, mit Namen der Abgebildeten",  # noqa: RUF001
        "Jeder Messetag",
        24,
        "shared_folder",
        "Teams: Social Media / Messen",
        WorkflowState.PROPOSED,
    ),
    DemoWorkflow(
        "Personal",
        "Stellenanzeigen",
        "Anzeigentext, Ansprechperson und ein Teamfoto",
        "Jede neu ausgeschriebene Stelle",
        48,
        "intranet",
        "Formular „Neue Stelle“",
        WorkflowState.CONFIRMED,
        ((6, 20), (5, 60), (4, 30), (2, 40), (1, 10), (1, None)),
    ),
    DemoWorkflow(
        "Produktion",
        "Produktneuheiten",
        "Technische Eckdaten und drei Fotos der neuen Maschine",
        "Vier Wochen vor der Markteinführung",
        120,
        "email",
        "social-media@mueller-maschinenbau.example",
        WorkflowState.CHANGES_REQUESTED,
    ),
    DemoWorkflow(
        "Kundenservice",
        "Kundenstimmen",
        "Lob und Fragen aus dem Service, anonymisiert",
        "Jeden Freitag",
        24,
        "messenger",
        "",
        WorkflowState.DRAFT,
    ),
)


def _leader_user(department: Department) -> User | None:
    for person in (department.head, department.deputy):
        if person is not None:
            person.refresh_from_db(fields=["user"])
            if person.user_id:
                return person.user
    return None


def seed_workflows(*, departments: dict[str, Department], manager: User) -> int:
    """Create the demo workflows that do not exist yet; returns how many were created."""
    created = 0
    now = timezone.now()
    for spec in DEMO_WORKFLOWS:
        department = departments[spec.department]
        if ContentWorkflow.objects.filter(department=department, title__iexact=spec.title).exists():
            continue
        suppliers = tuple(
            Person.objects.filter(department=department, is_active=True).order_by("pk")[2:4]
        )
        workflow = services.workflow_create(
            department=department,
            title=spec.title,
            terms=Terms(
                content=spec.content,
                trigger=spec.trigger,
                turnaround_hours=spec.hours,
                channel=spec.channel,
                channel_detail=spec.channel_detail,
                suppliers=suppliers,
                escalation_contact=department.deputy,
            ),
            by=manager,
        )
        created += 1
        if spec.state != WorkflowState.DRAFT:
            services.workflow_propose(workflow=workflow, by=manager)
            head = _leader_user(department)
            revision_id = workflow.latest_revision_id
            if spec.state == WorkflowState.CONFIRMED and head is not None:
                services.workflow_confirm(
                    workflow=workflow, revision_id=revision_id, by=head, comment="Passt so."
                )
            elif spec.state == WorkflowState.CHANGES_REQUESTED and head is not None:
                services.workflow_request_changes(
                    workflow=workflow,
                    revision_id=revision_id,
                    by=head,
                    comment="Vier Wochen sind zu knapp, wir wissen es oft erst drei Wochen vorher.",
                )
        for index, (weeks_ago, after) in enumerate(spec.deliveries):
            requested = now - datetime.timedelta(weeks=weeks_ago, days=1, hours=index)
            delivered = requested + datetime.timedelta(hours=after) if after is not None else None
            services.delivery_log(
                workflow=workflow,
                description=f"{spec.title} {index + 1}",
                requested_at=requested,
                delivered_at=min(delivered, now) if delivered else None,
                by=manager,
                supplier=suppliers[0] if suppliers else None,
            )
    return created
