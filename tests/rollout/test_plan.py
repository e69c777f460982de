"""The rollout plan: the phase board, inline activity work, phase gates, the gate log and
company templates. Permissions for the whole cast, services, the gate criteria's values, and
query counts that stay the same at two data sizes."""

import datetime
import itertools
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rollout import services
from rollout.lewin import LEWIN_TEMPLATE
from rollout.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Attitude,
    CriterionKind,
    Department,
    GateCriterion,
    GateDecision,
    GateException,
    Person,
    Phase,
    PhaseKind,
    PhaseStatus,
    Rollout,
    RolloutTemplate,
    Stakeholder,
    StakeholderRole,
)
from rollout.selectors.core import RolloutSignals, _criterion_state, rollout_dashboard
from rollout.selectors.plan import (
    BOARD_LIMIT,
    BoardFilters,
    gate_overview,
    owner_candidates,
    phase_panel,
    plan_board,
)
from rollout.services import plan as plan_services
from tests import factories
from tests.helpers import expect_status

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
START, END = datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)


# --- Set-up ---------------------------------------------------------------------------------------


@pytest.fixture
def plan(cast):
    """The cast's rollout with two activities and a manual criterion in its active phase."""
    unfreeze = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    first = services.activity_create(phase=unfreeze, title="Kick-off", kind="meeting", by=None)
    second = services.activity_create(phase=unfreeze, title="Workshop", kind="workshop", by=None)
    manual = GateCriterion.objects.create(
        phase=unfreeze, kind=CriterionKind.MANUAL, label="Grünes Licht", position=5
    )
    return SimpleNamespace(
        cast=cast,
        rollout=cast.rollout,
        phase=unfreeze,
        move=cast.rollout.phases.get(kind=PhaseKind.MOVE),
        refreeze=cast.rollout.phases.get(kind=PhaseKind.REFREEZE),
        first=first,
        second=second,
        manual=manual,
    )


def _english(user) -> None:
    user.language = "en"
    user.save(update_fields=["language"])


def _db_state() -> tuple:
    """Everything the plan's endpoints can write."""
    return (
        list(
            Activity.objects.order_by("pk").values_list(
                "pk", "title", "kind", "owner_id", "due_date", "status", "position", "description"
            )
        ),
        list(
            Activity.departments.through.objects.order_by("pk").values_list(
                "activity_id", "department_id"
            )
        ),
        list(
            GateCriterion.objects.order_by("pk").values_list(
                "pk", "kind", "threshold", "label", "is_checked"
            )
        ),
        list(GateDecision.objects.order_by("pk").values_list("pk", "phase_id")),
        list(GateException.objects.order_by("pk").values_list("pk", "state")),
        list(RolloutTemplate.objects.order_by("pk").values_list("pk", "name")),
        list(Phase.objects.order_by("pk").values_list("pk", "status")),
    )


# --- Who may see and do what ----------------------------------------------------------------------

READERS = [
    ("anonymous", "login"),
    ("employee", "404"),
    ("head_a", "404"),
    ("head_b", "404"),
    ("leadership", "ok"),
    ("manager", "ok"),
]


@pytest.mark.parametrize(("who", "expected"), READERS)
def test_plan_board_access(plan, who, expected):
    expect_status(
        plan.cast.client(who).get(reverse("rollout:plan", args=[plan.rollout.pk])), expected
    )


@pytest.mark.parametrize(("who", "expected"), READERS)
def test_phase_gate_access(plan, who, expected):
    expect_status(
        plan.cast.client(who).get(reverse("rollout:phase_gate", args=[plan.phase.pk])), expected
    )


@pytest.mark.parametrize(("who", "expected"), READERS)
def test_plan_board_htmx_fragment_access(plan, who, expected):
    response = plan.cast.client(who).get(
        reverse("rollout:plan", args=[plan.rollout.pk]), {"kind": "meeting"}, **HTMX
    )
    expect_status(response, expected)


MANAGER_GETS = [
    ("plan_activity_edit", "ok"),
    ("plan_activity_owner", "ok"),
    ("plan_activity_remove", "ok"),
    ("plan_activity_row", "redirect"),
]


@pytest.mark.parametrize(
    "who", ["anonymous", "employee", "head_a", "head_b", "leadership", "manager"]
)
@pytest.mark.parametrize(("url_name", "for_manager"), MANAGER_GETS)
def test_inline_activity_forms_are_for_the_manager_only(plan, who, url_name, for_manager):
    url = reverse(f"rollout:{url_name}", args=[plan.first.pk])
    expected = {"anonymous": "login", "manager": for_manager}.get(who, "404")
    expect_status(plan.cast.client(who).get(url), expected)
    expect_status(plan.cast.client(who).get(url, **HTMX), "ok" if who == "manager" else expected)


def _posts(plan) -> dict[str, tuple[str, dict]]:
    first, phase = plan.first, plan.phase
    return {
        "create": (
            reverse("rollout:plan_activity_create", args=[phase.pk]),
            {f"new-{phase.pk}-title": "Neue Maßnahme", f"new-{phase.pk}-kind": "meeting"},
        ),
        "edit": (
            reverse("rollout:plan_activity_edit", args=[first.pk]),
            {f"edit-{first.pk}-title": "Geändert", f"edit-{first.pk}-kind": "workshop"},
        ),
        "owner": (
            reverse("rollout:plan_activity_owner", args=[first.pk]),
            {f"owner-{first.pk}-owner": plan.cast.head_a.person.pk},
        ),
        "status": (reverse("rollout:plan_activity_status", args=[first.pk]), {"status": "done"}),
        "move": (
            reverse("rollout:plan_activity_move", args=[plan.second.pk]),
            {"direction": "up", "position": plan.second.position},
        ),
        "remove": (reverse("rollout:plan_activity_remove", args=[first.pk]), {}),
        "template": (
            reverse("rollout:plan_template_save", args=[plan.rollout.pk]),
            {"name": "Unsere Vorlage"},
        ),
        "criterion_add": (
            reverse("rollout:gate_criterion_add", args=[phase.pk]),
            {"kind": "manual", "label": "IT hat LinkedIn freigeschaltet"},
        ),
        "criterion_check": (
            reverse("rollout:gate_criterion_check", args=[plan.manual.pk]),
            {"checked": "1"},
        ),
        "criterion_remove": (reverse("rollout:gate_criterion_remove", args=[plan.manual.pk]), {}),
        "advance": (
            reverse("rollout:phase_advance", args=[phase.pk]),
            {
                "override": "on",
                "reason": "Die Geschäftsführung drängt.",
                "open_activities": "leave",
            },
        ),
    }


