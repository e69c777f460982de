"""Reads of training sessions: lists, the session page, the attendance list, feedback results
and training coverage. Each runs a fixed number of queries whatever the data size.

Training coverage (the dashboard's heatmap column, the TRAINING_COVERAGE gate criterion and
the report): the people to be trained are the active people who belong to a department;
a person counts as trained when they attended at least one session of the rollout, not
cancelled, of a kind in COVERAGE_KINDS (workshop, webinar, coaching: the formats whose
attendance is ticked by a trainer; e-learning is self-paced and does not count).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.utils import timezone

from guidelines.models.trainings import (
    InvitationStatus,
    SessionStatus,
    TrainingFeedback,
    TrainingInvitation,
    TrainingKind,
    TrainingSession,
)
from rollout.models import Department, Person, Rollout, Stakeholder

COVERAGE_KINDS = (TrainingKind.WORKSHOP, TrainingKind.WEBINAR, TrainingKind.COACHING)

# The order of the invitation list and the attendance list.
STATUS_ORDER = (
    InvitationStatus.ACCEPTED,
    InvitationStatus.WAITLISTED,
    InvitationStatus.MAYBE,
    InvitationStatus.INVITED,
    InvitationStatus.DECLINED,
)


# --- Audience and coverage -----------------------------------------------------------------


def session_audience(*, session: TrainingSession) -> QuerySet[Person]:
    """The active people the session is for: members of its departments, the rollout's
    stakeholders with one of its roles, and the chosen people; never the trainer."""
    return audience_of(
        phase_id=session.phase_id,
        departments=session.audience_departments.values("pk"),
        people=session.audience_people.values("pk"),
        roles=session.audience_roles,
        trainer_id=session.trainer_id,
    )


def audience_of(*, phase_id: int, departments, people, roles, trainer_id: int | None):
    """The audience of a session with these departments, people (rows, ids or a values
    queryset) and stakeholder roles: one query when evaluated."""
    condition = Q(department__in=departments) | Q(pk__in=people)
    if roles:
        condition |= Q(
            pk__in=Stakeholder.objects.filter(rollout__phases=phase_id, role__in=roles).values(
                "person_id"
            )
        )
    audience = Person.objects.filter(is_active=True).filter(condition)
    if trainer_id:
        audience = audience.exclude(pk=trainer_id)
    return audience


def trained_people(*, rollout_id: int) -> QuerySet:
    """Ids of the people who count as trained in a rollout (see the module docstring)."""
    return (
        TrainingInvitation.objects.filter(
            attended=True,
            session__phase__rollout_id=rollout_id,
            session__kind__in=COVERAGE_KINDS,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .values("person_id")
    )


def trained_of_person(*, rollout_id: int) -> tuple[Exists, Value]:
    """(trained in the rollout, counted) of a Person row (OuterRef("pk")): annotations, no
    query of their own."""
    trained = Exists(trained_people(rollout_id=rollout_id).filter(person_id=OuterRef("pk")))
    return trained, Value(True)


def training_coverage_counts(*, rollout_id: int) -> tuple[int, int]:
    """(trained, to be trained) over the whole company: one query."""
    counts = (
        Person.objects.filter(is_active=True, department__isnull=False)
        .order_by()
        .aggregate(
            whole=Count("pk"),
            part=Count("pk", filter=Q(pk__in=trained_people(rollout_id=rollout_id))),
        )
    )
    return counts["part"], counts["whole"]


def coverage_by_department(
    *, rollout_id: int, department_ids: list[int] | None = None
) -> dict[int, tuple[int, int]]:
    """Per department id, (trained, active members): one grouped query."""
    members = Person.objects.filter(is_active=True, department__isnull=False)
    if department_ids is not None:
        members = members.filter(department_id__in=department_ids)
    return {
        entry["department_id"]: (entry["part"], entry["whole"])
        for entry in members.values("department_id")
        .annotate(
            whole=Count("pk"),
            part=Count("pk", filter=Q(pk__in=trained_people(rollout_id=rollout_id))),
        )
        .order_by()
    }


# --- Lists and pages -----------------------------------------------------------------------


def _with_counts(queryset: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    return queryset.annotate(
        invited_count=Count("invitations", distinct=True),
        accepted_count=Count(
            "invitations",
            filter=Q(invitations__status=InvitationStatus.ACCEPTED),
            distinct=True,
        ),
        waitlist_count=Count(
            "invitations",
            filter=Q(invitations__status=InvitationStatus.WAITLISTED),
            distinct=True,
        ),
        attended_count=Count("invitations", filter=Q(invitations__attended=True), distinct=True),
        feedback_count=Count("invitations__feedback", distinct=True),
        average_rating=Avg("invitations__feedback__rating"),
    )


def sessions_of_rollout(*, rollout: Rollout) -> list[TrainingSession]:
    """The rollout's sessions in time order with their counts: one query."""
    return list(
        _with_counts(TrainingSession.objects.filter(phase__rollout=rollout))
        .select_related("phase", "trainer")
        .order_by("starts_at", "pk")
    )


