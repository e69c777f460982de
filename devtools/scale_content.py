"""The large company's everyday content for `manage.py seed_scale`: content workflows in every
state with their history and deliveries, guideline versions published to everyone with
acknowledgments (about 70 % acknowledged, one deadline passed), and training sessions with
invitations, answers, attendance and feedback.

Called by seed_scale once, right after it created the scale rollout, inside its transaction.
Everything is drawn from its own seeded random generator (deterministic) and written with
`bulk_create` in batches. It adds nothing if the scale guideline exists already (idempotent).
No notification is queued: the history is in the past, and nobody should get 20,000 mails.
"""

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from devtools.scale import SEED
from guidelines.markdown import render
from guidelines.models import (
    Acknowledgment,
    AcknowledgmentMethod,
    AcknowledgmentRequest,
    Guideline,
    GuidelineVersion,
    InvitationStatus,
    SessionStatus,
    TrainingFeedback,
    TrainingInvitation,
    TrainingKind,
    TrainingSession,
    VersionStatus,
)
from rollout.models import (
    ContentDelivery,
    ContentWorkflow,
    Department,
    Person,
    PhaseKind,
    Rollout,
    SupplyChannel,
    User,
    WorkflowAction,
    WorkflowEvent,
    WorkflowRevision,
    WorkflowState,
)

BATCH = 2000
GUIDELINE_TITLE = "Social-Media-Leitlinie der Nordstern Industrie AG"
IMAGE_GUIDELINE_TITLE = "Bildrechte und Datenschutz in sozialen Netzwerken"

# (title, what is supplied, trigger, turnaround in hours)
WORKFLOW_KINDS = (
    ("Veranstaltungsfotos", "5 bis 10 Fotos im Querformat", "jede Veranstaltung", 24),
    ("Stellenanzeigen", "Anzeigentext und Ansprechpartner:in", "jede offene Stelle", 48),
    ("Messeberichte", "kurzer Bericht mit 3 Fotos", "jede Messe", 48),
    ("Kundenprojekte", "Projektsteckbrief mit Freigabe", "jedes abgeschlossene Projekt", 120),
    ("Jubiläen", "Name, Dienstjahre und ein Foto", "jedes Dienstjubiläum", 72),
    ("Azubi-Einblicke", "ein Foto und drei Sätze aus dem Alltag", "einmal im Monat", 168),
)  # fmt: skip
OCCASIONS = (
    "Sommerfest", "Hannover Messe", "Tag der offenen Tür", "Betriebsversammlung", "neues Werk",
    "Kundenbesuch",
)  # fmt: skip
# The spread of workflow states: (kind, weight).
WORKFLOW_SPREAD = (
    ("confirmed", 55),
    ("revised", 10),
    ("proposed", 15),
    ("changes_requested", 10),
    ("draft", 10),
)
GUIDELINE_BODY = """# Wofür diese Leitlinie gilt

Sie gilt für alle Beschäftigten, die beruflich oder privat über die Nordstern Industrie AG
in sozialen Netzwerken schreiben.

# Was wir erwarten

Bleiben Sie sachlich, respektvoll und ehrlich. Geben Sie keine vertraulichen Informationen
weiter. Kennzeichnen Sie Ihre Meinung als Ihre eigene.

# Wer hilft

Fragen beantwortet das Social-Media-Team unter social@scale.changehub.example.
"""
IMAGE_BODY = """# Fotos von Personen

Fotografieren und veröffentlichen Sie Kolleginnen, Kollegen und Gäste nur mit deren
Einwilligung.

# Fotos aus der Produktion

Zeigen Sie keine Maschinen, Zeichnungen oder Bildschirme, die Betriebsgeheimnisse verraten.
"""
TRAINING_TITLES = (
    "Social Media für Einsteiger:innen",
    "Gute Fotos mit dem Smartphone",
    "Die Social-Media-Leitlinie in der Praxis",
    "LinkedIn-Profil in 60 Minuten",
    "Krisenkommunikation: was tun bei einem Shitstorm?",
)
TRAINING_ROOMS = ("Schulungsraum 1", "Schulungsraum 2", "Kantine Süd", "Aula")
FEEDBACK_COMMENTS = (
    "Sehr praxisnah, danke!",
    "Gern mehr Beispiele aus unserem Bereich.",
    "Etwas kurz, aber hilfreich.",
    "",
    "",
)