POST_NAMES = [
    "create",
    "edit",
    "owner",
    "status",
    "move",
    "remove",
    "template",
    "criterion_add",
    "criterion_check",
    "criterion_remove",
    "advance",
]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("who", ["anonymous", "employee", "head_a", "head_b", "leadership"])
@pytest.mark.parametrize("action", POST_NAMES)
def test_denied_posts_write_nothing(plan, who, action, htmx):
    url, data = _posts(plan)[action]
    before = _db_state()
    response = plan.cast.client(who).post(url, data, **(HTMX if htmx else {}))
    expect_status(response, "login" if who == "anonymous" else "404")
    assert _db_state() == before


@pytest.mark.parametrize("action", POST_NAMES)
def test_the_manager_may_post_every_action(plan, action):
    url, data = _posts(plan)[action]
    before = _db_state()
    response = plan.cast.client("manager").post(url, data)
    expect_status(response, "redirect")
    assert _db_state() != before


def test_leadership_sees_the_board_read_only(plan):
    leadership = plan.cast.client("leadership").get(reverse("rollout:plan", args=[plan.rollout.pk]))
    manager = plan.cast.client("manager").get(reverse("rollout:plan", args=[plan.rollout.pk]))
    assert "Kick-off" in leadership.text and "Workshop" in leadership.text
    for marker in ("/plan/activities/", "/activities/new/", "/plan/template/", 'data-testid="'):
        assert marker not in leadership.text
        assert marker in manager.text


def test_leadership_sees_the_gate_read_only(plan):
    leadership = plan.cast.client("leadership").get(
        reverse("rollout:phase_gate", args=[plan.phase.pk])
    )
    manager = plan.cast.client("manager").get(reverse("rollout:phase_gate", args=[plan.phase.pk]))
    assert "Grünes Licht" in leadership.text
    for marker in ("/gate/criteria/", "/gate/advance/"):
        assert marker not in leadership.text
        assert marker in manager.text


# --- The board ------------------------------------------------------------------------------------


def test_board_shows_the_three_phases_with_counters(plan):
    services.activity_set_status(activity=plan.first, status=ActivityStatus.DONE, by=None)
    response = plan.cast.client("manager").get(reverse("rollout:plan", args=[plan.rollout.pk]))
    for phase in (plan.phase, plan.move, plan.refreeze):
        assert f'id="phase-rows-{phase.pk}"' in response.text
        assert f'id="plan-counter-{phase.pk}"' in response.text
    board = response.context["board"]
    assert [panel.phase.kind for panel in board.phases] == ["unfreeze", "move", "refreeze"]
    assert (board.phases[0].counts.done, board.phases[0].counts.total) == (1, 2)
    assert [a.title for a in board.phases[0].activities] == ["Kick-off", "Workshop"]


def test_board_filters_by_department_owner_status_and_kind(plan):
    cast = plan.cast
    owned = services.activity_create(
        phase=plan.move,
        title="Schulung Vertrieb",
        kind="training",
        by=None,
        owner=cast.head_a.person,
        departments=[cast.department_a],
        due_date=timezone.localdate() - datetime.timedelta(days=3),
    )
    services.activity_set_status(activity=plan.second, status=ActivityStatus.DONE, by=None)
    url = reverse("rollout:plan", args=[plan.rollout.pk])
    client = cast.client("manager")

    def titles(**params) -> set[str]:
        board = client.get(url, params).context["board"]
        return {a.title for panel in board.phases for a in panel.activities}

    assert titles() == {"Kick-off", "Workshop", "Schulung Vertrieb"}
    assert titles(department=cast.department_a.pk) == {"Schulung Vertrieb"}
    assert titles(department=cast.department_b.pk) == set()
    assert titles(owner="Anton") == {"Schulung Vertrieb"}
    assert titles(owner=" anton  a ") == {"Schulung Vertrieb"}
    assert titles(owner=cast.head_a.email.upper()) == {"Schulung Vertrieb"}
    assert titles(owner="Berta") == set()
    assert titles(unowned="on") == {"Kick-off", "Workshop"}
    assert titles(status="done") == {"Workshop"}
    assert titles(status="open") == {"Kick-off", "Schulung Vertrieb"}
    assert titles(status="overdue") == {owned.title}
    assert titles(kind="workshop") == {"Workshop"}
    assert titles(kind="training", department=cast.department_a.pk) == {"Schulung Vertrieb"}


def test_filtered_board_offers_no_reordering_and_keeps_the_whole_phase_counters(plan):
    client = plan.cast.client("manager")
    url = reverse("rollout:plan", args=[plan.rollout.pk])
    assert "/move/" in client.get(url).text
    response = client.get(url, {"kind": "workshop"})
    assert "/move/" not in response.text
    assert response.context["board"].phases[0].counts.total == 2


def test_unknown_filter_values_are_ignored_with_a_note(plan):
    response = plan.cast.client("manager").get(
        reverse("rollout:plan", args=[plan.rollout.pk]), {"department": "999999", "kind": "x"}
    )
    assert response.status_code == 200
    assert response.context["filter_form"].errors
    assert not response.context["board"].filters.active
    assert len(response.context["board"].phases[0].activities) == 2


def test_htmx_filter_swaps_only_the_board(plan):
    response = plan.cast.client("leadership").get(
        reverse("rollout:plan", args=[plan.rollout.pk]), {"kind": "meeting"}, **HTMX
    )
    assert response.text.lstrip().startswith('<div id="board"')
    assert "<html" not in response.text and "Kick-off" in response.text
    assert "Workshop" not in response.text
    assert "HX-Request" in response["Vary"]


def test_board_shows_a_limited_number_per_phase_and_offers_more(plan):
    Activity.objects.bulk_create(
        Activity(phase=plan.phase, title=f"Maßnahme {n}", position=10 + n)
        for n in range(BOARD_LIMIT + 5)
    )
    client = plan.cast.client("manager")
    url = reverse("rollout:plan", args=[plan.rollout.pk])
    board = client.get(url).context["board"]
    unfreeze = board.phases[0]
    assert len(unfreeze.activities) == BOARD_LIMIT
    assert unfreeze.matching == BOARD_LIMIT + 7 and unfreeze.hidden == 7
    assert unfreeze.activities[-1].can_move_down and not unfreeze.activities[0].can_move_up
    response = client.get(url, {"limit": str(board.next_limit)})
    assert len(response.context["board"].phases[0].activities) == BOARD_LIMIT + 7
    assert client.get(url, {"limit": "lots"}).context["board"].limit == BOARD_LIMIT


# --- Inline create, edit, complete, reassign, reorder, remove -------------------------------------


def test_create_without_js_redirects_to_the_new_row(plan):
    url, data = _posts(plan)["create"]
    response = plan.cast.client("manager").post(url, data)
    activity = Activity.objects.get(title="Neue Maßnahme")
    assert response["Location"].endswith(f"#activity-{activity.pk}")
    assert activity.phase == plan.phase and activity.position == plan.second.position + 1


