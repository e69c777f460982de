"""`manage.py seed_scale` (a large company) and `manage.py bench` (its load driver's parts)."""

import http.server
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from devtools.bench import (
    page_stats,
    percentile,
    results_build,
    results_table,
    run_load,
    sign_in,
)
from devtools.scale import (
    EMAIL_DOMAIN,
    LEADERSHIP_EMAIL,
    MANAGER_EMAIL,
    ROLLOUT_NAME,
    scale_departments,
    scale_people,
)
from rollout.lewin import LEWIN_TEMPLATE
from rollout.models import (
    Activity,
    ActivityStatus,
    AttitudeChange,
    CommunicationItem,
    Department,
    GateDecision,
    Person,
    PhaseKind,
    PhaseStatus,
    Role,
    Rollout,
    Stakeholder,
    SuccessStory,
    User,
)
from tests import factories

pytestmark = pytest.mark.django_db

SMALL = {"departments": 5, "people": 300, "rollout_activities": 30}
TEMPLATE_ACTIVITIES = sum(len(activities) for _kind, activities in LEWIN_TEMPLATE)


def _seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_scale", stdout=out, **{**SMALL, "password": "bench-passwort", **options})
    return out.getvalue()


# --- seed_scale --------------------------------------------------------------------------------


def test_small_company_has_the_expected_counts_and_unique_ascii_emails():
    _seed()
    people = Person.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
    assert people.count() == 300
    emails = list(people.values_list("email", flat=True))
    assert len({email.lower() for email in emails}) == 300
    assert all(email.isascii() and email == email.lower() for email in emails)
    assert {MANAGER_EMAIL, LEADERSHIP_EMAIL} <= set(emails)

    departments = Department.objects.select_related("head", "deputy")
    assert departments.count() == 5
    assert departments.filter(parent__isnull=False).count() >= 2  # nested
    for department in departments:
        assert department.head is not None and department.deputy is not None, department
        assert department.head != department.deputy
        assert department.head.department == department
        assert department.headcount == department.members.count()
        assert department.head.user is not None
        assert department.head.user.has_role(Role.DEPARTMENT_HEAD)
        assert not department.head.user.has_usable_password()
    assert sum(departments.values_list("headcount", flat=True)) == 300

    rollout = Rollout.objects.get(name=ROLLOUT_NAME)
    activities = Activity.objects.filter(phase__rollout=rollout)
    assert activities.count() == TEMPLATE_ACTIVITIES + 30
    assert Stakeholder.objects.filter(rollout=rollout).count() == 15  # one in twenty
    assert CommunicationItem.objects.filter(rollout=rollout).count() == 200
    assert SuccessStory.objects.filter(rollout=rollout).count() == 100


def test_the_rollout_is_in_the_move_phase_with_a_realistic_spread():
    _seed(stakeholders=80)
    rollout = Rollout.objects.get(name=ROLLOUT_NAME)
    phases = {phase.kind: phase for phase in rollout.phases.all()}
    assert phases[PhaseKind.UNFREEZE].status == PhaseStatus.COMPLETED
    assert phases[PhaseKind.MOVE].status == PhaseStatus.ACTIVE
    assert phases[PhaseKind.REFREEZE].status == PhaseStatus.PLANNED
    decision = GateDecision.objects.get(phase=phases[PhaseKind.UNFREEZE])
    assert decision.all_met and decision.snapshot

    today = timezone.localdate()
    activities = list(Activity.objects.filter(phase__rollout=rollout))
    assert {activity.status for activity in activities} == set(ActivityStatus.values)
    assert sum(activity.is_overdue(today) for activity in activities) >= 3
    assert len({activity.owner_id for activity in activities}) >= 5
    assert Activity.departments.through.objects.filter(activity__in=activities).exists()
    assert {activity.phase.kind for activity in activities} == set(PhaseKind.values)

    stakeholders = Stakeholder.objects.filter(rollout=rollout)
    assert set(stakeholders.values_list("attitude", flat=True)) == {1, 2, 3, 4, 5}
    for stakeholder in stakeholders.prefetch_related("attitude_changes"):
        changes = sorted(stakeholder.attitude_changes.all(), key=lambda c: (c.changed_at, c.pk))
        assert changes[0].from_attitude is None
        assert changes[-1].to_attitude == stakeholder.attitude
    assert AttitudeChange.objects.filter(from_attitude__isnull=False).exists()

    # History rows exist for bulk-created rows, dated in the past, by the manager.
    manager = User.objects.get(email=MANAGER_EMAIL)
    history = Activity.history.filter(phase__rollout=rollout, history_user=manager)
    assert history.filter(history_type="+").count() >= 30
    assert history.filter(history_type="~", status=ActivityStatus.DONE).exists()
    assert all(row.history_date <= timezone.now() for row in history)
    person_history = Person.history.filter(email__endswith=f"@{EMAIL_DOMAIN}")
    assert person_history.filter(history_type="+").count() == 300

    stories = SuccessStory.objects.filter(rollout=rollout)
    assert {"quick_win", "kpi"} == set(stories.values_list("kind", flat=True))
    assert all(story.date <= today for story in stories)
    items = CommunicationItem.objects.filter(rollout=rollout)
    assert {"done", "planned"} <= set(items.values_list("status", flat=True))