@dataclass
class ContentCounts:
    workflows: int = 0
    deliveries: int = 0
    requests: int = 0
    acknowledgments: int = 0
    sessions: int = 0
    invitations: int = 0


def _at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    moment = datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )
    return moment


def _past(moment: datetime.datetime) -> datetime.datetime:
    return min(moment, timezone.now())


def seed_scale_content(
    *,
    rollout: Rollout,
    manager: User,
    persons: dict[str, Person],
    departments: dict[str, Department],
    today: datetime.date | None = None,
) -> ContentCounts:
    """Add the workflows, guidelines and trainings; nothing if they are there already."""
    counts = ContentCounts()
    if Guideline.objects.filter(title__iexact=GUIDELINE_TITLE).exists():
        return counts
    rng = random.Random(SEED + 9)  # noqa: S311 - reproducible test data
    today = today or timezone.localdate()
    people = sorted(persons.values(), key=lambda person: person.pk)
    by_department: dict[int, list[Person]] = {}
    for person in people:
        if person.department_id:
            by_department.setdefault(person.department_id, []).append(person)
    department_list = sorted(departments.values(), key=lambda department: department.pk)
    _workflows(rng, today, manager, department_list, by_department, counts)
    versions = _guidelines(rng, today, manager, people, department_list, counts)
    _trainings(rng, today, rollout, manager, people, department_list, versions, counts)
    return counts


# --- Content workflows -----------------------------------------------------------------------


