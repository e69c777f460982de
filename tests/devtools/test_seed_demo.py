"""`manage.py seed_demo`: the demo company, its logins, its rollout, and idempotence."""

import datetime
import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.test import RequestFactory
from django.utils import timezone

from devtools.management.commands.seed_demo import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    ROLLOUT_NAME,
    demo_people,
)
from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    ActivityStatus,
    Attitude,
    AttitudeChange,
    Department,
    Person,
    PhaseKind,
    PhaseStatus,
    Role,
    Rollout,
    Stakeholder,
    StakeholderRole,
    User,
)

pytestmark = pytest.mark.django_db

DEPARTMENT_NAMES = {
    "Vertrieb",
    "Marketing",
    "Personal",
    "Kundenservice",
    "Produktion",
    "IT",
    "Einkauf",
    "Geschäftsführung",
}


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _sign_in(email: str, password: str) -> User | None:
    """Authenticate as the login form does: django-axes needs a request."""
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request, username=email, password=password)


def test_creates_the_company_with_heads_deputies_and_headcounts():
    _seed()
    departments = Department.objects.select_related("head", "deputy")
    assert {department.name for department in departments} >= DEPARTMENT_NAMES
    for department in departments:
        assert department.head is not None, department
        assert department.deputy is not None, department
        assert department.head != department.deputy
        assert department.head.department == department
        assert department.headcount == department.members.count() > 0
    people = list(Person.objects.all())
    assert 150 <= len(people) <= 170
    emails = [person.email for person in people]
    assert len(set(emails)) == len(emails)
    assert all(email.endswith("@demo.changehub.example") for email in emails)
    assert all(email.isascii() and email == email.lower() for email in emails)
    with_umlaut = next(person for person in people if "ü" in person.last_name.lower())
    assert "ue" in with_umlaut.email.split("@")[0]


def test_the_people_are_the_same_on_every_run():
    first, second = demo_people(), demo_people()
    assert first == second
    assert len({person.email for person in first}) == len(first)


def test_every_demo_login_signs_in_with_its_role():
    output = _seed()
    expected_roles = {
        "manager@demo.changehub.example": Role.MANAGER,
        "leitung@demo.changehub.example": Role.LEADERSHIP,
        "vertrieb@demo.changehub.example": Role.DEPARTMENT_HEAD,
        "mitarbeiter@demo.changehub.example": Role.EMPLOYEE,
        "betriebsrat@demo.changehub.example": Role.WORKS_COUNCIL,
    }
    assert {email for _label, email in DEMO_LOGINS} == set(expected_roles)
    for _label, email in DEMO_LOGINS:
        user = _sign_in(email, DEMO_PASSWORD)
        assert user is not None, email
        assert user.check_password(DEMO_PASSWORD)
        assert user.roles == {expected_roles[email].value}
        assert user.person.email == email
        assert email in output
        assert _sign_in(email, "falsches-passwort") is None
    assert DEMO_PASSWORD in output

    manager = User.objects.get(email="manager@demo.changehub.example")
    assert manager.is_staff and not manager.is_superuser
    leadership = User.objects.get(email="leitung@demo.changehub.example")
    management = Department.objects.get(name="Geschäftsführung")
    assert management.head == leadership.person
    head = User.objects.get(email="vertrieb@demo.changehub.example")
    sales = Department.objects.get(name="Vertrieb")
    assert sales.head == head.person
    employee = User.objects.get(email="mitarbeiter@demo.changehub.example")
    assert employee.person.department == sales
    assert not employee.is_staff
    rollout = Rollout.objects.get()
    assert rollout.sponsor == leadership.person
    assert rollout.created_by == manager


def test_one_rollout_in_the_move_phase_with_overdue_and_current_work():
    _seed()
    rollout = Rollout.objects.get()
    assert rollout.name == ROLLOUT_NAME
    today = timezone.localdate()
    assert 100 <= (today - rollout.start_date).days <= 140
    assert 220 <= (rollout.end_date - today).days <= 260
    phases = {phase.kind: phase for phase in rollout.phases.all()}
    assert phases[PhaseKind.UNFREEZE].status == PhaseStatus.COMPLETED
    assert phases[PhaseKind.MOVE].status == PhaseStatus.ACTIVE
    assert phases[PhaseKind.REFREEZE].status == PhaseStatus.PLANNED
    assert rollout.phases.filter(status=PhaseStatus.ACTIVE).get().kind == PhaseKind.MOVE

    unfreeze = phases[PhaseKind.UNFREEZE].activities.all()
    assert unfreeze.exists()
    assert all(activity.status == ActivityStatus.DONE for activity in unfreeze)
    assert all(activity.completed_at <= timezone.now() for activity in unfreeze)
    assert not phases[PhaseKind.UNFREEZE].criteria.filter(kind="manual", is_checked=False).exists()

    move = list(phases[PhaseKind.MOVE].activities.all())
    statuses = {activity.status for activity in move}
    assert {ActivityStatus.DONE, ActivityStatus.IN_PROGRESS, ActivityStatus.PLANNED} <= statuses
    assert sum(activity.is_overdue(today) for activity in move) >= 2
    week_end = today + datetime.timedelta(days=6 - today.weekday())
    due_this_week = [
        activity
        for activity in move
        if activity.is_open and activity.due_date and today <= activity.due_date <= week_end
    ]
    assert due_this_week

    activities = Activity.objects.filter(phase__rollout=rollout).annotate(
        department_count=Count("departments")
    )
    assert all(activity.owner_id is not None for activity in activities)
    assert all(activity.department_count > 0 for activity in activities)
    manager_person = Person.objects.get(email="manager@demo.changehub.example")
    owners = {activity.owner_id for activity in activities}
    assert manager_person.pk in owners
    assert owners & set(Department.objects.values_list("head", flat=True))
    assert not Activity.objects.filter(
        phase__rollout=rollout,
        phase__status=PhaseStatus.COMPLETED,
        status__in=OPEN_ACTIVITY_STATUSES,
    ).exists()