def test_manager_and_leadership_can_sign_in():
    _seed()
    request = RequestFactory().post("/accounts/login/")
    manager = authenticate(request, username=MANAGER_EMAIL, password="bench-passwort")
    leadership = authenticate(request, username=LEADERSHIP_EMAIL, password="bench-passwort")
    assert manager is not None and manager.is_manager
    assert leadership is not None and leadership.is_leadership
    assert manager.person.email == MANAGER_EMAIL
    assert Rollout.objects.get(name=ROLLOUT_NAME).sponsor == leadership.person


def _snapshot() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def test_running_twice_with_the_same_arguments_creates_nothing():
    _seed()
    before = _snapshot()
    output = _seed()
    assert _snapshot() == before
    assert "exists already" in output
    assert "0 new" in output


def test_it_adds_to_existing_data_without_touching_it(cast):
    existing_people = set(Person.objects.values_list("pk", "email"))
    cast.department_a.refresh_from_db()
    head_a = cast.department_a.head_id
    _seed()
    assert existing_people <= set(Person.objects.values_list("pk", "email"))
    cast.department_a.refresh_from_db()
    assert cast.department_a.head_id == head_a
    assert Rollout.objects.filter(pk=cast.rollout.pk).exists()
    assert Department.objects.count() == 2 + 5


def test_workflows_guidelines_and_trainings_have_a_realistic_spread():
    from guidelines.models import (
        Acknowledgment,
        AcknowledgmentRequest,
        GuidelineVersion,
        InvitationStatus,
        TrainingFeedback,
        TrainingInvitation,
        TrainingSession,
        VersionStatus,
    )
    from rollout.models import ContentDelivery, ContentWorkflow, WorkflowEvent, WorkflowState

    _seed(people=1000)
    now = timezone.now()
    workflows = ContentWorkflow.objects.filter(department__name__isnull=False)
    assert 5 <= workflows.count() <= 15
    latest = set(workflows.values_list("latest_revision__state", flat=True))
    assert WorkflowState.CONFIRMED in latest
    assert len(latest) >= 2
    for workflow in workflows.select_related("confirmed_revision", "latest_revision"):
        assert workflow.latest_revision is not None
        if workflow.confirmed_revision:
            assert workflow.confirmed_revision.state == WorkflowState.CONFIRMED
        assert WorkflowEvent.objects.filter(workflow=workflow).exists()
    deliveries = ContentDelivery.objects.all()
    assert deliveries.exists()
    assert all(d.due_at >= d.requested_at and d.requested_at <= now for d in deliveries)

    published = GuidelineVersion.objects.filter(status=VersionStatus.PUBLISHED)
    assert published.count() == 2
    assert GuidelineVersion.objects.filter(status=VersionStatus.SUPERSEDED).count() == 1
    for version in published:
        requests = AcknowledgmentRequest.objects.filter(version=version).count()
        acknowledged = Acknowledgment.objects.filter(version=version).count()
        assert requests > 0
        assert 0.55 <= acknowledged / requests <= 0.85, (version, acknowledged, requests)
    overdue = [version for version in published if version.is_overdue()]
    assert len(overdue) == 1
    assert not Acknowledgment.objects.filter(acknowledged_at__gt=now).exists()

    sessions = TrainingSession.objects.all()
    assert sessions.filter(starts_at__lt=now).exists() and sessions.filter(starts_at__gt=now)
    invitations = TrainingInvitation.objects.all()
    assert invitations.filter(attended=True, session__ends_at__lt=now).exists()
    assert not invitations.filter(attended=True, session__starts_at__gt=now).exists()
    statuses = set(invitations.values_list("status", flat=True))
    assert {InvitationStatus.ACCEPTED, InvitationStatus.DECLINED} <= statuses
    for session in sessions:
        accepted = invitations.filter(session=session, status=InvitationStatus.ACCEPTED).count()
        assert accepted <= session.capacity
    assert TrainingFeedback.objects.exists()
    assert TrainingSession.history.filter(history_type="+").count() == sessions.count()