def test_create_with_htmx_returns_a_fresh_form_the_row_and_counters(plan):
    url, data = _posts(plan)["create"]
    response = plan.cast.client("manager").post(url, data, **HTMX)
    activity = Activity.objects.get(title="Neue Maßnahme")
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<form id="create-form-{plan.phase.pk}"')
    assert f'data-hx-swap-oob="beforeend:#phase-rows-{plan.phase.pk}"' in response.text
    assert f'id="activity-{activity.pk}"' in response.text
    counter = f'id="plan-counter-{plan.phase.pk}" class="phase-counter" aria-live="polite"'
    assert f'{counter} data-hx-swap-oob="true"' in response.text
    assert "autofocus" in response.text and 'value="Neue Maßnahme"' not in response.text


def test_create_twice_in_a_row_writes_once(plan):
    url, data = _posts(plan)["create"]
    client = plan.cast.client("manager")
    client.post(url, data)
    client.post(url, data)
    assert Activity.objects.filter(title="Neue Maßnahme").count() == 1


def test_create_with_an_empty_title_keeps_the_input_and_explains(plan):
    phase = plan.phase
    data = {
        f"new-{phase.pk}-title": "",
        f"new-{phase.pk}-kind": "workshop",
        f"new-{phase.pk}-due_date": "2027-03-01",
    }
    url = reverse("rollout:plan_activity_create", args=[phase.pk])
    before = _db_state()
    response = plan.cast.client("manager").post(url, data)
    assert response.status_code == 400
    assert 'value="2027-03-01"' in response.text and 'aria-invalid="true"' in response.text
    htmx = plan.cast.client("manager").post(url, data, **HTMX)
    assert htmx.status_code == 200 and 'aria-invalid="true"' in htmx.text
    assert "<html" not in htmx.text
    assert _db_state() == before


