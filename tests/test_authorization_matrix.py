"""The authorization matrix: every URL pattern of the project, tried by the whole cast with GET
and POST, against one table of what each of them may do.

A new URL pattern that is missing from MATRIX fails `test_every_url_pattern_is_in_the_matrix`,
so no view ships untried. Not walked: Django's own admin (staff only, guarded by Django; the
cast has no staff) and static files (served by WhiteNoise, not by URL patterns).

Each role's test builds the objects once (tests/matrix_fixtures.py: everything belongs to
department A, signed links are the employee's) and tries every pattern inside a savepoint that
is rolled back, so an allowed POST (say, the manager applying an import) never changes what
the next pattern sees. POST bodies are empty: a denied POST is refused before any validation
and writes nothing (the rows of every model of the project's apps are counted before and
after); an allowed one gets its form error, a redirect or a page, never a 500.

Status classes: "ok" (200/204), "redirect" (elsewhere), "login" (sent to sign in), or a code
(400 form error, 403 refused action, 404 page hidden, 405 method not allowed).
"""

import re

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse

from tests import matrix_fixtures
from tests.conftest import CAST

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("core", "rollout", "guidelines", "surveys", "goals", "reports", "notifications")
NOT_WALKED_NAMESPACES = {"admin"}
DENIED = {"login", "403", "404", "405"}

# --- The rules: a row is one class for everyone or six, in the cast's order ------------------
#                anonymous employee head_a head_b leadership manager

NO_GET = NO_POST = "405"


def manager_only(result: str, deny: str = "404") -> str:
    return f"login {deny} {deny} {deny} {deny} {result}"


def manager_leadership_read(result: str = "ok") -> str:
    return f"login 404 404 404 {result} {result}"


def heads_leadership_manager_read() -> str:
    """Guidelines' pages: heads see their department's figures, leadership the company's."""
    return "login 404 ok ok ok ok"


SIGNED_IN = "login ok ok ok ok ok"
HEAD_OF_OWN_DEPARTMENT_OR_MANAGER = "login 404 ok 404 404 ok"
HEAD_OF_OWN_DEPARTMENT_OR_MANAGER_ACTION = "login 403 {head} 403 403 {manager}"

PUBLIC = ("ok", NO_POST)  # a page anyone may see
PUBLIC_FORM = ("ok", "ok")  # an empty POST gets the form back with its errors
SIGNED_LINK = ("ok", "ok")  # the token is the permission; everyone holding it may use it
SIGNED_LINK_EMPTY_POST_400 = ("ok", "400")
SIGNED_LINK_ACTION = (NO_GET, "ok")  # "send me a new link": a page saying it was sent
MANAGER_PAGE = (manager_only("ok"), NO_POST)
MANAGER_FORM = (manager_only("ok"), manager_only("400"))
MANAGER_LEADERSHIP_READ = (manager_leadership_read(), NO_POST)


def manager_action(result: str, deny: str = "404") -> tuple[str, str]:
    """A POST-only action of the manager; `result` for the manager's empty POST."""
    return (NO_GET, manager_only(result, deny))