class _Rollback(Exception):
    pass


def test_the_content_is_the_same_on_every_run_and_added_once():
    from django.db import transaction

    from devtools.scale_content import seed_scale_content
    from guidelines.models import Acknowledgment, TrainingInvitation
    from rollout.models import ContentDelivery, WorkflowRevision

    def fingerprint():
        return (
            sorted(WorkflowRevision.objects.values_list("workflow__title", "number", "state")),
            sorted(ContentDelivery.objects.values_list("workflow__title", "description")),
            sorted(Acknowledgment.objects.values_list("person__email", "version__number")),
            sorted(TrainingInvitation.objects.values_list("person__email", "status", "attended")),
        )

    runs = []
    for _ in range(2):
        with pytest.raises(_Rollback), transaction.atomic():
            _seed()
            runs.append(fingerprint())
            raise _Rollback
    assert runs[0] == runs[1]
    assert runs[0][2], "acknowledgments were made"

    _seed()
    before = _snapshot()
    counts = seed_scale_content(
        rollout=Rollout.objects.get(name=ROLLOUT_NAME),
        manager=User.objects.get(email=MANAGER_EMAIL),
        persons={person.email: person for person in Person.objects.all()},
        departments={department.name: department for department in Department.objects.all()},
    )
    assert counts.workflows == counts.requests == counts.sessions == 0
    assert _snapshot() == before


def test_the_generated_company_is_deterministic_and_unique_at_full_size():
    departments = scale_departments(200)
    assert len({department.name.lower() for department in departments}) == 200
    names = {department.name for department in departments}
    assert all(department.parent in names for department in departments if department.parent)
    people = scale_people(20_000, departments)
    assert len(people) == 20_000
    assert len({person.email for person in people}) == 20_000
    assert people == scale_people(20_000, departments)


# --- bench -------------------------------------------------------------------------------------


def test_bench_help_works():
    env = {**os.environ, "DEBUG": "true"}
    completed = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    for option in ("--users", "--seconds", "--out", "--think-ms", "--gunicorn"):
        assert option in completed.stdout


def test_bench_without_scale_data_stops_with_a_message():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="seed_scale"):
        call_command("bench", "--seconds", "1", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        (list(range(1, 101)), 50, 50),
        (list(range(1, 101)), 95, 95),
        (list(range(1, 101)), 99, 99),
        (list(range(1, 101)), 100, 100),
        ([40, 10, 30, 20], 50, 20),
        ([40, 10, 30, 20], 95, 40),
        ([7.5], 99, 7.5),
        ([], 95, None),
    ],
)
def test_percentile_is_the_nearest_rank(values, q, expected):
    assert percentile(values, q) == expected