def test_edit_row_form_then_row_again(plan):
    client = plan.cast.client("manager")
    first = plan.first
    url = reverse("rollout:plan_activity_edit", args=[first.pk])
    form_row = client.get(url, **HTMX)
    assert form_row.text.lstrip().startswith(
        f'<tr id="activity-{first.pk}" class="activity editing"'
    )
    assert f'name="edit-{first.pk}-departments"' in form_row.text
    due = "2027-02-15"
    response = client.post(
        url,
        {
            f"edit-{first.pk}-title": "Kick-off mit dem Vorstand",
            f"edit-{first.pk}-kind": "milestone",
            f"edit-{first.pk}-owner": plan.cast.head_b.person.pk,
            f"edit-{first.pk}-departments": [plan.cast.department_a.pk, plan.cast.department_b.pk],
            f"edit-{first.pk}-due_date": due,
            f"edit-{first.pk}-description": "Mit Zahlen aus der Branche.",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="activity-{first.pk}" class="activity')
    assert 'data-hx-swap-oob="true"' in response.text
    first.refresh_from_db()
    assert (first.title, first.kind, first.owner, str(first.due_date)) == (
        "Kick-off mit dem Vorstand",
        "milestone",
        plan.cast.head_b.person,
        due,
    )
    assert first.description == "Mit Zahlen aus der Branche."
    assert set(first.departments.all()) == {plan.cast.department_a, plan.cast.department_b}
    cancel = client.get(reverse("rollout:plan_activity_row", args=[first.pk]), **HTMX)
    assert "Kick-off mit dem Vorstand" in cancel.text and "editing" not in cancel.text


def test_edit_without_js_is_a_page_that_keeps_the_input_on_errors(plan):
    client = plan.cast.client("manager")
    first = plan.first
    url = reverse("rollout:plan_activity_edit", args=[first.pk])
    page = client.get(url)
    assert "<html" in page.text and f'action="{url}"' in page.text and "hx-post" not in page.text
    response = client.post(
        url, {f"edit-{first.pk}-title": "Neu", f"edit-{first.pk}-kind": "explodiert"}
    )
    assert response.status_code == 400
    assert 'value="Neu"' in response.text
    first.refresh_from_db()
    assert first.title == "Kick-off"


def test_edit_keeps_the_filters_of_the_board_without_js(plan):
    first = plan.first
    board = reverse("rollout:plan", args=[plan.rollout.pk]) + "?kind=meeting"
    response = plan.cast.client("manager").post(
        reverse("rollout:plan_activity_edit", args=[first.pk]),
        {f"edit-{first.pk}-title": "Kick-off", f"edit-{first.pk}-kind": "meeting", "next": board},
    )
    assert response["Location"] == f"{board}#activity-{first.pk}"
    evil = plan.cast.client("manager").post(
        reverse("rollout:plan_activity_status", args=[first.pk]),
        {"status": "done", "next": "https://evil.example/rollouts/1/plan/"},
    )
    assert (
        evil["Location"]
        == reverse("rollout:plan", args=[plan.rollout.pk]) + f"#activity-{first.pk}"
    )


def test_owner_choices_are_a_short_list_of_people_who_matter(plan):
    cast = plan.cast
    nobody = factories.PersonFactory(department=cast.department_a)
    stakeholder = factories.StakeholderFactory(rollout=cast.rollout).person
    deputy = factories.PersonFactory(department=cast.department_b)
    Department.objects.filter(pk=cast.department_b.pk).update(deputy=deputy)
    left = factories.PersonFactory(department=cast.department_a, is_active=False)
    Department.objects.filter(pk=cast.department_a.pk).update(deputy=left)
    candidates = set(owner_candidates(rollout=cast.rollout))
    assert {cast.head_a.person, cast.head_b.person, stakeholder, deputy} <= candidates
    assert {cast.manager.person, cast.leadership.person, cast.employee.person} <= candidates
    assert nobody not in candidates and left not in candidates

    url = reverse("rollout:plan_activity_owner", args=[plan.first.pk])
    field = f"owner-{plan.first.pk}-owner"
    refused = cast.client("manager").post(url, {field: nobody.pk})
    assert refused.status_code == 400
    plan.first.refresh_from_db()
    assert plan.first.owner is None
    accepted = cast.client("manager").post(url, {field: stakeholder.pk}, **HTMX)
    assert accepted.status_code == 200 and stakeholder.full_name in accepted.text
    plan.first.refresh_from_db()
    assert plan.first.owner == stakeholder


def test_complete_and_reopen_with_htmx_update_the_counter_out_of_band(plan):
    client = plan.cast.client("manager")
    url = reverse("rollout:plan_activity_status", args=[plan.first.pk])
    done = client.post(url, {"status": "done"}, **HTMX)
    assert done.status_code == 200
    assert done.text.lstrip().startswith(f'<tr id="activity-{plan.first.pk}"')
    assert "<template>" in done.text and f'id="plan-counter-{plan.phase.pk}"' in done.text
    assert done.context["panel"].counts.done == 1
    plan.first.refresh_from_db()
    assert plan.first.status == ActivityStatus.DONE
    reopened = client.post(url, {"status": "in_progress"}, **HTMX)
    assert reopened.context["panel"].counts.done == 0
    bad = client.post(url, {"status": "explodiert"})
    assert bad.status_code == 302
    plan.first.refresh_from_db()
    assert plan.first.status == ActivityStatus.IN_PROGRESS


def test_move_with_htmx_returns_both_rows_in_the_new_order(plan):
    client = plan.cast.client("manager")
    second = plan.second
    response = client.post(
        reverse("rollout:plan_activity_move", args=[second.pk]),
        {"direction": "up", "position": second.position},
        **HTMX,
    )
    text = response.text
    assert text.index(f'<tr id="activity-{second.pk}"') < text.index(
        f'<tr id="activity-{plan.first.pk}" class'
    )
    assert f'<tr id="activity-{plan.first.pk}" data-hx-swap-oob="delete">' in text
    assert list(plan.phase.activities.order_by("position", "pk")) == [second, plan.first]


def test_move_twice_from_a_stale_page_moves_once(plan):
    client = plan.cast.client("manager")
    third = services.activity_create(phase=plan.phase, title="Drittens", kind="meeting", by=None)
    url = reverse("rollout:plan_activity_move", args=[third.pk])
    data = {"direction": "up", "position": third.position}
    client.post(url, data)
    client.post(url, data)
    order = list(plan.phase.activities.order_by("position", "pk").values_list("title", flat=True))
    assert order == ["Kick-off", "Drittens", "Workshop"]


def test_remove_asks_first_then_removes_once(plan):
    client = plan.cast.client("manager")
    url = reverse("rollout:plan_activity_remove", args=[plan.first.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and f'action="{url}"' in confirm.text
    assert Activity.objects.filter(pk=plan.first.pk).exists()
    board = reverse("rollout:plan", args=[plan.rollout.pk])
    assert client.post(url, {"next": board})["Location"] == board
    assert not Activity.objects.filter(pk=plan.first.pk).exists()
    again = client.post(url, {"next": board + "?kind=meeting"})
    assert again["Location"] == board + "?kind=meeting"


def test_remove_with_htmx_removes_the_row_and_updates_the_counter(plan):
    client = plan.cast.client("manager")
    url = reverse("rollout:plan_activity_remove", args=[plan.first.pk])
    confirm = client.get(url, **HTMX)
    assert confirm.text.lstrip().startswith(
        f'<tr id="activity-{plan.first.pk}" class="activity editing"'
    )
    removed = client.post(url, **HTMX)
    assert removed.status_code == 200
    assert removed.text.strip().startswith("<template>")
    assert f'id="plan-counter-{plan.phase.pk}"' in removed.text
    assert removed.context["panel"].counts.total == 1
    assert client.post(url, **HTMX).status_code == 200


# --- Activity services ----------------------------------------------------------------------------


def test_activity_add_appends_and_ignores_a_double_submit(plan):
    made = plan_services.activity_add(phase=plan.phase, title=" Neu ", kind="meeting", by=None)
    again = plan_services.activity_add(phase=plan.phase, title="Neu", kind="meeting", by=None)
    other = plan_services.activity_add(phase=plan.phase, title="Neu", kind="workshop", by=None)
    assert made == again and other != made
    assert (made.title, made.position, other.position) == ("Neu", 2, 3)
    Activity.objects.filter(pk=made.pk).update(
        created_at=timezone.now() - plan_services.DOUBLE_SUBMIT_WINDOW * 2
    )
    later = plan_services.activity_add(phase=plan.phase, title="Neu", kind="meeting", by=None)
    assert later != made


def test_activity_update_validates(plan):
    with pytest.raises(ValidationError):
        plan_services.activity_update(activity=plan.first, title="", kind="meeting", by=None)


def test_activity_move_swaps_positions_and_stops_at_the_ends(plan):
    first, second = plan.first, plan.second
    assert (
        plan_services.activity_move(activity=first, direction="up", expected_position=0, by=None)
        is None
    )
    neighbour = plan_services.activity_move(
        activity=first, direction="down", expected_position=first.position, by=None
    )
    assert neighbour == second
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.position, second.position) == (1, 0)
    assert (
        plan_services.activity_move(activity=first, direction="down", expected_position=1, by=None)
        is None
    )


def test_activity_move_renumbers_equal_positions_first(plan):
    third = services.activity_create(phase=plan.phase, title="Dritte", kind="meeting", by=None)
    Activity.objects.filter(phase=plan.phase).update(position=7)
    plan_services.activity_move(activity=third, direction="up", expected_position=7, by=None)
    order = list(plan.phase.activities.order_by("position", "pk").values_list("title", "position"))
    assert order == [("Kick-off", 0), ("Dritte", 1), ("Workshop", 2)]


def test_activity_set_owner_and_remove(plan):
    person = plan.cast.head_a.person
    plan_services.activity_set_owner(activity=plan.first, owner=person, by=None)
    plan.first.refresh_from_db()
    assert plan.first.owner == person
    plan_services.activity_remove(activity=plan.first, by=None)
    assert list(plan.phase.activities.all()) == [plan.second]


# --- Gate criteria: values ------------------------------------------------------------------------


@pytest.fixture
def company():
    """Departments with and without members and champions, and a rollout's stakeholders."""
    rollout = factories.RolloutFactory()
    other = factories.RolloutFactory()
    dept = {name: factories.DepartmentFactory(name=name) for name in "ABCDE"}

    def member(name, active=True):
        return factories.PersonFactory(department=dept[name], is_active=active)

    def stake(person, attitude, on=rollout):
        return factories.StakeholderFactory(
            rollout=on, person=person, attitude=attitude, role=StakeholderRole.EMPLOYEE
        )

    stake(member("A"), Attitude.CHAMPION)  # A: covered
    member("A")
    stake(member("B"), Attitude.SUPPORTIVE)  # B: members, no champion
    stake(member("B"), Attitude.RESISTANT)
    stake(member("D"), Attitude.CHAMPION, on=other)  # D: champion of another rollout only
    stake(member("D"), Attitude.NEUTRAL)
    stake(member("E", active=False), Attitude.CHAMPION)  # E: nobody active; not counted
    # C has no members at all.
    return SimpleNamespace(rollout=rollout, other=other, departments=dept)


def test_champion_coverage_counts_departments_with_members(company, django_assert_num_queries):
    signals = RolloutSignals(company.rollout.pk)
    with django_assert_num_queries(1):
        share = signals.champion_coverage
        assert signals.champion_coverage is share
    assert (share.part, share.whole, share.percent) == (1, 3, 33)
    assert share.reaches(33) and not share.reaches(34)
    other = RolloutSignals(company.other.pk).champion_coverage
    assert (other.part, other.whole) == (1, 3)


def test_support_share_counts_the_rollouts_stakeholders(company, django_assert_num_queries):
    signals = RolloutSignals(company.rollout.pk)
    with django_assert_num_queries(1):
        share = signals.support_share
    # champion (A), supportive (B), resistant (B), neutral (D), champion (E, inactive)
    assert (share.part, share.whole, share.percent) == (3, 5, 60)
    assert share.reaches(60) and not share.reaches(61)
    empty = RolloutSignals(factories.RolloutFactory().pk).support_share
    assert (empty.percent, empty.reaches(1), empty.reaches(0)) == (0, False, True)


def test_criterion_states_of_every_kind(company):
    phase = company.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    for kind, threshold in (
        (CriterionKind.CHAMPION_COVERAGE, 30),
        (CriterionKind.SUPPORT_SHARE, 80),
    ):
        GateCriterion.objects.create(phase=phase, kind=kind, threshold=threshold, position=3)
    GateCriterion.objects.create(
        phase=phase, kind=CriterionKind.MANUAL, label="Los", is_checked=True
    )
    for index, status in enumerate(["done", "done", "planned"]):
        factories.ActivityFactory(phase=phase, status=status, position=index)
    GateCriterion.objects.filter(phase=phase, kind=CriterionKind.ACTIVITIES_DONE).update(
        threshold=67
    )
    states = {state.criterion.kind: state for state in phase_panel(phase=phase).criteria}
    # 2 of 3 done is 66.7 %: shown as 66 and not enough for 67 (no rounding up).
    assert (states["activities_done"].value, states["activities_done"].is_met) == (66, False)
    assert (states["champion_coverage"].value, states["champion_coverage"].is_met) == (33, True)
    assert (states["support_share"].value, states["support_share"].is_met) == (60, False)
    assert (states["support_share"].part, states["support_share"].whole) == (3, 5)
    assert (states["manual"].value, states["manual"].is_met) == (None, True)


def test_dashboard_computes_each_rollout_wide_value_once(company, django_assert_num_queries):
    for phase in company.rollout.phases.all():
        for kind in (CriterionKind.CHAMPION_COVERAGE, CriterionKind.SUPPORT_SHARE):
            GateCriterion.objects.create(phase=phase, kind=kind, threshold=50, position=2)
    # phases, criteria, per-phase counts, overdue list, due-this-week list; + 2 signals
    with django_assert_num_queries(5 + 2):
        data = rollout_dashboard(rollout=company.rollout)
    values = {(s.criterion.kind, s.value) for summary in data.phases for s in summary.criteria}
    assert ("champion_coverage", 33) in values and ("support_share", 60) in values


def test_criterion_state_works_without_precomputed_signals(company):
    phase = company.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    criterion = GateCriterion.objects.create(
        phase=phase, kind=CriterionKind.SUPPORT_SHARE, threshold=60
    )
    summary = SimpleNamespace(phase=phase, done=0, total=0)
    assert _criterion_state(criterion, summary).is_met


# --- Gate criteria: add, check, remove ------------------------------------------------------------


def test_criterion_add_computed_and_manual(plan):
    computed = plan_services.gate_criterion_add(
        phase=plan.phase, kind=CriterionKind.SUPPORT_SHARE, threshold=75, by=None
    )
    manual = plan_services.gate_criterion_add(
        phase=plan.phase, kind=CriterionKind.MANUAL, label="  Betriebsrat  ", threshold=50, by=None
    )
    assert (computed.threshold, manual.threshold, manual.label) == (75, None, "Betriebsrat")
    assert manual.position > computed.position > 0
    with pytest.raises(ValidationError):
        plan_services.gate_criterion_add(
            phase=plan.phase, kind=CriterionKind.SUPPORT_SHARE, threshold=75, by=None
        )
    with pytest.raises(ValidationError):
        plan_services.gate_criterion_add(phase=plan.phase, kind=CriterionKind.MANUAL, by=None)
    with pytest.raises(ValidationError):
        plan_services.gate_criterion_add(
            phase=plan.phase, kind=CriterionKind.CHAMPION_COVERAGE, by=None
        )


def test_criterion_form_errors_keep_the_input(plan):
    client = plan.cast.client("manager")
    url = reverse("rollout:gate_criterion_add", args=[plan.phase.pk])
    before = _db_state()
    for data in (
        {"kind": "manual", "label": "", "threshold": ""},
        {"kind": "support_share", "threshold": ""},
        {"kind": "support_share", "threshold": "150"},
        {"kind": "unbekannt"},
        {"kind": "manual", "label": "Grünes Licht"},  # already there
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert 'class="message error"' in response.text
    assert _db_state() == before
    ok = client.post(url, {"kind": "champion_coverage", "threshold": "80"})
    assert ok.status_code == 302
    assert plan.phase.criteria.filter(kind="champion_coverage", threshold=80).exists()


def test_manual_criterion_is_checked_by_the_wanted_state(plan):
    client = plan.cast.client("manager")
    url = reverse("rollout:gate_criterion_check", args=[plan.manual.pk])
    response = client.post(url, {"checked": "1"}, **HTMX)
    assert response.text.lstrip().startswith(f'<tr id="criterion-{plan.manual.pk}"')
    assert 'id="gate-summary"' in response.text and 'id="gate-advance"' in response.text
    client.post(url, {"checked": "1"}, **HTMX)
    plan.manual.refresh_from_db()
    assert plan.manual.is_checked
    client.post(url, {"checked": "0"})
    plan.manual.refresh_from_db()
    assert not plan.manual.is_checked
    computed = plan.phase.criteria.get(kind=CriterionKind.ACTIVITIES_DONE)
    client.post(reverse("rollout:gate_criterion_check", args=[computed.pk]), {"checked": "1"})
    computed.refresh_from_db()
    assert not computed.is_checked


def test_criterion_remove_with_htmx_removes_the_row(plan):
    response = plan.cast.client("manager").post(
        reverse("rollout:gate_criterion_remove", args=[plan.manual.pk]), **HTMX
    )
    assert response.status_code == 200
    assert f'id="criterion-{plan.manual.pk}"' not in response.text
    assert 'id="gate-summary"' in response.text
    assert not GateCriterion.objects.filter(pk=plan.manual.pk).exists()


def test_a_completed_gate_cannot_change(plan):
    plan_services.phase_advance(
        phase=plan.phase,
        by=plan.cast.manager,
        override=True,
        reason="Weiter",
        open_activities="leave",
    )
    plan.phase.refresh_from_db()
    before = _db_state()
    with pytest.raises(ValidationError):
        plan_services.gate_criterion_add(
            phase=plan.phase, kind=CriterionKind.MANUAL, label="Neu", by=None
        )
    client = plan.cast.client("manager")
    client.post(reverse("rollout:gate_criterion_check", args=[plan.manual.pk]), {"checked": "1"})
    client.post(reverse("rollout:gate_criterion_remove", args=[plan.manual.pk]))
    response = client.post(
        reverse("rollout:gate_criterion_add", args=[plan.phase.pk]),
        {"kind": "manual", "label": "X"},
    )
    assert response.status_code == 400
    assert _db_state() == before


# --- Advancing through a gate ---------------------------------------------------------------------


def _meet_everything(phase: Phase) -> None:
    phase.activities.update(status=ActivityStatus.DONE, completed_at=timezone.now())
    phase.criteria.filter(kind=CriterionKind.MANUAL).update(is_checked=True)


def test_advance_with_all_criteria_met_records_the_decision(plan):
    _meet_everything(plan.phase)
    manager = plan.cast.manager
    decision = plan_services.phase_advance(phase=plan.phase, by=manager)
    assert decision.all_met and decision.override_reason == ""
    assert decision.decided_by == manager
    assert abs((timezone.now() - decision.decided_at).total_seconds()) < 60
    assert decision.snapshot == [
        {
            "label": str(CriterionKind.ACTIVITIES_DONE.label),
            "kind": "activities_done",
            "value": 100,
            "threshold": 100,
            "met": True,
        },
        {"label": "Grünes Licht", "kind": "manual", "value": None, "threshold": None, "met": True},
    ]
    statuses = list(plan.rollout.phases.order_by("order").values_list("status", flat=True))
    assert statuses == [PhaseStatus.COMPLETED, PhaseStatus.ACTIVE, PhaseStatus.PLANNED]


def test_advance_with_unmet_criteria_needs_an_override_and_a_reason(plan):
    before = _db_state()
    with pytest.raises(ValidationError) as refused:
        plan_services.phase_advance(phase=plan.phase, by=plan.cast.manager)
    assert refused.value.code == "override_required"
    with pytest.raises(ValidationError) as refused:
        plan_services.phase_advance(
            phase=plan.phase, by=plan.cast.manager, override=True, reason="  "
        )
    assert refused.value.code == "reason_required"
    assert _db_state() == before
    decision = plan_services.phase_advance(
        phase=plan.phase,
        by=plan.cast.manager,
        override=True,
        reason=" Termin mit dem Vorstand ",
        open_activities="leave",
    )
    assert not decision.all_met and decision.override_reason == "Termin mit dem Vorstand"
    assert [item["met"] for item in decision.snapshot] == [False, False]
    assert decision.snapshot[0]["value"] == 0


def test_advance_twice_or_from_a_stale_page_advances_once(plan):
    stale = Phase.objects.get(pk=plan.phase.pk)
    plan_services.phase_advance(
        phase=plan.phase, by=plan.cast.manager, override=True, reason="Los", open_activities="leave"
    )
    before = _db_state()
    with pytest.raises(ValidationError) as refused:
        plan_services.phase_advance(
            phase=stale, by=plan.cast.manager, override=True, reason="Los", open_activities="leave"
        )
    assert refused.value.code == "not_active"
    with pytest.raises(ValidationError):
        plan_services.phase_advance(
            phase=plan.refreeze, by=plan.cast.manager, override=True, reason="Zu früh"
        )
    assert _db_state() == before
    assert GateDecision.objects.count() == 1


def test_the_last_gate_completes_the_rollout(plan):
    for phase in (plan.phase, plan.move, plan.refreeze):
        plan_services.phase_advance(
            phase=phase,
            by=plan.cast.manager,
            override=True,
            reason="Weiter",
            open_activities="leave",
        )
    assert set(plan.rollout.phases.values_list("status", flat=True)) == {PhaseStatus.COMPLETED}
    assert GateDecision.objects.filter(phase__rollout=plan.rollout).count() == 3


def test_advance_page_with_unmet_criteria_explains_and_writes_nothing(plan):
    client = plan.cast.client("manager")
    url = reverse("rollout:phase_advance", args=[plan.phase.pk])
    before = _db_state()
    no_override = client.post(url, {"reason": "Weil"})
    assert no_override.status_code == 400
    assert 'id="advance-override"' in no_override.text and 'value="Weil"' not in no_override.text
    assert "Weil</textarea>" in no_override.text
    no_reason = client.post(url, {"override": "on", "reason": ""})
    assert no_reason.status_code == 400 and 'aria-invalid="true"' in no_reason.text
    assert _db_state() == before


def test_advance_page_double_submit_advances_once_and_shows_the_log(plan):
    """Without a sponsor the manager's override decides alone."""
    Rollout.objects.filter(pk=plan.rollout.pk).update(sponsor=None)
    _english(plan.cast.manager)
    client = plan.cast.client("manager")
    url = reverse("rollout:phase_advance", args=[plan.phase.pk])
    data = {
        "override": "on",
        "reason": "Der Vorstand hat entschieden.",
        "open_activities": "leave",
    }
    first = client.post(url, data)
    decision = GateDecision.objects.get()
    assert first["Location"].endswith(f"#decision-{decision.pk}")
    second = client.post(url, data)
    assert second.status_code == 302 and GateDecision.objects.count() == 1
    plan.move.refresh_from_db()
    assert plan.move.status == PhaseStatus.ACTIVE
    page = client.get(reverse("rollout:phase_gate", args=[plan.move.pk]))
    assert f'id="decision-{decision.pk}"' in page.text
    assert "Der Vorstand hat entschieden." in page.text and "left with an override" in page.text
    assert "Mara Manager" in page.text


def test_gate_page_offers_advancing_only_on_the_active_phase(plan):
    _english(plan.cast.manager)
    client = plan.cast.client("manager")
    active = client.get(reverse("rollout:phase_gate", args=[plan.phase.pk])).text
    planned = client.get(reverse("rollout:phase_gate", args=[plan.move.pk])).text
    assert "/gate/advance/" in active and "/gate/advance/" not in planned
    assert 'id="advance-override"' in active
    _meet_everything(plan.phase)
    assert (
        'id="advance-override"'
        not in client.get(reverse("rollout:phase_gate", args=[plan.phase.pk])).text
    )
    for phase in (plan.phase, plan.move):
        plan_services.phase_advance(
            phase=phase, by=plan.cast.manager, override=True, reason="x", open_activities="leave"
        )
    last = client.get(reverse("rollout:phase_gate", args=[plan.refreeze.pk])).text
    assert "Complete the rollout" in last


def test_gate_overview_queries_do_not_depend_on_the_phase(plan, django_assert_num_queries):
    phase = Phase.objects.select_related("rollout").get(pk=plan.phase.pk)
    with django_assert_num_queries(5):
        gate = gate_overview(phase=phase)
        assert gate.next_phase == plan.move and not gate.is_last and gate.decision is None


# --- Company templates ----------------------------------------------------------------------------


def test_template_save_and_create_a_rollout_from_it(plan):
    services.activity_create(
        phase=plan.refreeze, title="Erfolge feiern", kind="communication", by=None
    )
    cancelled = services.activity_create(phase=plan.move, title="Abgesagt", kind="meeting", by=None)
    services.activity_set_status(activity=cancelled, status=ActivityStatus.CANCELLED, by=None)
    template = plan_services.rollout_template_save(
        rollout=plan.rollout, name=" Unsere Vorlage ", by=None
    )
    assert template.name == "Unsere Vorlage"
    assert template.items == [
        {"phase": "unfreeze", "title": "Kick-off", "description": "", "kind": "meeting"},
        {"phase": "unfreeze", "title": "Workshop", "description": "", "kind": "workshop"},
        {
            "phase": "refreeze",
            "title": "Erfolge feiern",
            "description": "",
            "kind": "communication",
        },
    ]
    with pytest.raises(ValidationError):
        plan_services.rollout_template_save(rollout=plan.rollout, name="Unsere Vorlage", by=None)

    shape = plan_services.rollout_template_plan(template)
    assert [kind for kind, _ in shape] == [PhaseKind.UNFREEZE, PhaseKind.MOVE, PhaseKind.REFREEZE]
    rollout = services.rollout_create(
        name="Zweite Einführung", start_date=START, end_date=END, by=None, template=shape
    )
    titles = list(
        Activity.objects.filter(phase__rollout=rollout)
        .order_by("phase__order", "position")
        .values_list("phase__kind", "title")
    )
    assert titles == [
        ("unfreeze", "Kick-off"),
        ("unfreeze", "Workshop"),
        ("refreeze", "Erfolge feiern"),
    ]


def test_template_plan_skips_what_it_does_not_understand():
    template = RolloutTemplate.objects.create(
        name="Kaputt",
        items=[
            {"phase": "move", "title": "Gut", "kind": "training", "description": "Text"},
            {"phase": "gibtsnicht", "title": "Weg"},
            {"phase": "move", "title": "  "},
            {"phase": "move", "title": "Unbekannte Art", "kind": "rakete"},
            "kein Objekt",
        ],
    )
    shape = dict(plan_services.rollout_template_plan(template))
    assert shape[PhaseKind.UNFREEZE] == ()
    assert [(a.title, a.kind, a.description) for a in shape[PhaseKind.MOVE]] == [
        ("Gut", ActivityKind.TRAINING, "Text"),
        ("Unbekannte Art", ActivityKind.MEETING, ""),
    ]


def test_template_save_page_refuses_a_taken_name(plan):
    client = plan.cast.client("manager")
    url = reverse("rollout:plan_template_save", args=[plan.rollout.pk])
    assert client.post(url, {"name": "Vorlage"}).status_code == 302
    again = client.post(url, {"name": "Vorlage"})
    assert again.status_code == 400 and 'value="Vorlage"' in again.text
    assert client.post(url, {"name": ""}).status_code == 400
    assert RolloutTemplate.objects.count() == 1


def _create_rollout(client, **extra):
    data = {
        "name": "Social Media 2028",
        "approach": "sandwich",
        "start_date": "2028-01-01",
        "end_date": "2028-12-31",
        **extra,
    }
    return client.post(reverse("rollout:rollout_create"), data)


def test_rollout_form_offers_lewin_empty_and_saved_templates(plan):
    plan_services.rollout_template_save(rollout=plan.rollout, name="Vorlage Nord", by=None)
    template = RolloutTemplate.objects.get()
    client = plan.cast.client("manager")
    page = client.get(reverse("rollout:rollout_create")).text
    assert 'value="lewin"' in page and 'value="empty"' in page
    assert f'value="saved-{template.pk}"' in page and "Vorlage Nord" in page

    assert _create_rollout(client, template=f"saved-{template.pk}").status_code == 302
    saved = Rollout.objects.get(name="Social Media 2028")
    assert list(Activity.objects.filter(phase__rollout=saved).values_list("title", flat=True)) == [
        "Kick-off",
        "Workshop",
    ]
    assert _create_rollout(client, name="Leer", template="empty").status_code == 302
    assert not Activity.objects.filter(phase__rollout__name="Leer").exists()
    assert _create_rollout(client, name="Lewin", template="lewin").status_code == 302
    lewin = Activity.objects.filter(phase__rollout__name="Lewin").count()
    assert lewin == sum(len(items) for _, items in LEWIN_TEMPLATE)
    gone = _create_rollout(client, name="Weg", template="saved-999999")
    assert gone.status_code == 400 and not Rollout.objects.filter(name="Weg").exists()


# --- Query counts at two data sizes ---------------------------------------------------------------

_serial = itertools.count()


def _grow(plan, *, departments: int, people: int, per_phase: int) -> None:
    """More of everything: departments with heads, people, stakeholders, and activities in
    every phase with owners and departments."""
    batch = next(_serial)
    depts = Department.objects.bulk_create(
        Department(name=f"Abteilung {batch}-{n}") for n in range(departments)
    )
    persons = Person.objects.bulk_create(
        Person(
            first_name="Vorname",
            last_name=f"Nachname {n}",
            email=f"p{batch}-{n}@example.de",
            department=depts[n % len(depts)],
        )
        for n in range(people)
    )
    for department, head in zip(depts, persons, strict=False):
        department.head = head
    Department.objects.bulk_update(depts, ["head"])
    Stakeholder.objects.bulk_create(
        Stakeholder(
            rollout=plan.rollout,
            person=person,
            role=StakeholderRole.EMPLOYEE,
            attitude=(n % 5) + 1,
        )
        for n, person in enumerate(persons[: people // 2])
    )
    today = timezone.localdate()
    statuses = ["planned", "in_progress", "done", "cancelled"]
    activities = Activity.objects.bulk_create(
        Activity(
            phase=phase,
            title=f"Maßnahme {batch}-{phase.order}-{n}",
            kind=ActivityKind.values[n % len(ActivityKind.values)],
            owner=persons[n % len(persons)],
            status=statuses[n % 4],
            completed_at=timezone.now() if statuses[n % 4] == "done" else None,
            due_date=today + datetime.timedelta(days=(n % 20) - 10),
            position=1000 * (batch + 1) + n,
        )
        for phase in (plan.phase, plan.move, plan.refreeze)
        for n in range(per_phase)
    )
    Activity.departments.through.objects.bulk_create(
        Activity.departments.through(activity_id=activity.pk, department_id=department.pk)
        for n, activity in enumerate(activities)
        for department in (depts[n % len(depts)], plan.cast.department_a)
    )


def _add_every_criterion_kind(plan) -> None:
    for phase in (plan.phase, plan.move, plan.refreeze):
        GateCriterion.objects.create(
            phase=phase, kind="champion_coverage", threshold=50, position=7
        )
        GateCriterion.objects.create(phase=phase, kind="support_share", threshold=60, position=8)
        GateCriterion.objects.create(
            phase=phase, kind="manual", label=f"Manuell {phase.pk}", position=9
        )


def _count(client, method: str, url: str, data=None, htmx: bool = False) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {}, **(HTMX if htmx else {}))
    assert response.status_code in (200, 302), (url, response.status_code)
    return len(queries)


def _fresh(plan, title: str) -> Activity:
    return services.activity_create(phase=plan.phase, title=title, kind="meeting", by=None)


def _manual(plan, label: str) -> GateCriterion:
    return GateCriterion.objects.create(phase=plan.phase, kind="manual", label=label, position=20)


# Each returns (client method, url, data, htmx) for one request; `n` makes each call fresh.
REQUESTS = {
    "board": lambda plan, n: ("get", reverse("rollout:plan", args=[plan.rollout.pk]), {}, False),
    "board_filtered": lambda plan, n: (
        "get",
        reverse("rollout:plan", args=[plan.rollout.pk]),
        {
            "department": plan.cast.department_a.pk,
            "status": "open",
            "kind": "meeting",
            "owner": "Anton",
            "unowned": "on",
        },
        False,
    ),
    "board_htmx": lambda plan, n: (
        "get",
        reverse("rollout:plan", args=[plan.rollout.pk]),
        {"department": plan.cast.department_a.pk},
        True,
    ),
    "gate": lambda plan, n: ("get", reverse("rollout:phase_gate", args=[plan.phase.pk]), {}, False),
    "row": lambda plan, n: (
        "get",
        reverse("rollout:plan_activity_row", args=[plan.first.pk]),
        {},
        True,
    ),
    "edit_form": lambda plan, n: (
        "get",
        reverse("rollout:plan_activity_edit", args=[plan.first.pk]),
        {},
        True,
    ),
    "owner_form": lambda plan, n: (
        "get",
        reverse("rollout:plan_activity_owner", args=[plan.first.pk]),
        {},
        True,
    ),
    "remove_form": lambda plan, n: (
        "get",
        reverse("rollout:plan_activity_remove", args=[plan.first.pk]),
        {},
        True,
    ),
    "create": lambda plan, n: (
        "post",
        reverse("rollout:plan_activity_create", args=[plan.phase.pk]),
        {f"new-{plan.phase.pk}-title": f"Neu {n}", f"new-{plan.phase.pk}-kind": "meeting"},
        True,
    ),
    "edit": lambda plan, n: (
        lambda activity: (
            "post",
            reverse("rollout:plan_activity_edit", args=[activity.pk]),
            {
                f"edit-{activity.pk}-title": f"Geändert {n}",
                f"edit-{activity.pk}-kind": "workshop",
                f"edit-{activity.pk}-owner": plan.cast.head_a.person.pk,
                f"edit-{activity.pk}-departments": [plan.cast.department_b.pk],
            },
            True,
        )
    )(_fresh(plan, f"Zu ändern {n}")),
    "owner": lambda plan, n: (
        lambda activity: (
            "post",
            reverse("rollout:plan_activity_owner", args=[activity.pk]),
            {f"owner-{activity.pk}-owner": plan.cast.head_a.person.pk},
            True,
        )
    )(_fresh(plan, f"Neue Verantwortung {n}")),
    "status": lambda plan, n: (
        "post",
        reverse("rollout:plan_activity_status", args=[_fresh(plan, f"Erledigen {n}").pk]),
        {"status": "done"},
        True,
    ),
    "move": lambda plan, n: (
        lambda activity: (
            "post",
            reverse("rollout:plan_activity_move", args=[activity.pk]),
            {"direction": "up", "position": activity.position},
            True,
        )
    )(_fresh(plan, f"Nach oben {n}")),
    "remove": lambda plan, n: (
        "post",
        reverse("rollout:plan_activity_remove", args=[_fresh(plan, f"Weg {n}").pk]),
        {},
        True,
    ),
    "criterion_check": lambda plan, n: (
        "post",
        reverse("rollout:gate_criterion_check", args=[_manual(plan, f"Haken {n}").pk]),
        {"checked": "1"},
        True,
    ),
    "criterion_remove": lambda plan, n: (
        "post",
        reverse("rollout:gate_criterion_remove", args=[_manual(plan, f"Weg {n}").pk]),
        {},
        True,
    ),
}


@pytest.mark.parametrize("who", ["manager", "leadership"])
@pytest.mark.parametrize("name", ["board", "board_filtered", "board_htmx", "gate"])
def test_pages_query_count_does_not_grow_with_the_data(plan, who, name):
    _add_every_criterion_kind(plan)
    client = plan.cast.client(who)
    _grow(plan, departments=2, people=3, per_phase=2)
    method, url, data, htmx = REQUESTS[name](plan, 0)
    small = _count(client, method, url, data, htmx)
    _grow(plan, departments=60, people=300, per_phase=BOARD_LIMIT + 30)
    large = _count(client, method, url, data, htmx)
    assert small == large, f"{name}: {small} queries with little data, {large} with more"
    assert large <= 22


@pytest.mark.parametrize("name", [n for n in REQUESTS if not n.startswith(("board", "gate"))])
def test_fragments_query_count_does_not_grow_with_the_data(plan, name):
    _add_every_criterion_kind(plan)
    client = plan.cast.client("manager")
    _grow(plan, departments=2, people=3, per_phase=2)
    small = _count(client, *REQUESTS[name](plan, 1))
    _grow(plan, departments=60, people=300, per_phase=BOARD_LIMIT + 30)
    large = _count(client, *REQUESTS[name](plan, 2))
    assert small == large, f"{name}: {small} queries with little data, {large} with more"
    assert large <= 36


def test_board_selector_queries(plan, django_assert_num_queries):
    _add_every_criterion_kind(plan)
    _grow(plan, departments=5, people=20, per_phase=BOARD_LIMIT + 1)
    # phases, criteria, counters, 2 rollout-wide values, the first rows' ids of each of the
    # 3 phases, the rows, their departments' names; filtered: also the matches per phase
    with django_assert_num_queries(10):
        board = plan_board(rollout=plan.rollout)
    assert [len(panel.activities) for panel in board.phases] == [BOARD_LIMIT] * 3
    with django_assert_num_queries(11):
        board = plan_board(rollout=plan.rollout, filters=BoardFilters(status="open"))
    assert all(len(panel.activities) <= BOARD_LIMIT for panel in board.phases)
    assert all(a.status in ("planned", "in_progress") for p in board.phases for a in p.activities)
    for panel in board.phases:
        open_ = panel.phase.activities.filter(status__in=["planned", "in_progress"]).count()
        assert panel.matching == open_ == len(panel.activities) + panel.hidden