def _workflows(
    rng: random.Random,
    today: datetime.date,
    manager: User,
    departments: list[Department],
    members: dict[int, list[Person]],
    counts: ContentCounts,
) -> None:
    kinds, weights = zip(*WORKFLOW_SPREAD, strict=True)
    workflows: list[ContentWorkflow] = []
    plans: list[tuple[str, tuple, datetime.date]] = []
    for department in departments:
        for spec in rng.sample(WORKFLOW_KINDS, rng.randint(1, 3)):
            workflows.append(
                ContentWorkflow(department=department, title=spec[0], created_by=manager)
            )
            plans.append(
                (
                    rng.choices(kinds, weights)[0],
                    spec,
                    today - datetime.timedelta(days=rng.randint(30, 140)),
                )
            )
    ContentWorkflow.objects.bulk_create(workflows, batch_size=BATCH)

    head_users = dict(
        Person.objects.filter(pk__in=[d.head_id for d in departments if d.head_id]).values_list(
            "pk", "user_id"
        )
    )
    revisions: list[WorkflowRevision] = []
    for workflow, (kind, spec, started) in zip(workflows, plans, strict=True):
        department = workflow.department
        head_user = head_users.get(department.head_id)
        states = {
            "confirmed": [WorkflowState.CONFIRMED],
            "revised": [WorkflowState.SUPERSEDED, WorkflowState.CONFIRMED],
            "proposed": [WorkflowState.PROPOSED],
            "changes_requested": [WorkflowState.CHANGES_REQUESTED, WorkflowState.DRAFT],
            "draft": [WorkflowState.DRAFT],
        }[kind]
        for number, state in enumerate(states, start=1):
            created = _past(_at(started + datetime.timedelta(days=10 * (number - 1)), 9))
            proposed = (
                None
                if state == WorkflowState.DRAFT
                else _past(created + datetime.timedelta(hours=2))
            )
            decided = (
                _past(created + datetime.timedelta(days=2))
                if state
                in (
                    WorkflowState.CONFIRMED,
                    WorkflowState.SUPERSEDED,
                    WorkflowState.CHANGES_REQUESTED,
                )
                else None
            )
            revisions.append(
                WorkflowRevision(
                    workflow=workflow,
                    number=number,
                    state=state,
                    content=spec[1],
                    trigger=spec[2],
                    turnaround_hours=spec[3] * (2 if number == 1 and len(states) == 2 else 1),
                    channel=rng.choice(SupplyChannel.values),
                    escalation_contact_id=department.deputy_id,
                    created_by=manager,
                    created_at=created,
                    proposed_at=proposed,
                    decided_at=decided,
                    decided_by_id=head_user if decided else None,
                    decision_comment="Bitte die Frist verlängern."
                    if state == WorkflowState.CHANGES_REQUESTED
                    else "",
                )
            )
    WorkflowRevision.objects.bulk_create(revisions, batch_size=BATCH)

    events: list[WorkflowEvent] = []
    suppliers = []
    by_workflow: dict[int, list[WorkflowRevision]] = {}
    for revision in revisions:
        by_workflow.setdefault(revision.workflow_id, []).append(revision)
        team = members.get(revision.workflow.department_id) or []
        for person in rng.sample(team, min(len(team), rng.randint(1, 2))):
            suppliers.append(
                WorkflowRevision.suppliers.through(
                    workflowrevision_id=revision.pk, person_id=person.pk
                )
            )
        events.append(
            WorkflowEvent(
                workflow_id=revision.workflow_id,
                revision=revision,
                action=WorkflowAction.CREATED if revision.number == 1 else WorkflowAction.REVISED,
                to_state=WorkflowState.DRAFT,
                by=manager,
                at=revision.created_at,
            )
        )
        if revision.proposed_at:
            events.append(
                WorkflowEvent(
                    workflow_id=revision.workflow_id,
                    revision=revision,
                    action=WorkflowAction.PROPOSED,
                    from_state=WorkflowState.DRAFT,
                    to_state=WorkflowState.PROPOSED,
                    by=manager,
                    at=revision.proposed_at,
                )
            )
        if revision.decided_at:
            requested = revision.state == WorkflowState.CHANGES_REQUESTED
            events.append(
                WorkflowEvent(
                    workflow_id=revision.workflow_id,
                    revision=revision,
                    action=WorkflowAction.CHANGES_REQUESTED
                    if requested
                    else WorkflowAction.CONFIRMED,
                    from_state=WorkflowState.PROPOSED,
                    to_state=WorkflowState.CHANGES_REQUESTED
                    if requested
                    else WorkflowState.CONFIRMED,
                    by_id=revision.decided_by_id,
                    comment=revision.decision_comment,
                    at=revision.decided_at,
                )
            )
    WorkflowEvent.objects.bulk_create(events, batch_size=BATCH)
    WorkflowRevision.suppliers.through.objects.bulk_create(suppliers, batch_size=BATCH)

    deliveries: list[ContentDelivery] = []
    for workflow in workflows:
        history = by_workflow[workflow.pk]
        workflow.latest_revision = history[-1]
        workflow.confirmed_revision = next(
            (r for r in history if r.state == WorkflowState.CONFIRMED), None
        )
        confirmed = workflow.confirmed_revision
        if confirmed is None:
            continue
        team = members.get(workflow.department_id) or [None]
        for _ in range(rng.randint(0, 8)):
            requested = _at(today - datetime.timedelta(days=rng.randint(0, 90)), rng.randint(8, 16))
            if requested > timezone.now():
                requested -= datetime.timedelta(days=1)
            due = requested + datetime.timedelta(hours=confirmed.turnaround_hours)
            roll = rng.random()
            if roll < 0.72:  # on time
                delivered = requested + (due - requested) * rng.uniform(0.2, 1.0)
            elif roll < 0.88:  # late
                delivered = due + datetime.timedelta(hours=rng.randint(2, 96))
            else:  # still open
                delivered = None
            if delivered is not None and delivered > timezone.now():
                delivered = None
            supplier = rng.choice(team)
            deliveries.append(
                ContentDelivery(
                    workflow=workflow,
                    description=f"{workflow.title}: {rng.choice(OCCASIONS)}",
                    requested_at=requested,
                    due_at=due,
                    delivered_at=delivered,
                    supplier=supplier,
                    logged_by=manager,
                )
            )
    ContentWorkflow.objects.bulk_update(
        workflows, ["latest_revision", "confirmed_revision"], batch_size=BATCH
    )
    ContentDelivery.objects.bulk_create(deliveries, batch_size=BATCH)
    counts.workflows, counts.deliveries = len(workflows), len(deliveries)


# --- Guidelines and acknowledgments ----------------------------------------------------------