MATRIX: dict[str, tuple[str, str]] = {
    # Accounts, language, health (Django's auth views and two public endpoints)
    "health": PUBLIC,
    "set_language": (NO_GET, "redirect"),
    "login": ("ok redirect redirect redirect redirect redirect",) * 2,
    "logout": (NO_GET, "ok"),
    "password_reset": PUBLIC_FORM,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": ("redirect", "redirect"),  # to the token-free set-password URL
    "password_reset_complete": PUBLIC,
    "rollout:login_link_request": PUBLIC_FORM,
    "rollout:login_link": ("ok", "redirect"),  # GET asks to confirm, POST signs in
    # The outbox (notifications)
    "notifications:outbox": MANAGER_PAGE,
    "notifications:retry": manager_action("redirect", deny="403"),
    "notifications:send_now": manager_action("redirect", deny="403"),
    "notifications:channels": (manager_only("ok"), manager_only("redirect", deny="403")),
    "notifications:rules": (manager_only("ok"), manager_only("redirect", deny="403")),
    "notifications:unsubscribe": SIGNED_LINK,
    # Guidelines
    "guidelines:list": (heads_leadership_manager_read(), NO_POST),
    "guidelines:create": (manager_only("ok"), manager_only("ok", deny="403")),
    "guidelines:mine": (SIGNED_IN, NO_POST),
    "guidelines:version_new": manager_action("redirect", deny="403"),
    "guidelines:version": (heads_leadership_manager_read(), NO_POST),
    "guidelines:version_edit": (manager_only("ok"), manager_only("ok", deny="403")),
    "guidelines:version_submit": manager_action("redirect", deny="403"),
    "guidelines:version_return": manager_action("redirect", deny="403"),
    "guidelines:version_approve": manager_action("400", deny="403"),
    "guidelines:version_publish": (manager_only("redirect"), manager_only("redirect", "403")),
    "guidelines:question_add": manager_action("400", deny="403"),
    "guidelines:question_delete": manager_action("redirect", deny="403"),
    "guidelines:version_diff": (heads_leadership_manager_read(), NO_POST),
    "guidelines:compliance": (heads_leadership_manager_read(), NO_POST),
    "guidelines:compliance_csv": ("login 404 ok ok 404 ok", NO_POST),  # one row per person
    "guidelines:compliance_export": ("login 404 ok ok 404 ok", NO_POST),  # one row per person
    "guidelines:on_behalf": (manager_only("ok"), manager_only("ok", deny="403")),
    "guidelines:acknowledge_signed_in": (SIGNED_IN, "login 400 400 400 400 400"),
    "guidelines:acknowledge": SIGNED_LINK_EMPTY_POST_400,
    "guidelines:acknowledge_resend": SIGNED_LINK_ACTION,
    # Trainings (guidelines app)
    "guidelines:training_list": MANAGER_PAGE,
    "guidelines:training_create": (manager_only("ok"), manager_only("ok")),
    "guidelines:training_trainers": MANAGER_PAGE,
    "guidelines:training_detail": MANAGER_PAGE,
    "guidelines:training_edit": (manager_only("ok"), manager_only("ok")),
    "guidelines:training_cancel": manager_action("400"),
    "guidelines:training_series": (manager_only("ok"), manager_only("ok")),
    "guidelines:training_attendance": MANAGER_PAGE,
    "guidelines:training_attendance_toggle": manager_action("redirect"),
    "guidelines:training_walk_in_search": MANAGER_PAGE,
    "guidelines:training_walk_in": manager_action("400"),
    "guidelines:training_rsvp": SIGNED_LINK_EMPTY_POST_400,
    "guidelines:training_rsvp_renew": SIGNED_LINK_ACTION,
    "guidelines:training_feedback": SIGNED_LINK,
    # Rollout: home, dashboard, mailbox
    "rollout:home": ("login ok ok ok ok ok", NO_POST),  # the role's page, no redirect
    "rollout:me": (SIGNED_IN, NO_POST),
    "rollout:rollout_list": MANAGER_LEADERSHIP_READ,
    "rollout:rollout_create": (manager_only("ok"), manager_only("ok")),
    "rollout:dashboard": MANAGER_LEADERSHIP_READ,
    "rollout:readiness_group": MANAGER_LEADERSHIP_READ,
    "rollout:activity_set_status": manager_action("redirect"),
    "rollout:mailbox": MANAGER_PAGE,
    "rollout:mailbox_message": MANAGER_PAGE,
    # Plan and gates
    "rollout:plan": MANAGER_LEADERSHIP_READ,
    "rollout:plan_export": MANAGER_LEADERSHIP_READ,
    "rollout:plan_template_save": manager_action("400"),
    "rollout:plan_activity_create": manager_action("400"),
    "rollout:plan_activity_row": (manager_only("redirect"), NO_POST),  # htmx only
    "rollout:plan_activity_edit": MANAGER_FORM,
    "rollout:plan_activity_owner": (manager_only("ok"), manager_only("redirect")),
    "rollout:plan_activity_status": manager_action("redirect"),
    "rollout:plan_activity_move": manager_action("redirect"),
    "rollout:plan_activity_remove": (manager_only("ok"), manager_only("redirect")),
    "rollout:phase_gate": MANAGER_LEADERSHIP_READ,
    # the sponsor (leadership) answers a gate exception; an empty answer is sent back
    "rollout:gate_exception_decide": (NO_GET, "login 404 404 404 redirect 404"),
    "rollout:gate_exception_link": SIGNED_LINK_EMPTY_POST_400,
    "rollout:gate_criterion_add": manager_action("400"),
    "rollout:gate_criterion_check": manager_action("redirect"),
    "rollout:gate_criterion_remove": manager_action("redirect"),
    # Criteria unmet and the sponsor already asked (the fixtures' pending exception): back to
    # the gate with that message.
    "rollout:phase_advance": manager_action("redirect"),
    # Departments and people
    "rollout:department_list": MANAGER_PAGE,
    "rollout:department_detail": (HEAD_OF_OWN_DEPARTMENT_OR_MANAGER, NO_POST),
    "rollout:department_leadership": manager_action("redirect"),
    "rollout:people_import": MANAGER_FORM,
    "rollout:people_import_preview": MANAGER_PAGE,
    "rollout:people_import_status": MANAGER_PAGE,
    "rollout:people_import_confirm": manager_action("redirect"),
    "rollout:people_import_discard": manager_action("redirect"),
    "rollout:people_export": MANAGER_PAGE,
    "rollout:people_export_as": MANAGER_PAGE,
    # Users and roles (the target is the employee's login; the empty POST of the roles takes
    # all of them, which is allowed)
    "rollout:user_list": MANAGER_PAGE,
    "rollout:user_invite": MANAGER_FORM,
    "rollout:user_detail": MANAGER_PAGE,
    "rollout:user_roles": manager_action("redirect"),
    "rollout:user_deactivate": manager_action("redirect"),
    "rollout:user_reactivate": manager_action("redirect"),
    "rollout:user_invitation_resend": manager_action("redirect"),
    # Stakeholders
    "rollout:stakeholder_map": MANAGER_PAGE,
    "rollout:stakeholder_add": (manager_only("ok"), manager_only("ok")),
    "rollout:stakeholder_person_options": MANAGER_PAGE,
    "rollout:stakeholder_card": MANAGER_PAGE,
    "rollout:stakeholder_attitude": manager_action("400"),
    "rollout:stakeholder_update": manager_action("400"),
    "rollout:champion_thank": manager_action("400"),
    # Communication plan and successes
    "rollout:communication_plan": MANAGER_LEADERSHIP_READ,
    "rollout:communication_create": MANAGER_FORM,
    "rollout:communication_item": (manager_leadership_read("redirect"), NO_POST),  # htmx row
    "rollout:communication_edit": MANAGER_FORM,
    "rollout:communication_mark_sent": manager_action("redirect"),
    "rollout:communication_cancel": manager_action("redirect"),
    "rollout:communication_delete": manager_action("redirect"),
    "rollout:success_list": MANAGER_LEADERSHIP_READ,
    "rollout:success_create": MANAGER_FORM,
    "rollout:success_edit": MANAGER_FORM,
    "rollout:success_delete": manager_action("redirect"),
    # Content workflows
    "rollout:workflow_list": MANAGER_PAGE,
    "rollout:workflow_create": (manager_only("404"), manager_only("404")),  # needs ?department
    "rollout:workflow_detail": (HEAD_OF_OWN_DEPARTMENT_OR_MANAGER, NO_POST),
    # Proposed to head_a: frozen until answered, so the manager is sent to the workflow.
    "rollout:workflow_edit": (manager_only("redirect"), manager_only("redirect")),
    "rollout:workflow_propose": manager_action("redirect", deny="403"),
    "rollout:workflow_confirm": (
        NO_GET,
        HEAD_OF_OWN_DEPARTMENT_OR_MANAGER_ACTION.format(head="400", manager="400"),
    ),
    "rollout:workflow_request_changes": (
        NO_GET,
        HEAD_OF_OWN_DEPARTMENT_OR_MANAGER_ACTION.format(head="400", manager="400"),
    ),
    "rollout:delivery_create": manager_action("400", deny="403"),
    "rollout:delivery_delivered": manager_action("redirect", deny="403"),
    "rollout:workflow_link": ("ok redirect redirect redirect redirect redirect", NO_POST),
    "rollout:supply": SIGNED_LINK,
    "rollout:my_department": ("login 404 ok ok 404 404", NO_POST),
    # Goals and leadership's start page
    "goals:home": ("login ok ok ok ok ok", NO_POST),  # leadership's overview, else rollout:home
    "goals:leadership": MANAGER_LEADERSHIP_READ,
    "goals:list": MANAGER_LEADERSHIP_READ,
    "goals:create": (manager_only("ok"), manager_only("ok", deny="403")),
    "goals:detail": MANAGER_LEADERSHIP_READ,
    "goals:edit": (manager_only("ok"), manager_only("ok", deny="403")),
    "goals:value_add": manager_action("422", deny="403"),
    "goals:import": (manager_only("ok"), manager_only("ok", deny="403")),
    "goals:value_request": manager_action("redirect", deny="403"),
    "goals:value_link": SIGNED_LINK_EMPTY_POST_400,  # the owner's link (no account needed)
    "goals:story_link": manager_action("400", deny="403"),
    # Pulse surveys (the signed link is the employee's invitation to an open wave)
    "surveys:list": MANAGER_LEADERSHIP_READ,
    "surveys:create": (manager_only("ok"), manager_only("400", deny="403")),
    "surveys:results": (heads_leadership_manager_read(), NO_POST),
    "surveys:edit": (manager_only("ok"), manager_only("400", deny="403")),
    "surveys:wave_start": manager_action("redirect", deny="403"),
    "surveys:follow_up": manager_action("400", deny="403"),
    "surveys:answer": SIGNED_LINK_EMPTY_POST_400,
    # A department's results: its head (only their own department) and the manager
    "surveys:department": (HEAD_OF_OWN_DEPARTMENT_OR_MANAGER, NO_POST),
    # Reports
    "reports:report_list": MANAGER_LEADERSHIP_READ,
    "reports:report_create": (NO_GET, "login 403 403 403 400 400"),
    "reports:report_schedule": (manager_only("ok"), manager_only("400", deny="403")),
    "reports:report_export": MANAGER_LEADERSHIP_READ,
    "reports:report_status": MANAGER_LEADERSHIP_READ,
    "reports:report_download": MANAGER_LEADERSHIP_READ,
    "reports:branding": (manager_only("ok"), manager_only("400", deny="403")),
    # The works council's pages (its members: see WORKS_COUNCIL below)
    "guidelines:council_list": MANAGER_PAGE,
    "guidelines:council_version": MANAGER_PAGE,
    "guidelines:council_approve": (NO_GET, "login 403 403 403 403 403"),
    "guidelines:council_send_back": (NO_GET, "login 403 403 403 403 403"),
}