@dataclass
class CoverageRow:
    department: Department
    trained: int
    members: int

    @property
    def percent(self) -> int:
        return 100 * self.trained // self.members if self.members else 0


def coverage_rows(*, rollout: Rollout) -> list[CoverageRow]:
    """Coverage of every department with active members, by name: two queries."""
    counts = coverage_by_department(rollout_id=rollout.pk)
    departments = Department.objects.filter(pk__in=list(counts)).only("id", "name")
    return [
        CoverageRow(department, *counts[department.pk])
        for department in sorted(departments, key=lambda d: d.name.lower())
    ]


@dataclass
class SessionPage:
    session: TrainingSession
    invitations: list[TrainingInvitation]
    feedback: list[TrainingFeedback]
    by_status: dict[str, list[TrainingInvitation]] = field(default_factory=dict)

    @property
    def groups(self) -> list[tuple[str, str, list[TrainingInvitation]]]:
        return [
            (status.value, status.label, self.by_status.get(status.value, []))
            for status in STATUS_ORDER
        ]

    @property
    def accepted(self) -> int:
        return len(self.by_status.get(InvitationStatus.ACCEPTED, []))

    @property
    def waitlist(self) -> list[TrainingInvitation]:
        return self.by_status.get(InvitationStatus.WAITLISTED, [])

    @property
    def attended(self) -> int:
        return sum(1 for invitation in self.invitations if invitation.attended)

    @property
    def average_rating(self) -> float | None:
        if not self.feedback:
            return None
        return round(sum(f.rating for f in self.feedback) / len(self.feedback), 1)


def _invitations_queryset() -> QuerySet[TrainingInvitation]:
    return TrainingInvitation.objects.select_related("person", "person__department").order_by(
        "person__last_name", "person__first_name", "pk"
    )


def session_for_page(*, queryset: QuerySet[TrainingSession], pk: int) -> TrainingSession:
    """One session with phase, rollout, trainer and audience: 3 queries. Raises DoesNotExist."""
    return (
        queryset.select_related("phase", "phase__rollout", "trainer", "guideline_version")
        .prefetch_related(
            Prefetch("audience_departments", queryset=Department.objects.only("id", "name")),
            Prefetch("audience_people", queryset=Person.objects.order_by("last_name")),
        )
        .get(pk=pk)
    )


def session_page(*, session: TrainingSession) -> SessionPage:
    """Invitations grouped by answer (the waitlist in its order) and the feedback: 2 queries."""
    invitations = list(_invitations_queryset().filter(session=session))
    by_status: dict[str, list[TrainingInvitation]] = {}
    for invitation in invitations:
        by_status.setdefault(invitation.status, []).append(invitation)
    by_status.get(InvitationStatus.WAITLISTED, []).sort(key=lambda i: (i.waitlisted_at, i.pk))
    feedback = list(
        TrainingFeedback.objects.filter(invitation__session=session)
        .select_related("invitation__person")
        .order_by("-submitted_at", "-pk")
    )
    return SessionPage(
        session=session, invitations=invitations, feedback=feedback, by_status=by_status
    )