def _guidelines(
    rng: random.Random,
    today: datetime.date,
    manager: User,
    people: list[Person],
    departments: list[Department],
    counts: ContentCounts,
) -> list[GuidelineVersion]:
    """Version 1 of the social media guideline (superseded, nearly all acknowledged), version 2
    in force for everyone (about 70 % acknowledged, deadline ahead), and a guideline on image
    rights for a third of the departments (deadline passed: the rest are overdue)."""
    main = Guideline.objects.create(
        title=GUIDELINE_TITLE, created_by=manager, description="Regeln für alle Beschäftigten."
    )
    images = Guideline.objects.create(
        title=IMAGE_GUIDELINE_TITLE,
        created_by=manager,
        description="Was auf Fotos zu beachten ist.",
    )
    published_v1 = _past(_at(today - datetime.timedelta(days=120)))
    published_v2 = _past(_at(today - datetime.timedelta(days=20)))
    published_img = _past(_at(today - datetime.timedelta(days=45)))
    common = {"status": VersionStatus.PUBLISHED, "created_by": manager, "published_by": manager}
    v1 = GuidelineVersion.objects.create(
        guideline=main,
        number=1,
        body=GUIDELINE_BODY,
        body_html=render(GUIDELINE_BODY),
        approved_on=today - datetime.timedelta(days=130),
        works_agreement_reference="BV 2026/03",
        published_at=published_v1,
        acknowledge_by=today - datetime.timedelta(days=90),
        **{**common, "status": VersionStatus.SUPERSEDED},
        superseded_at=published_v2,
    )
    body_v2 = GUIDELINE_BODY + "\n# Neu in Fassung 2\n\nKI-generierte Bilder kennzeichnen wir.\n"
    v2 = GuidelineVersion.objects.create(
        guideline=main,
        number=2,
        body=body_v2,
        body_html=render(body_v2),
        change_summary="KI-Bilder kennzeichnen.",
        approved_on=today - datetime.timedelta(days=25),
        works_agreement_reference="BV 2026/11",
        published_at=published_v2,
        acknowledge_by=today + datetime.timedelta(days=14),
        supersedes=v1,
        **common,
    )
    scope = departments[: max(1, len(departments) // 3)]
    image = GuidelineVersion.objects.create(
        guideline=images,
        number=1,
        body=IMAGE_BODY,
        body_html=render(IMAGE_BODY),
        approved_on=today - datetime.timedelta(days=50),
        works_agreement_reference="BV 2026/07",
        published_at=published_img,
        acknowledge_by=today - datetime.timedelta(days=7),
        scope_all=False,
        **common,
    )
    image.scope_departments.set(scope)
    in_scope = {department.pk for department in scope}
    audiences = (
        (v1, people, 0.95, published_v1),
        (v2, people, 0.68, published_v2),
        (image, [p for p in people if p.department_id in in_scope], 0.74, published_img),
    )
    for version, audience, share, published in audiences:
        requests = [
            AcknowledgmentRequest(version=version, person=person, created_at=published)
            for person in audience
        ]
        AcknowledgmentRequest.objects.bulk_create(requests, batch_size=BATCH)
        acknowledgments = []
        for request in requests:
            if rng.random() >= share:
                continue
            at = _past(published + datetime.timedelta(hours=rng.randint(1, 24 * 30)))
            on_behalf = rng.random() < 0.03
            acknowledgments.append(
                Acknowledgment(
                    request=request,
                    person_id=request.person_id,
                    version=version,
                    acknowledged_at=at,
                    method=AcknowledgmentMethod.ON_BEHALF
                    if on_behalf
                    else rng.choice(
                        (
                            AcknowledgmentMethod.LINK,
                            AcknowledgmentMethod.LINK,
                            AcknowledgmentMethod.SIGNED_IN,
                        )
                    ),
                    reason="Schriftlich in der Schulung bestätigt." if on_behalf else "",
                    recorded_by=manager if on_behalf else None,
                )
            )
        Acknowledgment.objects.bulk_create(acknowledgments, batch_size=BATCH)
        counts.requests += len(requests)
        counts.acknowledgments += len(acknowledgments)
    return [v2, image]


# --- Trainings -------------------------------------------------------------------------------


def _trainings(
    rng: random.Random,
    today: datetime.date,
    rollout: Rollout,
    manager: User,
    people: list[Person],
    departments: list[Department],
    versions: list[GuidelineVersion],
    counts: ContentCounts,
) -> None:
    """About one session per 500 people, two thirds of them past (with attendance and
    feedback), one cancelled, the rest ahead with answers and a waitlist."""
    phases = {phase.kind: phase for phase in rollout.phases.all()}
    trainers = [p for p in people if p.job_title and "Leiter" in p.job_title][:20] or people[:5]
    total = max(3, len(people) // 500)
    sessions: list[TrainingSession] = []
    audiences: list[list[Department]] = []
    for index in range(total):
        past = index < total * 2 // 3
        day = today + datetime.timedelta(
            days=(-rng.randint(3, 100) if past else rng.randint(2, 60))
        )
        starts = _at(day, rng.choice((9, 10, 13, 14)))
        capacity = rng.choice((12, 16, 20, 25))
        cancelled = not past and index == total - 1
        session = TrainingSession(
            phase=phases[
                PhaseKind.UNFREEZE if day < today - datetime.timedelta(days=60) else PhaseKind.MOVE
            ],
            kind=rng.choice(TrainingKind.values),
            title=rng.choice(TRAINING_TITLES),
            guideline_version=rng.choice(versions) if rng.random() < 0.5 else None,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=rng.choice((60, 90, 120))),
            room=rng.choice(TRAINING_ROOMS),
            trainer=rng.choice(trainers),
            capacity=capacity,
            status=SessionStatus.CANCELLED if cancelled else SessionStatus.SCHEDULED,
            cancel_reason="Trainerin erkrankt, neuer Termin folgt." if cancelled else "",
            created_by=manager,
        )
        session._history_date = _past(starts - datetime.timedelta(days=21))
        session._history_user = manager
        sessions.append(session)
        audiences.append(rng.sample(departments, min(len(departments), rng.randint(1, 3))))
    bulk_create_with_history(sessions, TrainingSession, batch_size=BATCH)
    TrainingSession.audience_departments.through.objects.bulk_create(
        [
            TrainingSession.audience_departments.through(
                trainingsession_id=session.pk, department_id=department.pk
            )
            for session, chosen in zip(sessions, audiences, strict=True)
            for department in chosen
        ],
        batch_size=BATCH,
    )

    members: dict[int, list[Person]] = {}
    for person in people:
        members.setdefault(person.department_id, []).append(person)
    invitations: list[TrainingInvitation] = []
    for session, chosen in zip(sessions, audiences, strict=True):
        invited = [person for department in chosen for person in members.get(department.pk, [])]
        invited = rng.sample(invited, min(len(invited), session.capacity * 2))
        past = session.ends_at < timezone.now()
        accepted = 0
        for person in invited:
            answered = _past(session.starts_at - datetime.timedelta(days=rng.randint(1, 14)))
            roll = rng.random()
            status, waitlisted_at = InvitationStatus.INVITED, None
            if roll < 0.65:
                if accepted < session.capacity:
                    status, accepted = InvitationStatus.ACCEPTED, accepted + 1
                else:
                    status, waitlisted_at = InvitationStatus.WAITLISTED, answered
            elif roll < 0.75:
                status = InvitationStatus.MAYBE
            elif roll < 0.88:
                status = InvitationStatus.DECLINED
            attended = (
                past
                and not session.is_cancelled
                and status == InvitationStatus.ACCEPTED
                and rng.random() < 0.85
            )
            invitations.append(
                TrainingInvitation(
                    session=session,
                    person=person,
                    status=status,
                    responded_at=None if status == InvitationStatus.INVITED else answered,
                    waitlisted_at=waitlisted_at,
                    attended=attended,
                    attendance_marked_at=session.ends_at if attended else None,
                    attendance_marked_by=manager if attended else None,
                )
            )
    TrainingInvitation.objects.bulk_create(invitations, batch_size=BATCH)
    feedback = [
        TrainingFeedback(
            invitation=invitation,
            rating=rng.choices((2, 3, 4, 5), (1, 3, 6, 5))[0],
            comment=rng.choice(FEEDBACK_COMMENTS),
            submitted_at=_past(invitation.session.ends_at + datetime.timedelta(hours=3)),
        )
        for invitation in invitations
        if invitation.attended and rng.random() < 0.4
    ]
    TrainingFeedback.objects.bulk_create(feedback, batch_size=BATCH)
    counts.sessions, counts.invitations = len(sessions), len(invitations)