def test_stakeholders_cover_every_role_and_attitude_with_a_history():
    _seed()
    stakeholders = Stakeholder.objects.filter(rollout__name=ROLLOUT_NAME)
    assert set(stakeholders.values_list("role", flat=True)) == set(StakeholderRole.values)
    assert set(stakeholders.values_list("attitude", flat=True)) == set(Attitude.values)
    assert stakeholders.filter(attitude=Attitude.RESISTANT, influence=5).exists()
    champion_departments = set(
        stakeholders.filter(role=StakeholderRole.CHAMPION).values_list(
            "person__department__name", flat=True
        )
    )
    assert len(champion_departments) >= 2
    # Every stakeholder has its first record; a few have later changes with German notes.
    for stakeholder in stakeholders:
        latest = stakeholder.attitude_changes.order_by("-changed_at", "-pk").first()
        assert latest is not None
        assert latest.to_attitude == stakeholder.attitude
    changed = AttitudeChange.objects.filter(from_attitude__isnull=False).exclude(note="")
    assert changed.values("stakeholder").distinct().count() >= 3
    assert all(change.changed_at < timezone.now() for change in AttitudeChange.objects.all())


def _snapshot() -> dict[str, list[dict]]:
    """Every row of every table, historical tables included."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def test_running_twice_creates_and_changes_nothing():
    _seed()
    before = _snapshot()
    assert before["rollout.HistoricalPerson"]
    assert before["rollout.HistoricalActivity"]
    output = _seed()
    after = _snapshot()
    for label, rows in before.items():
        assert len(after[label]) == len(rows), label
        assert after[label] == rows, label
    assert all(email in output for _label, email in DEMO_LOGINS)
    assert Rollout.objects.count() == 1


def test_every_page_has_real_content_on_first_start(settings, tmp_path):
    """Communication items, success stories with key figures, goals with values, the gate
    decision of the completed phase, sent mail and one finished report; a second run adds
    nothing."""
    from goals.models import Goal, GoalValue
    from notifications.models import Notification, NotificationState
    from reports.models import Report, ReportStatus
    from rollout.models import CommunicationItem, GateDecision, PhaseKind, SuccessStory

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    _seed()
    items = CommunicationItem.objects.all()
    assert items.count() == 5 and items.filter(status="done").count() == 3
    assert items.exclude(social_homework="").count() == 2
    assert SuccessStory.objects.exclude(kpi_value=None).count() == 2
    assert Goal.objects.count() == 2 and GoalValue.objects.count() == 2 * 52  # a year
    decision = GateDecision.objects.get(phase__kind=PhaseKind.UNFREEZE)
    assert (
        decision.decided_by.email == "social.media@mueller-maschinenbau.de" or decision.decided_by
    )
    assert decision.snapshot
    assert Notification.objects.filter(state=NotificationState.SENT).exists()
    report = Report.objects.get()
    assert report.status == ReportStatus.READY and report.size > 10_000
    counts = (
        CommunicationItem.objects.count(),
        SuccessStory.objects.count(),
        GoalValue.objects.count(),
        Report.objects.count(),
        Notification.objects.count(),
    )
    _seed()
    assert counts == (
        CommunicationItem.objects.count(),
        SuccessStory.objects.count(),
        GoalValue.objects.count(),
        Report.objects.count(),
        Notification.objects.count(),
    )


def test_demo_stories_tie_to_the_goals_they_move():
    from goals.models import GoalStory

    _seed()
    _seed()  # once
    ties = {(link.story.title, link.goal.key_figure) for link in GoalStory.objects.all()}
    assert ("Kunde fragt nach Messe-Video auf LinkedIn an", "LinkedIn-Follower") in ties
    assert len(ties) == GoalStory.objects.count() == 2
