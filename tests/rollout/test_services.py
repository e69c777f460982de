"""The rollout core's rules: phases, activities, stakeholders and their database invariants."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from rollout import services
from rollout.lewin import LEWIN_TEMPLATE
from rollout.models import (
    Activity,
    ActivityStatus,
    Attitude,
    AttitudeChange,
    CriterionKind,
    Department,
    GateCriterion,
    Person,
    Phase,
    PhaseStatus,
    Role,
    Stakeholder,
    StakeholderRole,
    User,
)
from rollout.selectors import rollout_dashboard
from tests import factories

pytestmark = pytest.mark.django_db
START, END = datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)


def test_rollout_has_three_phases_in_lewins_order_with_the_first_active():
    rollout = services.rollout_create(
        name="Social Media", start_date=START, end_date=END, by=None, template=None
    )
    phases = list(rollout.phases.order_by("order"))
    assert [(p.kind, p.order) for p in phases] == [("unfreeze", 1), ("move", 2), ("refreeze", 3)]
    assert [p.status for p in phases] == [
        PhaseStatus.ACTIVE,
        PhaseStatus.PLANNED,
        PhaseStatus.PLANNED,
    ]
    assert phases[0].start_date == START and phases[-1].end_date == END
    assert all(a.end_date < b.start_date for a, b in itertools.pairwise(phases))


def test_template_fills_every_phase_with_activities_due_inside_it():
    rollout = services.rollout_create(name="Social Media", start_date=START, end_date=END, by=None)
    for phase in rollout.phases.all():
        activities = list(phase.activities.all())
        assert activities, phase.kind
        assert all(phase.start_date <= a.due_date <= phase.end_date for a in activities)
    titles = set(Activity.objects.values_list("title", flat=True))
    expected = {str(item.title) for _, items in LEWIN_TEMPLATE for item in items}
    assert titles == expected
    assert GateCriterion.objects.filter(phase__rollout=rollout, kind=CriterionKind.MANUAL).exists()


def test_rollout_cannot_end_before_it_starts():
    with pytest.raises(ValidationError) as error:
        services.rollout_create(name="Verkehrt", start_date=END, end_date=START, by=None)
    assert "end_date" in error.value.message_dict


def test_only_one_phase_can_be_active():
    rollout = factories.RolloutFactory()
    move = rollout.phases.get(kind="move")
    move.status = PhaseStatus.ACTIVE
    with pytest.raises(IntegrityError), transaction.atomic():
        move.save()


def test_completing_twice_keeps_the_first_completion_time():
    activity = factories.ActivityFactory()
    services.activity_set_status(activity=activity, status=ActivityStatus.DONE, by=None)
    first = activity.completed_at
    assert first is not None
    services.activity_set_status(activity=activity, status=ActivityStatus.DONE, by=None)
    activity.refresh_from_db()
    assert activity.completed_at == first
    services.activity_set_status(activity=activity, status=ActivityStatus.IN_PROGRESS, by=None)
    activity.refresh_from_db()
    assert activity.completed_at is None


def test_a_done_activity_needs_a_completion_time_in_the_database():
    activity = factories.ActivityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(status=ActivityStatus.DONE)


def test_overdue_means_open_and_due_before_today():
    today = datetime.date(2027, 3, 10)
    activity = Activity(due_date=datetime.date(2027, 3, 9), status=ActivityStatus.PLANNED)
    assert activity.is_overdue(today)
    activity.status = ActivityStatus.DONE
    assert not activity.is_overdue(today)
    activity.status = ActivityStatus.IN_PROGRESS
    activity.due_date = today
    assert not activity.is_overdue(today)


def test_dashboard_progress_and_gate_from_real_data():
    rollout = factories.RolloutFactory()
    phase = rollout.phases.get(kind="unfreeze")
    today = phase.start_date + datetime.timedelta(days=10)
    done = factories.ActivityFactory(phase=phase, due_date=today)
    factories.ActivityFactory(phase=phase, due_date=today - datetime.timedelta(days=1))
    factories.ActivityFactory(phase=phase, status=ActivityStatus.CANCELLED)
    services.activity_set_status(activity=done, status=ActivityStatus.DONE, by=None)
    data = rollout_dashboard(rollout=rollout, today=today)
    current = data.current
    assert current.phase == phase
    assert (current.done, current.total, current.overdue, current.percent_done) == (1, 2, 1, 50)
    assert [s.value for s in current.criteria] == [50]
    assert current.gate_met is False
    assert [a.pk for a in data.overdue] == [
        Activity.objects.get(due_date=today - datetime.timedelta(days=1)).pk
    ]


def test_attitude_changes_are_recorded_with_their_note():
    manager = factories.UserFactory(roles=[Role.MANAGER])
    rollout = factories.RolloutFactory()
    person = factories.PersonFactory()
    stakeholder = services.stakeholder_add(
        rollout=rollout,
        person=person,
        role=StakeholderRole.DEPARTMENT_HEAD,
        attitude=Attitude.SCEPTICAL,
        by=manager,
    )
    services.stakeholder_set_attitude(
        stakeholder=stakeholder,
        attitude=Attitude.SUPPORTIVE,
        note="Nach dem Workshop überzeugt",
        by=manager,
    )
    services.stakeholder_set_attitude(
        stakeholder=stakeholder, attitude=Attitude.SUPPORTIVE, note="doppelt", by=manager
    )
    history = list(
        AttitudeChange.objects.filter(stakeholder=stakeholder).order_by("changed_at", "pk")
    )
    assert [(h.from_attitude, h.to_attitude) for h in history] == [
        (None, Attitude.SCEPTICAL),
        (Attitude.SCEPTICAL, Attitude.SUPPORTIVE),
    ]
    assert history[-1].note == "Nach dem Workshop überzeugt"
    assert history[-1].changed_by == manager
    assert Stakeholder.objects.get(pk=stakeholder.pk).attitude == Attitude.SUPPORTIVE


def test_influence_is_between_one_and_five():
    stakeholder = factories.StakeholderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Stakeholder.objects.filter(pk=stakeholder.pk).update(influence=6)


def test_a_person_is_a_stakeholder_of_a_rollout_once():
    stakeholder = factories.StakeholderFactory()
    with pytest.raises(ValidationError):
        services.stakeholder_add(
            rollout=stakeholder.rollout, person=stakeholder.person, role=StakeholderRole.IT, by=None
        )


def test_emails_are_unique_whatever_their_case():
    factories.PersonFactory(email="anna.berg@example.de")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(first_name="Anna", last_name="Berg", email="Anna.Berg@example.de")
    factories.UserFactory(email="anna.berg@example.de")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ANNA.BERG@example.de", full_name="Anna")


def test_head_and_deputy_are_different_people():
    person = factories.PersonFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(name="Einkauf", head=person, deputy=person)


def test_a_new_user_is_linked_to_their_directory_entry_and_given_roles():
    person = factories.PersonFactory(email="paul.klein@example.de")
    user = services.user_create(
        email="Paul.Klein@example.de", full_name="Paul Klein", password=None, roles=[Role.EMPLOYEE]
    )
    person.refresh_from_db()
    assert person.user == user
    assert user.email == "paul.klein@example.de"
    assert not user.has_usable_password()
    assert user.roles == frozenset({"employee"})


def test_phase_order_is_one_to_three():
    phase = Phase.objects.first() or factories.RolloutFactory().phases.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.filter(pk=phase.pk).update(order=4)


def test_the_roles_migration_creates_a_group_per_role():
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    migration = importlib.import_module("rollout.migrations.0002_roles")
    later = importlib.import_module("rollout.migrations.0018_works_council_role")
    Group.objects.all().delete()
    for _ in range(2):  # run twice: nothing twice
        migration.create_roles(apps, None)
        later.create_role(apps, None)
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(r.value for r in Role)