def test_page_stats_aggregates_latencies():
    stats = page_stats([float(value) for value in range(1, 101)], errors=3, seconds=4)
    assert stats == {
        "requests": 100,
        "errors": 3,
        "rps": 25.0,
        "mean_ms": 50.5,
        "p50_ms": 50.0,
        "p95_ms": 95.0,
        "p99_ms": 99.0,
        "max_ms": 100.0,
    }
    empty = page_stats([], errors=2, seconds=1)
    assert empty["p95_ms"] is None and empty["requests"] == 0 and empty["errors"] == 2


def test_results_have_the_required_keys_and_a_readable_table():
    dashboard = {
        "path": "/rollouts/1/",
        "status": 200,
        **page_stats([10, 20, 30], errors=0, seconds=1),
    }
    plan = {"path": "/rollouts/1/plan/", "status": 404}
    results = results_build(
        pages={"dashboard": dashboard, "plan": plan},
        settings={"users": 20},
        machine={"cpus": 2},
        data={"people": 20_000},
        git={"commit": "abc"},
        date="2026-01-01T00:00:00+00:00",
    )
    assert results["dashboard_p95_ms"] == 30
    assert results["plan_p95_ms"] is None
    assert results["departments_p95_ms"] is None
    assert results["stakeholders_p95_ms"] is None
    assert results["targets_met"] == {"dashboard": True, "plan": False}
    for key in ("machine", "date", "data", "git", "settings", "pages", "total_errors"):
        assert key in results
    json.dumps(results)  # serialisable
    table = results_table(results)
    assert "dashboard" in table and "<60 ok" in table
    assert "HTTP 404, not measured" in table


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = 200 if self.path == "/ok/" and "sessionid=abc" in self.headers["Cookie"] else 404
        body = b"hello"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def tiny_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_run_load_counts_answers_and_errors(tiny_server):
    common = {"host": "127.0.0.1", "port": tiny_server, "users": 3, "seconds": 0.3}
    good = run_load(cookies={"sessionid": "abc"}, paths=["/ok/"], **common)
    assert good.errors == 0
    assert len(good.latencies_ms) > 3
    assert good.seconds >= 0.3
    bad = run_load(cookies={"sessionid": "abc"}, paths=["/ok/", "/missing/"], **common)
    assert bad.errors > 0 and bad.latencies_ms
    assert any("HTTP 404" in sample for sample in bad.error_samples)
    no_cookie = run_load(cookies={}, paths=["/ok/"], think_ms=50, **common)
    assert no_cookie.errors > 0 and not no_cookie.latencies_ms


@pytest.mark.django_db(transaction=True)
def test_sign_in_goes_through_the_real_login_form(live_server):
    user = factories.UserFactory(roles=[Role.MANAGER])
    port = int(live_server.url.rsplit(":", 1)[1])
    cookies = sign_in("127.0.0.1", port, user.email, factories.DEFAULT_PASSWORD)
    assert cookies.get("sessionid")
    with pytest.raises(RuntimeError, match="failed"):
        sign_in("127.0.0.1", port, user.email, "falsches-passwort")


def test_bench_writes_under_the_var_dir_by_default():
    from devtools.management.commands.bench import Command

    parser = Command().create_parser("manage.py", "bench")
    defaults = parser.parse_args([])
    assert Path(defaults.out) == settings.VAR_DIR / "bench" / "results.json"
    assert defaults.users == 20 and defaults.seconds == 20


def test_bench_profile_measures_the_cached_page_and_the_page_after_a_change():
    from devtools.management.commands.bench import Command

    _seed()
    rollout = Rollout.objects.get(name=ROLLOUT_NAME)
    paths = {"dashboard": f"/rollouts/{rollout.pk}/", "plan": f"/rollouts/{rollout.pk}/plan/"}
    profile = Command()._profile(MANAGER_EMAIL, paths)
    for key in paths:
        cached, fresh = profile[key], profile[key]["after_change"]
        assert {"queries", "total_ms", "sql_ms", "python_ms", "cpu_ms"} <= cached.keys()
        # After a change the page is rebuilt from the database: more queries than cached.
        assert fresh["queries"] > cached["queries"]