def waitlist_place(*, invitation: TrainingInvitation) -> int | None:
    """The invitation's place on the waitlist (1 = the next seat is theirs), or None when it
    is not on it: one query."""
    if invitation.status != InvitationStatus.WAITLISTED or invitation.waitlisted_at is None:
        return None
    ahead = (
        TrainingInvitation.objects.filter(
            session_id=invitation.session_id, status=InvitationStatus.WAITLISTED
        )
        .filter(
            Q(waitlisted_at__lt=invitation.waitlisted_at)
            | Q(waitlisted_at=invitation.waitlisted_at, pk__lt=invitation.pk)
        )
        .count()
    )
    return ahead + 1


def attendance_list(*, session: TrainingSession) -> list[TrainingInvitation]:
    """Everyone on the attendance list: all invitations but the declined ones (unless ticked),
    accepted first: 1 query."""
    invitations = list(
        _invitations_queryset()
        .filter(session=session)
        .filter(~Q(status=InvitationStatus.DECLINED) | Q(attended=True))
    )
    rank = {status.value: index for index, status in enumerate(STATUS_ORDER)}
    invitations.sort(key=lambda i: rank.get(i.status, 99))
    return invitations


def invitation_for_attendance(*, session: TrainingSession, pk: int) -> TrainingInvitation:
    return _invitations_queryset().get(session=session, pk=pk)


def people_for_walk_in(*, session: TrainingSession, search: str, limit: int = 10):
    """Active people not yet on the attendance list whose name or email contains the search:
    one query, at most `limit`."""
    search = search.strip()
    if len(search) < 2:
        return Person.objects.none()
    on_list = TrainingInvitation.objects.filter(session=session, person=OuterRef("pk")).filter(
        ~Q(status=InvitationStatus.DECLINED) | Q(attended=True)
    )
    return (
        Person.objects.filter(is_active=True)
        .filter(
            Q(email__icontains=search)
            | Q(last_name__icontains=search)
            | Q(first_name__icontains=search)
        )
        .exclude(Exists(on_list))
        .select_related("department")
        .order_by("last_name", "first_name", "pk")[:limit]
    )


@dataclass
class TrainerResult:
    trainer: Person
    sessions: int
    attended: int
    feedback: int
    average_rating: float | None


def trainer_results(*, rollout: Rollout) -> list[TrainerResult]:
    """Per trainer of the rollout's sessions: sessions held, attendees, feedback count and
    average rating: one query."""
    sessions = TrainingSession.objects.filter(phase__rollout=rollout).exclude(
        status=SessionStatus.CANCELLED
    )
    trainers = (
        Person.objects.filter(trainings_given__in=sessions)
        .annotate(
            session_count=Count(
                "trainings_given",
                filter=Q(trainings_given__in=sessions),
                distinct=True,
            ),
            attended_count=Count(
                "trainings_given__invitations",
                filter=Q(trainings_given__in=sessions, trainings_given__invitations__attended=True),
                distinct=True,
            ),
            feedback_count=Count(
                "trainings_given__invitations__feedback",
                filter=Q(trainings_given__in=sessions),
                distinct=True,
            ),
            average_rating=Avg(
                "trainings_given__invitations__feedback__rating",
                filter=Q(trainings_given__in=sessions),
            ),
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    return [
        TrainerResult(
            trainer=trainer,
            sessions=trainer.session_count,
            attended=trainer.attended_count,
            feedback=trainer.feedback_count,
            average_rating=(
                round(float(trainer.average_rating), 1)
                if trainer.average_rating is not None
                else None
            ),
        )
        for trainer in trainers
    ]


def sessions_trained_by(*, user) -> QuerySet[TrainingSession]:
    """Upcoming and recent sessions (the last 30 days) the user trains."""
    since = timezone.now() - datetime.timedelta(days=30)
    return (
        TrainingSession.objects.filter(trainer__user=user, ends_at__gte=since)
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("phase__rollout")
        .order_by("starts_at", "pk")
    )
