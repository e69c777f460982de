"""Every write that matters in the rollout core. Keyword-only, validated, atomic."""

import datetime
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from rollout.lewin import LEWIN_TEMPLATE, TemplateActivity
from rollout.models import (
    PHASE_ORDER,
    Activity,
    ActivityStatus,
    Attitude,
    AttitudeChange,
    CriterionKind,
    Department,
    GateCriterion,
    Person,
    Phase,
    PhaseKind,
    PhaseStatus,
    Role,
    Rollout,
    RolloutApproach,
    Stakeholder,
    User,
)


def user_create(
    *,
    email: str,
    full_name: str,
    password: str | None,
    roles: Iterable[Role] = (),
    language: str = "de",
    is_staff: bool = False,
) -> User:
    """Create a user with roles; link them to the directory entry with the same email."""
    with transaction.atomic():
        user = User(
            email=User.normalized_email(email),
            full_name=full_name,
            language=language,
            is_staff=is_staff,
        )
        user.full_clean(exclude=["password"])
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user_set_roles(user=user, roles=roles)
        person = Person.objects.filter(email__iexact=user.email, user__isnull=True).first()
        if person is not None:
            person_link_user(person=person, user=user)
    return user


def user_set_roles(*, user: User, roles: Iterable[Role]) -> None:
    groups = [Group.objects.get_or_create(name=Role(role).value)[0] for role in roles]
    user.groups.set(groups)
    user.__dict__.pop("roles", None)


def person_link_user(*, person: Person, user: User) -> Person:
    """Connect a directory entry to the account of the same person."""
    person.user = user
    person.full_clean()
    person.save(update_fields=["user"])
    return person


def rollout_create(
    *,
    name: str,
    start_date: datetime.date,
    end_date: datetime.date,
    by: User | None,
    goal: str = "",
    sponsor: Person | None = None,
    approach: str = RolloutApproach.SANDWICH,
    template: Sequence[tuple[PhaseKind, Sequence[TemplateActivity]]] | None = LEWIN_TEMPLATE,
) -> Rollout:
    """Create a rollout with its three phases (the first one active) and, by default, the
    activities and gate criteria of the Lewin template, with due dates spread over each phase."""
    rollout = Rollout(
        name=name,
        goal=goal,
        sponsor=sponsor,
        approach=approach,
        start_date=start_date,
        end_date=end_date,
        created_by=by,
    )
    rollout.full_clean()
    with transaction.atomic():
        rollout.save()
        spans = _phase_spans(start_date, end_date)
        phases = {}
        for kind, (phase_start, phase_end) in zip(PhaseKind, spans, strict=True):
            phases[kind] = Phase.objects.create(
                rollout=rollout,
                kind=kind,
                order=PHASE_ORDER[kind],
                start_date=phase_start,
                end_date=phase_end,
                status=PhaseStatus.ACTIVE if kind == PhaseKind.UNFREEZE else PhaseStatus.PLANNED,
            )
        for phase in phases.values():
            GateCriterion.objects.create(
                phase=phase, kind=CriterionKind.ACTIVITIES_DONE, threshold=100, position=0
            )
        if template:
            for kind, activities in template:
                phase = phases[kind]
                _template_activities_create(phase=phase, activities=activities)
    return rollout


def _phase_spans(
    start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """Split a rollout's time into three phases: 30 %, 45 % and 25 % of it."""
    days = (end - start).days
    first_end = start + datetime.timedelta(days=round(days * 0.30))
    second_end = start + datetime.timedelta(days=round(days * 0.75))
    return [
        (start, first_end),
        (min(first_end + datetime.timedelta(days=1), end), second_end),
        (min(second_end + datetime.timedelta(days=1), end), end),
    ]


def _template_activities_create(*, phase: Phase, activities: Sequence[TemplateActivity]) -> None:
    span = max(((phase.end_date - phase.start_date).days if phase.start_date else 0), 0)
    count = len(activities)
    for index, item in enumerate(activities):
        due = None
        if phase.start_date is not None:
            due = phase.start_date + datetime.timedelta(days=round(span * (index + 1) / count))
        Activity.objects.create(
            phase=phase,
            title=str(item.title),
            description=str(item.description),
            kind=item.kind,
            due_date=due,
            position=index,
        )
    for item in (item for item in activities if item.criterion):
        GateCriterion.objects.create(
            phase=phase,
            kind=item.criterion_kind,
            label=str(item.criterion),
            threshold=item.threshold,
            position=1,
        )


def activity_create(
    *,
    phase: Phase,
    title: str,
    kind: str,
    by: User | None,
    description: str = "",
    owner: Person | None = None,
    due_date: datetime.date | None = None,
    departments: Iterable[Department] = (),
) -> Activity:
    last = phase.activities.order_by("-position").values_list("position", flat=True).first()
    activity = Activity(
        phase=phase,
        title=title,
        kind=kind,
        description=description,
        owner=owner,
        due_date=due_date,
        position=(last + 1) if last is not None else 0,
    )
    activity.full_clean()
    with transaction.atomic():
        activity.save()
        activity.departments.set(list(departments))
    return activity


def activity_set_status(*, activity: Activity, status: ActivityStatus, by: User | None) -> Activity:
    """Move an activity to a status; completing twice keeps the first completion time."""
    if activity.status == status:
        return activity
    activity.status = status
    activity.completed_at = (
        (activity.completed_at or timezone.now()) if status == ActivityStatus.DONE else None
    )
    activity.full_clean()
    activity.save(update_fields=["status", "completed_at", "updated_at"])
    return activity


def stakeholder_add(
    *,
    rollout: Rollout,
    person: Person,
    role: str,
    by: User | None,
    influence: int = 3,
    attitude: int = Attitude.NEUTRAL,
    concerns: str = "",
) -> Stakeholder:
    stakeholder = Stakeholder(
        rollout=rollout,
        person=person,
        role=role,
        influence=influence,
        attitude=attitude,
        concerns=concerns,
    )
    stakeholder.full_clean()
    with transaction.atomic():
        stakeholder.save()
        AttitudeChange.objects.create(
            stakeholder=stakeholder, from_attitude=None, to_attitude=attitude, changed_by=by
        )
    return stakeholder


def stakeholder_set_attitude(
    *, stakeholder: Stakeholder, attitude: int, note: str, by: User | None
) -> Stakeholder:
    """Change the attitude and record the change with its note; no change, no record."""
    with transaction.atomic():
        locked = Stakeholder.objects.select_for_update().get(pk=stakeholder.pk)
        if locked.attitude == attitude:
            return locked
        AttitudeChange.objects.create(
            stakeholder=locked,
            from_attitude=locked.attitude,
            to_attitude=attitude,
            note=note,
            changed_by=by,
        )
        locked.attitude = attitude
        locked.full_clean()
        locked.save(update_fields=["attitude", "updated_at"])
    stakeholder.attitude = attitude
    return locked


def department_head_roles_sync(*, department: Department, by: User | None = None) -> None:
    """Give the head and deputy of a department the department head role if they have users
    (recorded in their login's history when it is new to them)."""
    from rollout.services.users import department_head_role_grant

    department_head_role_grant(
        user_ids=[
            person.user_id
            for person in (department.head, department.deputy)
            if person is not None and person.user_id is not None
        ],
        by=by,
    )