# Patterns whose allowed POST signs someone in or out: the clients are made afresh after them.
CHANGES_THE_SESSION = {"logout", "rollout:login_link"}


# The works council member (an employee with the works council role) is treated like the
# employee except where listed here: (GET, POST).
WORKS_COUNCIL = {
    "guidelines:council_list": ("ok", NO_POST),
    "guidelines:council_version": ("ok", NO_POST),
    "guidelines:council_approve": (NO_GET, "400"),
    "guidelines:council_send_back": (NO_GET, "400"),
    # Their start page is the council's page (a redirect to the guidelines app).
    "rollout:home": ("redirect", NO_POST),
    "goals:home": ("redirect", NO_POST),
    # Not asked to acknowledge anything (no department in the fixtures).
    "guidelines:acknowledge_signed_in": ("404", "404"),
}
EVERYONE = [*CAST, "works_council"]


def expected(name: str, method: str, who: str) -> str:
    if who == "works_council":
        if name in WORKS_COUNCIL:
            return WORKS_COUNCIL[name][0 if method == "GET" else 1]
        who = "employee"
    spec = MATRIX[name][0 if method == "GET" else 1].split()
    if len(spec) == 1:
        spec *= len(CAST)
    return dict(zip(CAST, spec, strict=True))[who]


# --- Walking the URL patterns ----------------------------------------------------------------


