"""Every page tried by the whole cast, and query counts that do not grow with the data."""

import pytest
from django.urls import reverse
from django.utils import timezone

from rollout.models import Activity, ActivityStatus, Phase, PhaseKind, PhaseStatus
from rollout.services import activity_create
from tests import factories
from tests.conftest import CAST
from tests.helpers import expect_status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "login"),
        ("employee", "404"),
        ("head_a", "404"),
        ("head_b", "404"),
        ("leadership", "ok"),
        ("manager", "ok"),
    ],
)
def test_dashboard_access(cast, who, expected):
    expect_status(
        cast.client(who).get(reverse("rollout:dashboard", args=[cast.rollout.pk])), expected
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "login"),
        ("employee", "404"),
        ("head_a", "ok"),
        ("head_b", "404"),
        ("leadership", "404"),
        ("manager", "ok"),
    ],
)
def test_department_a_access(cast, who, expected):
    expect_status(
        cast.client(who).get(reverse("rollout:department_detail", args=[cast.department_a.pk])),
        expected,
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "login"),
        ("employee", "404"),
        ("head_a", "404"),
        ("head_b", "404"),
        ("leadership", "ok"),
        ("manager", "ok"),
    ],
)
def test_rollout_list_access(cast, who, expected):
    expect_status(cast.client(who).get(reverse("rollout:rollout_list")), expected)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "login"),
        ("employee", "404"),
        ("head_a", "404"),
        ("head_b", "404"),
        ("leadership", "404"),
        ("manager", "ok"),
    ],
)
def test_rollout_create_page_access(cast, who, expected):
    expect_status(cast.client(who).get(reverse("rollout:rollout_create")), expected)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "login"),
        ("employee", "404"),
        ("head_a", "404"),
        ("head_b", "404"),
        ("leadership", "404"),
        ("manager", "ok"),
    ],
)
def test_mailbox_access(cast, who, expected, settings):
    settings.MAILERS = {"default": {"BACKEND": "core.mailbox.MailboxBackend"}}
    expect_status(cast.client(who).get(reverse("rollout:mailbox")), expected)


@pytest.mark.parametrize("who", CAST)
def test_me_page(cast, who):
    expect_status(
        cast.client(who).get(reverse("rollout:me")), "login" if who == "anonymous" else "ok"
    )


HOME_PAGES = {
    "employee": ("rollout/me.html", "me", []),
    "head_a": ("rollout/workflows/my_department.html", "my_department", []),
    "head_b": ("rollout/workflows/my_department.html", "my_department", []),
    # Leadership's own start page (goals/): the verdict and the goals against targets.
    "leadership": ("goals/leadership.html", "goals:leadership", []),
    "manager": ("rollout/dashboard.html", "dashboard", ["rollout"]),
}


def _home_url(url_name: str, args: list) -> str:
    return reverse(url_name if ":" in url_name else f"rollout:{url_name}", args=args)


@pytest.mark.parametrize("who", CAST)
def test_home_renders_each_roles_page_without_a_redirect(cast, who):
    """The start page is the role's page itself: no extra round trip (anonymous still signs
    in first)."""
    response = cast.client(who).get("/", HTTP_ACCEPT_LANGUAGE="de")
    if who == "anonymous":
        expect_status(response, "login")
        return
    template, url_name, args = HOME_PAGES[who]
    expect_status(response, "ok")
    assert template in [t.name for t in response.templates]
    args = [cast.rollout.pk] if args else []
    page = cast.client(who).get(_home_url(url_name, args))
    assert template in [t.name for t in page.templates]
    # The same page, in German.
    assert response.context["request"].LANGUAGE_CODE == "de"


def test_home_without_a_rollout_says_so(client):
    from rollout.models import Role

    client.force_login(factories.UserFactory(roles=[Role.MANAGER]))
    response = client.get("/")
    expect_status(response, "ok")
    assert "rollout/no_rollout.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("who", ["manager", "leadership", "head_a", "employee"])
def test_home_costs_no_more_queries_than_the_page_and_does_not_grow(
    cast, who, django_assert_max_num_queries
):
    _template, url_name, args = HOME_PAGES[who]
    page = _home_url(url_name, [cast.rollout.pk] if args else [])
    client = cast.client(who)
    # Right after a change (the page caches are outdated) ...
    _grow(cast, activities=3, people=2)
    small = _count(django_assert_max_num_queries, client, "/")
    _grow(cast, activities=60, people=40)
    large = _count(django_assert_max_num_queries, client, "/")
    assert small == large, f"/: {small} queries with little data, {large} with more"
    _grow(cast, activities=1, people=1)
    direct = _count(django_assert_max_num_queries, client, page)
    assert large <= direct, f"/ costs {large} queries, {page} {direct}"
    # ... and from the caches.
    home_cached = _count(django_assert_max_num_queries, client, "/")
    page_cached = _count(django_assert_max_num_queries, client, page)
    assert home_cached <= page_cached, f"/ costs {home_cached} queries, {page} {page_cached}"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "login"),
        ("employee", "404"),
        ("head_a", "404"),
        ("head_b", "404"),
        ("leadership", "404"),
        ("manager", "redirect"),
    ],
)
def test_completing_an_activity_is_for_the_manager_only(cast, who, expected):
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    activity = activity_create(phase=phase, title="Kick-off", kind="meeting", by=None)
    response = cast.client(who).post(
        reverse("rollout:activity_set_status", args=[activity.pk]), {"status": "done"}
    )
    expect_status(response, expected)
    activity.refresh_from_db()
    assert (activity.status == ActivityStatus.DONE) is (who == "manager")