def url_pattern_names(resolver: URLResolver | None = None, namespace: str = "") -> list[str]:
    """Every named pattern, namespaced ("rollout:plan"), recursing into includes."""
    names = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in NOT_WALKED_NAMESPACES:
                continue
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            names += url_pattern_names(pattern, inner)
        else:
            names.append(
                ":".join(part for part in (namespace, pattern.name or "<unnamed>") if part)
            )
    return names


def status_class(response) -> str:
    if response.status_code in (200, 204):
        return "ok"
    if response.status_code in (301, 302, 303):
        return "login" if response["Location"].startswith("/accounts/login/") else "redirect"
    return str(response.status_code)


def project_tables() -> list[str]:
    return sorted(
        {
            model._meta.db_table
            for label in PROJECT_APPS
            for model in apps.get_app_config(label).get_models()
            if model._meta.managed and not model._meta.proxy
        }
    )


def row_counts() -> tuple[int, ...]:
    """The number of rows of every model of the project's apps, in one query."""
    tables = project_tables()
    quote = connection.ops.quote_name
    # The models' own table names, quoted: no outside input reaches this SQL.
    count = "(SELECT COUNT(*) FROM {})"
    sql = "SELECT " + ", ".join(count.format(quote(table)) for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


def project_writes(queries) -> list[str]:
    """The INSERT/UPDATE/DELETE statements on the project's tables (row counts miss updates);
    sessions, Axes and the cache are other apps' tables and may change."""
    tables = set(project_tables())
    found = []
    for query in queries:
        match = WRITE.match(query["sql"])
        if match and match.group(2) in tables:
            found.append(f"{match.group(1).upper()} {match.group(2)}")
    return found


def test_every_url_pattern_is_in_the_matrix():
    names = url_pattern_names()
    assert len(names) == len(set(names)), "two URL patterns share a name"
    assert set(names) == set(MATRIX), (
        f"not in the matrix: {sorted(set(names) - set(MATRIX))}; "
        f"no such pattern: {sorted(set(MATRIX) - set(names))}"
    )


@pytest.fixture
def matrix_objects(cast, settings, tmp_path):
    settings.MAILERS = {"default": {"BACKEND": "core.mailbox.MailboxBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return matrix_fixtures.build(cast)


@pytest.mark.parametrize("who", EVERYONE)
def test_authorization_matrix(cast, matrix_objects, who):
    client = cast.client(who)
    client.raise_request_exception = False  # a crash is a 500 in the report, not an abort
    wrong = []
    for name in url_pattern_names():
        for method in ("GET", "POST"):
            want = expected(name, method, who)
            kwargs = {
                key: value() if callable(value) else value
                for key, value in matrix_objects.kwargs.get(name, {}).items()
            }
            url = reverse(name, kwargs=kwargs)
            savepoint = transaction.savepoint_create()
            try:
                must_not_write = method == "GET" or want in DENIED
                before = row_counts() if must_not_write else None
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url) if method == "GET" else client.post(url)
                got = status_class(response)
                if got != want:
                    wrong.append(f"{method} {name} ({url}): expected {want}, got {got}")
                if must_not_write:
                    writes = project_writes(queries.captured_queries)
                    if writes or row_counts() != before:
                        wrong.append(f"{method} {name}: wrote to the database ({got}): {writes}")
            finally:
                transaction.savepoint_rollback(savepoint)
                cache.clear()
            if name in CHANGES_THE_SESSION:
                client = cast.client(who)
                client.raise_request_exception = False
    assert not wrong, f"{who}:\n" + "\n".join(wrong)


def test_a_gate_without_criteria_can_be_passed(cast):
    """Found by the matrix: advancing a phase whose criteria were all removed crashed (an empty
    snapshot failed validation, and the view read `.code` of a field error)."""
    from rollout.models import GateCriterion, PhaseKind, PhaseStatus

    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    GateCriterion.objects.filter(phase=phase).delete()
    response = cast.client("manager").post(reverse("rollout:phase_advance", args=[phase.pk]))
    assert response.status_code == 302
    phase.refresh_from_db()
    assert phase.status == PhaseStatus.COMPLETED
    assert phase.gate_decision.snapshot == []