def test_leadership_sees_the_dashboard_read_only(cast):
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    activity_create(
        phase=phase,
        title="Kick-off mit der Geschäftsführung",
        kind="meeting",
        by=None,
        due_date=timezone.localdate(),
    )
    leadership = (
        cast.client("leadership").get(reverse("rollout:dashboard", args=[cast.rollout.pk])).text
    )
    manager = cast.client("manager").get(reverse("rollout:dashboard", args=[cast.rollout.pk])).text
    assert "Kick-off mit der Geschäftsführung" in leadership
    assert "activity_set_status" not in leadership and "/status/" not in leadership
    assert "/status/" in manager


def test_htmx_completion_returns_the_row_and_updated_counters(cast):
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    activity = activity_create(phase=phase, title="Workshop Vertrieb", kind="workshop", by=None)
    response = cast.client("manager").post(
        reverse("rollout:activity_set_status", args=[activity.pk]),
        {"status": "done"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="activity-{activity.pk}"' in response.text
    assert f'id="phase-counter-{phase.pk}"' in response.text
    assert 'data-hx-swap-oob="true"' in response.text
    assert "<html" not in response.text


def test_unknown_status_is_refused_with_a_message(cast):
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    activity = activity_create(phase=phase, title="Workshop", kind="workshop", by=None)
    response = cast.client("manager").post(
        reverse("rollout:activity_set_status", args=[activity.pk]),
        {"status": "exploded"},
        follow=True,
    )
    assert "Unbekannter Status" in response.text
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED


def test_create_rollout_from_the_lewin_template(cast):
    client = cast.client("manager")
    response = client.post(
        reverse("rollout:rollout_create"),
        {
            "name": "Social Media 2027",
            "goal": "Sichtbar werden",
            "approach": "sandwich",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "use_template": "on",
        },
    )
    assert response.status_code == 302
    rollout = cast.rollout.__class__.objects.get(name="Social Media 2027")
    phases = list(rollout.phases.order_by("order"))
    assert [p.kind for p in phases] == ["unfreeze", "move", "refreeze"]
    assert phases[0].status == PhaseStatus.ACTIVE
    assert Activity.objects.filter(phase__rollout=rollout).count() >= 12
    assert client.get(response["Location"]).status_code == 200


def test_create_rollout_with_bad_dates_keeps_the_input_and_explains(cast):
    response = cast.client("manager").post(
        reverse("rollout:rollout_create"),
        {
            "name": "Verkehrt herum",
            "approach": "sandwich",
            "start_date": "2027-12-31",
            "end_date": "2027-01-01",
        },
    )
    assert response.status_code == 400
    assert "nicht vor dem Beginn" in response.text
    assert 'value="Verkehrt herum"' in response.text


# --- Query counts at two data sizes -----------------------------------------------------------


def _grow(cast, activities: int, people: int) -> None:
    phases = list(Phase.objects.filter(rollout=cast.rollout))
    departments = [cast.department_a, cast.department_b]
    owners = factories.PersonFactory.create_batch(people, department=cast.department_a)
    for index in range(activities):
        activity = factories.ActivityFactory(
            phase=phases[index % 3], owner=owners[index % len(owners)]
        )
        activity.departments.set(departments)
        if index % 4 == 0:
            Activity.objects.filter(pk=activity.pk).update(owner=cast.employee.person)


def _count(django_assert_max_num_queries, client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        ("manager", "dashboard"),
        ("leadership", "dashboard"),
        ("head_a", "department_detail"),
        ("manager", "rollout_list"),
        ("employee", "me"),
    ],
)
def test_query_count_does_not_grow_with_the_data(
    cast, who, url_name, django_assert_max_num_queries
):
    args = {"dashboard": [cast.rollout.pk], "department_detail": [cast.department_a.pk]}.get(
        url_name, []
    )
    url = reverse(f"rollout:{url_name}", args=args)
    client = cast.client(who)
    _grow(cast, activities=3, people=2)
    small = _count(django_assert_max_num_queries, client, url)
    _grow(cast, activities=60, people=40)
    large = _count(django_assert_max_num_queries, client, url)
    assert small == large, f"{url}: {small} queries with little data, {large} with more"
    # The dashboard gathers many regions (phases, heatmap, feeds), each a fixed few queries.
    assert large <= (25 if url_name == "dashboard" else 12)


def test_cached_heatmap_shows_a_change_at_once(cast):
    """The heatmap is cached, but a new change in the feed rebuilds it on the next view."""
    from rollout.models import Attitude, StakeholderRole
    from rollout.services import stakeholder_add, stakeholder_set_attitude

    client = cast.client("manager")
    url = reverse("rollout:dashboard", args=[cast.rollout.pk])
    stakeholder = stakeholder_add(
        rollout=cast.rollout,
        person=cast.employee.person,
        role=StakeholderRole.EMPLOYEE,
        attitude=Attitude.SUPPORTIVE,
        by=cast.manager,
    )
    before = client.get(url).text
    row = f'id="readiness-{cast.department_a.pk}"'
    assert row in before
    cell = 'data-signal="champion" data-level="good"'
    assert cell not in before.split(row, 1)[1].split("</tr>", 1)[0]
    stakeholder_set_attitude(
        stakeholder=stakeholder, attitude=Attitude.CHAMPION, note="", by=cast.manager
    )
    after = client.get(url).text
    assert cell in after.split(row, 1)[1].split("</tr>", 1)[0]
