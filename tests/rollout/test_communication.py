"""The internal communication plan, success stories, and the dashboard's upcoming events and
latest changes: permissions for the whole cast, services, selectors, includes, query counts."""

import datetime
import decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from rollout.models import (
    ActivityStatus,
    Attitude,
    Channel,
    CommunicationItem,
    CommunicationStatus,
    GateCriterion,
    KpiName,
    PhaseKind,
    StoryKind,
    SuccessStory,
)
from rollout.selectors import activity_feed
from rollout.selectors import communication as selectors
from rollout.services import activity_create, activity_set_status, stakeholder_set_attitude
from rollout.services import communication as services
from tests import factories
from tests.helpers import expect_status

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = datetime.date(2026, 3, 18)  # a Wednesday in ISO week 12


# --- Helper factories ---------------------------------------------------------------------------


def make_item(rollout, *, by=None, departments=(), **fields) -> CommunicationItem:
    values = {
        "date": timezone.localdate() + datetime.timedelta(days=3),
        "channel": Channel.NEWSLETTER,
        "message": f"Neuigkeiten aus dem Social-Media-Team {CommunicationItem.objects.count()}",
    }
    values.update(fields)
    status = values.pop("status", None)
    item = services.communication_item_create(
        rollout=rollout, by=by, audience_departments=departments, **values
    )
    if status:
        services.communication_item_set_status(item=item, status=status, by=by)
    return item


def make_story(rollout, *, by=None, **fields) -> SuccessStory:
    values = {
        "kind": StoryKind.QUICK_WIN,
        "title": f"Erster Erfolg {SuccessStory.objects.count()}",
        "date": timezone.localdate(),
    }
    values.update(fields)
    return services.success_story_create(rollout=rollout, by=by, **values)


def english(*users) -> None:
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


def _snapshot():
    """Everything a denied request could have written."""
    return (
        list(CommunicationItem.objects.order_by("pk").values()),
        list(SuccessStory.objects.order_by("pk").values()),
        CommunicationItem.history.count(),
        SuccessStory.history.count(),
    )


VIEWERS = [
    ("anonymous", "login"),
    ("employee", "404"),
    ("head_a", "404"),
    ("head_b", "404"),
    ("leadership", "ok"),
    ("manager", "ok"),
]
MANAGER_ONLY = [
    ("anonymous", "login"),
    ("employee", "404"),
    ("head_a", "404"),
    ("head_b", "404"),
    ("leadership", "404"),
    ("manager", "ok"),
]
MANAGER_WRITES = [(who, "redirect" if who == "manager" else e) for who, e in MANAGER_ONLY]


# --- Permissions: pages --------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), VIEWERS)
def test_communication_plan_access(cast, who, expected):
    make_item(cast.rollout, departments=[cast.department_a])
    url = reverse("rollout:communication_plan", args=[cast.rollout.pk])
    expect_status(cast.client(who).get(url), expected)


@pytest.mark.parametrize(("who", "expected"), VIEWERS)
def test_success_list_access(cast, who, expected):
    make_story(cast.rollout, department=cast.department_a)
    url = reverse("rollout:success_list", args=[cast.rollout.pk])
    expect_status(cast.client(who).get(url), expected)


@pytest.mark.parametrize(("who", "expected"), MANAGER_ONLY)
@pytest.mark.parametrize("htmx", [False, True])
def test_communication_edit_form_access(cast, who, expected, htmx):
    item = make_item(cast.rollout)
    url = reverse("rollout:communication_edit", args=[item.pk])
    expect_status(cast.client(who).get(url, **(HTMX if htmx else {})), expected)


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
def test_communication_item_fragment_access(cast, who, expected):
    item = make_item(cast.rollout)
    url = reverse("rollout:communication_item", args=[item.pk])
    response = cast.client(who).get(url, **HTMX)
    expect_status(response, expected)
    if expected == "ok":
        assert f'id="communication-{item.pk}"' in response.text
        assert "<html" not in response.text
        assert ("/sent/" in response.text) is (who == "manager")


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("communication_create", "rollout"),
        ("success_create", "rollout"),
        ("success_edit", "story"),
    ],
)
@pytest.mark.parametrize(("who", "expected"), MANAGER_ONLY)
def test_manager_only_form_pages(cast, who, expected, name, args):
    story = make_story(cast.rollout)
    pk = cast.rollout.pk if args == "rollout" else story.pk
    expect_status(cast.client(who).get(reverse(f"rollout:{name}", args=[pk])), expected)


def test_a_missing_item_or_rollout_is_404_for_the_manager(cast):
    client = cast.client("manager")
    assert client.get(reverse("rollout:communication_plan", args=[9999])).status_code == 404
    assert client.get(reverse("rollout:communication_edit", args=[9999])).status_code == 404
    assert client.post(reverse("rollout:communication_mark_sent", args=[9999])).status_code == 404
    assert client.post(reverse("rollout:success_delete", args=[9999])).status_code == 404


# --- Permissions: every POST by the whole cast, nothing written on denial ------------------------


def _item_post(cast, item):
    return {
        f"item-{item.pk}-date": "2026-05-04",
        f"item-{item.pk}-channel": Channel.INTRANET,
        f"item-{item.pk}-message": "Geänderte Nachricht",
        f"item-{item.pk}-audience_departments": [cast.department_b.pk],
        f"item-{item.pk}-audience_note": "",
        f"item-{item.pk}-owner": "",
        f"item-{item.pk}-social_homework": "",
        f"item-{item.pk}-status": CommunicationStatus.PLANNED,
    }


def _story_post(cast):
    return {
        "kind": StoryKind.KPI,
        "date": "2026-03-01",
        "department": cast.department_a.pk,
        "title": "Mehr Follower",
        "description": "",
        "kpi_name": KpiName.FOLLOWERS,
        "kpi_value": "1250",
    }


POSTS = {
    "communication_create": lambda cast, item, story: (
        reverse("rollout:communication_create", args=[cast.rollout.pk]),
        {
            "date": "2026-04-01",
            "channel": Channel.NEWSLETTER,
            "message": "Neue Nachricht",
            "audience_departments": [cast.department_a.pk],
        },
    ),
    "communication_edit": lambda cast, item, story: (
        reverse("rollout:communication_edit", args=[item.pk]),
        _item_post(cast, item),
    ),
    "communication_mark_sent": lambda cast, item, story: (
        reverse("rollout:communication_mark_sent", args=[item.pk]),
        {},
    ),
    "communication_cancel": lambda cast, item, story: (
        reverse("rollout:communication_cancel", args=[item.pk]),
        {},
    ),
    "communication_delete": lambda cast, item, story: (
        reverse("rollout:communication_delete", args=[item.pk]),
        {},
    ),
    "success_create": lambda cast, item, story: (
        reverse("rollout:success_create", args=[cast.rollout.pk]),
        _story_post(cast),
    ),
    "success_edit": lambda cast, item, story: (
        reverse("rollout:success_edit", args=[story.pk]),
        {**_story_post(cast), "title": "Geänderter Titel"},
    ),
    "success_delete": lambda cast, item, story: (
        reverse("rollout:success_delete", args=[story.pk]),
        {},
    ),
}


@pytest.mark.parametrize("action", sorted(POSTS))
@pytest.mark.parametrize(("who", "expected"), MANAGER_WRITES)
@pytest.mark.parametrize("htmx", [False, True])
def test_every_post_is_for_the_manager_only(cast, who, expected, action, htmx):
    item = make_item(cast.rollout)
    story = make_story(cast.rollout)
    url, data = POSTS[action](cast, item, story)
    before = _snapshot()
    response = cast.client(who).post(url, data, **(HTMX if htmx else {}))
    if who == "manager":
        assert response.status_code in (200, 302), response.content[:500]
        assert _snapshot() != before
    else:
        expect_status(response, expected)
        assert _snapshot() == before


@pytest.mark.parametrize("name", ["communication_plan", "success_list"])
def test_get_only_pages_refuse_posts(cast, name):
    before = _snapshot()
    response = cast.client("manager").post(reverse(f"rollout:{name}", args=[cast.rollout.pk]))
    assert response.status_code == 405
    assert _snapshot() == before


def test_leadership_sees_plan_and_successes_read_only(cast):
    english(cast.leadership, cast.manager)
    make_item(
        cast.rollout,
        message="Vorstellung im Newsletter",
        social_homework="LinkedIn-Profil aktualisieren",
    )
    make_story(cast.rollout, kind=StoryKind.KPI, kpi_name=KpiName.REACH, kpi_value=5000)
    plan = reverse("rollout:communication_plan", args=[cast.rollout.pk])
    successes = reverse("rollout:success_list", args=[cast.rollout.pk])
    for url in (plan, successes):
        leadership = cast.client("leadership").get(url).text
        manager = cast.client("manager").get(url).text
        assert "Read-only view" in leadership
        assert 'method="post"' not in leadership.split('id="main"')[1]
        assert "/edit/" not in leadership and "/delete/" not in leadership
        assert "/edit/" in manager and "/delete/" in manager
    leadership_plan = cast.client("leadership").get(plan).text
    assert "Vorstellung im Newsletter" in leadership_plan
    assert "LinkedIn-Profil aktualisieren" in leadership_plan
    assert "/sent/" not in leadership_plan and 'id="communication-form"' not in leadership_plan
    assert "5,000" in cast.client("leadership").get(successes).text


# --- Communication plan: the page, periods, filters ---------------------------------------------


def test_plan_groups_items_by_week_with_everything_an_item_says(cast):
    english(cast.manager)
    today = timezone.localdate()
    item = make_item(
        cast.rollout,
        date=today,
        channel=Channel.DEPARTMENT_MEETING,
        message="Social Media in der Vertriebsrunde",
        departments=[cast.department_a, cast.department_b],
        audience_note="alle Teamleitungen",
        owner=cast.head_a.person,
        social_homework="Xing-Profil verbessern",
    )
    text = (
        cast.client("manager")
        .get(reverse("rollout:communication_plan", args=[cast.rollout.pk]))
        .text
    )
    iso = today.isocalendar()
    assert f'id="week-{iso.year}-{iso.week:02d}"' in text
    assert f"Week {iso.week} · " in text
    assert "this week" in text
    section = text.split(f'id="communication-{item.pk}"')[1].split("</li>")[0]
    for expected in (
        "Slot in a department meeting",
        "Social Media in der Vertriebsrunde",
        "Personal, Vertrieb; alle Teamleitungen",
        "Anton A",
        "Xing-Profil verbessern",
        "Planned",
        f'datetime="{today:%Y-%m-%d}"',
    ):
        assert expected in section, expected


def test_plan_periods_upcoming_past_and_month(cast):
    today = timezone.localdate()
    past = make_item(cast.rollout, date=today - datetime.timedelta(days=40), message="Alt")
    soon = make_item(cast.rollout, date=today + datetime.timedelta(days=2), message="Bald")
    later = make_item(cast.rollout, date=today + datetime.timedelta(days=70), message="Später")
    url = reverse("rollout:communication_plan", args=[cast.rollout.pk])
    client = cast.client("manager")

    def shown(query: str) -> set[int]:
        text = client.get(url + query).text
        return {i.pk for i in (past, soon, later) if f'id="communication-{i.pk}"' in text}

    assert shown("") == {soon.pk, later.pk}
    assert shown("?when=past") == {past.pk}
    assert shown(f"?month={later.date:%Y-%m}") == {later.pk}
    assert shown(f"?month={past.date:%Y-%m}") == {past.pk}
    month_page = client.get(f"{url}?month={later.date:%Y-%m}").text
    previous = (later.date.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    assert f"?month={previous:%Y-%m}" in month_page


def test_past_runs_backwards_upcoming_forwards(cast):
    today = timezone.localdate()
    older = make_item(cast.rollout, date=today - datetime.timedelta(days=20), message="Älter")
    newer = make_item(cast.rollout, date=today - datetime.timedelta(days=2), message="Neuer")
    first = make_item(cast.rollout, date=today + datetime.timedelta(days=1), message="Zuerst")
    second = make_item(cast.rollout, date=today + datetime.timedelta(days=20), message="Danach")
    url = reverse("rollout:communication_plan", args=[cast.rollout.pk])
    client = cast.client("manager")
    past = client.get(url + "?when=past").text
    assert past.index(f'id="communication-{newer.pk}"') < past.index(
        f'id="communication-{older.pk}"'
    )
    upcoming = client.get(url).text
    assert upcoming.index(f'id="communication-{first.pk}"') < upcoming.index(
        f'id="communication-{second.pk}"'
    )


def test_plan_filters_by_channel_status_and_department(cast):
    today = timezone.localdate()
    day = today + datetime.timedelta(days=1)
    newsletter = make_item(cast.rollout, date=day, departments=[cast.department_a])
    intranet = make_item(
        cast.rollout, date=day, channel=Channel.INTRANET, departments=[cast.department_b]
    )
    sent = make_item(
        cast.rollout, date=day, channel=Channel.INFORMAL, status=CommunicationStatus.DONE
    )
    other_rollout = make_item(factories.RolloutFactory(), date=day)
    url = reverse("rollout:communication_plan", args=[cast.rollout.pk])
    client = cast.client("manager")

    def shown(query: str) -> set[int]:
        text = client.get(url + query).text
        everything = (newsletter, intranet, sent, other_rollout)
        return {i.pk for i in everything if f'id="communication-{i.pk}"' in text}

    assert shown("") == {newsletter.pk, intranet.pk, sent.pk}
    assert shown("?channel=intranet") == {intranet.pk}
    assert shown("?status=done") == {sent.pk}
    assert shown(f"?department={cast.department_a.pk}") == {newsletter.pk}
    assert shown(f"?channel=newsletter&department={cast.department_b.pk}") == set()


def test_bad_filter_values_are_explained_not_a_500(cast):
    english(cast.manager)
    item = make_item(cast.rollout)
    url = reverse("rollout:communication_plan", args=[cast.rollout.pk])
    response = cast.client("manager").get(
        url + "?month=2026-13&department=abc&channel=fax&status=x&page=999&when=never"
    )
    assert response.status_code == 200
    assert "This is not a month" in response.text
    assert f'id="communication-{item.pk}"' in response.text


def test_plan_pages_through_many_items(cast):
    day = timezone.localdate() + datetime.timedelta(days=1)
    for index in range(55):
        make_item(cast.rollout, date=day + datetime.timedelta(days=index % 20), message=f"N{index}")
    url = reverse("rollout:communication_plan", args=[cast.rollout.pk])
    client = cast.client("manager")
    first = client.get(url).text
    second = client.get(url + "?when=upcoming&page=2").text
    assert first.count('class="comm-item ') == 50
    assert second.count('class="comm-item ') == 5
    assert "page=2" in first


# --- Week grouping: ISO weeks, year boundary, Europe/Berlin -------------------------------------


def _item_on(date: datetime.date, pk: int) -> CommunicationItem:
    return CommunicationItem(pk=pk, date=date, channel=Channel.INTRANET, message="x")


def test_week_grouping_across_the_year_boundary():
    items = [
        _item_on(datetime.date(2026, 12, 27), 1),  # Sunday, ISO week 52 of 2026
        _item_on(datetime.date(2026, 12, 28), 2),  # Monday, ISO week 53 of 2026
        _item_on(datetime.date(2027, 1, 3), 3),  # Sunday, still ISO week 53 of 2026
        _item_on(datetime.date(2027, 1, 4), 4),  # Monday, ISO week 1 of 2027
    ]
    weeks = selectors.group_by_week(items, today=datetime.date(2026, 12, 30))
    assert [(w.iso_year, w.iso_week) for w in weeks] == [(2026, 52), (2026, 53), (2027, 1)]
    assert [[i.pk for i in w.items] for w in weeks] == [[1], [2, 3], [4]]
    assert weeks[1].monday == datetime.date(2026, 12, 28)
    assert weeks[1].sunday == datetime.date(2027, 1, 3)
    assert weeks[1].is_current and not weeks[2].is_current
    with translation.override("en"):
        assert weeks[0].label == "Week 52 · 21\N{EN DASH}27 Dec"
        assert weeks[1].label == "Week 53 · 28 Dec\N{EN DASH}3 Jan"
        assert weeks[2].label == "Week 1/2027 · 4\N{EN DASH}10 Jan"


def test_week_one_may_start_in_the_old_year():
    items = [_item_on(datetime.date(2025, 12, 29), 1), _item_on(datetime.date(2026, 1, 2), 2)]
    weeks = selectors.group_by_week(items, today=datetime.date(2026, 1, 10))
    assert len(weeks) == 1
    assert (weeks[0].iso_year, weeks[0].iso_week) == (2026, 1)
    assert weeks[0].anchor == "week-2026-01"
    with translation.override("en"):
        assert weeks[0].label == "Week 1 · 29 Dec\N{EN DASH}4 Jan"


def test_week_grouping_keeps_a_descending_order():
    items = [
        _item_on(datetime.date(2026, 3, 24), 3),
        _item_on(datetime.date(2026, 3, 16), 2),
        _item_on(datetime.date(2026, 3, 15), 1),
    ]
    weeks = selectors.group_by_week(items, today=TODAY)
    assert [(w.iso_week, [i.pk for i in w.items]) for w in weeks] == [
        (13, [3]),
        (12, [2]),
        (11, [1]),
    ]
    with translation.override("en"):
        assert weeks[1].label == "Week 12 · 16\N{EN DASH}22 Mar"


def test_the_plan_uses_the_berlin_date_for_today(cast, monkeypatch):
    """At 23:30 UTC on Sunday 22 March it is already Monday 23 March in Berlin: the Sunday
    item is past, the Monday item upcoming, and ISO week 13 is "this week"."""
    sunday = make_item(cast.rollout, date=datetime.date(2026, 3, 22), message="Sonntag")
    monday = make_item(cast.rollout, date=datetime.date(2026, 3, 23), message="Montag")
    client = cast.client("manager")
    url = reverse("rollout:communication_plan", args=[cast.rollout.pk])
    late_sunday_utc = datetime.datetime(2026, 3, 22, 23, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late_sunday_utc)
    upcoming = client.get(url).text
    past = client.get(url + "?when=past").text
    assert f'id="communication-{monday.pk}"' in upcoming
    assert f'id="communication-{sunday.pk}"' not in upcoming
    assert f'id="communication-{sunday.pk}"' in past
    assert 'class="week current-week" aria-labelledby="week-2026-13"' in upcoming
    assert "current-week" not in past


# --- Communication plan: htmx and full-page actions ---------------------------------------------


def test_manager_creates_an_item_with_full_page_fallback(cast):
    english(cast.manager)
    client = cast.client("manager")
    response = client.post(
        reverse("rollout:communication_create", args=[cast.rollout.pk]),
        {
            "date": "2026-04-01",
            "channel": Channel.MAGAZINE,
            "message": "Porträt der Social-Media-Kümmerer",
            "audience_departments": [cast.department_a.pk, cast.department_b.pk],
            "audience_note": "alle",
            "owner": cast.manager.person.pk,
            "social_homework": "Einen Blogbeitrag schreiben",
        },
    )
    item = CommunicationItem.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"?month=2026-04#communication-{item.pk}")
    assert item.rollout == cast.rollout
    assert set(item.audience_departments.all()) == {cast.department_a, cast.department_b}
    assert item.social_homework == "Einen Blogbeitrag schreiben"
    assert item.owner == cast.manager.person
    page = client.get(response["Location"]).text
    assert "has been added to the plan" in page
    assert item.history.get(history_type="+").history_user == cast.manager


def test_htmx_create_rerenders_the_list_and_resets_the_form(cast):
    english(cast.manager)
    url = reverse("rollout:communication_create", args=[cast.rollout.pk]) + "?when=upcoming"
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = cast.client("manager").post(
        url,
        {"date": tomorrow.isoformat(), "channel": Channel.INTRANET, "message": "Intranet-Artikel"},
        **HTMX,
    )
    item = CommunicationItem.objects.get()
    assert response.status_code == 200
    assert '<div id="communication-list"' in response.text
    assert f'id="communication-{item.pk}"' in response.text
    assert 'id="communication-form"' in response.text and 'data-hx-swap-oob="true"' in response.text
    assert "Intranet-Artikel</textarea>" not in response.text  # the fresh form is empty
    assert 'id="messages" data-hx-swap-oob="innerHTML"' in response.text
    assert "<html" not in response.text


def test_invalid_create_keeps_the_input_and_answers_400(cast):
    english(cast.manager)
    url = reverse("rollout:communication_create", args=[cast.rollout.pk])
    data = {"date": "", "channel": Channel.INTRANET, "message": "Meine Nachricht"}
    full = cast.client("manager").post(url, data)
    assert full.status_code == 400
    assert "Meine Nachricht</textarea>" in full.text
    assert "This field is required" in full.text
    htmx = cast.client("manager").post(url, {**data, "message": "   "}, **HTMX)
    assert htmx.status_code == 400
    assert htmx["HX-Retarget"] == "#communication-form"
    assert htmx["HX-Reswap"] == "outerHTML"
    assert "Please say what is communicated" in htmx.text or "required" in htmx.text
    assert CommunicationItem.objects.count() == 0


def test_double_submit_creates_one_item(cast):
    url = reverse("rollout:communication_create", args=[cast.rollout.pk])
    data = {"date": "2026-04-01", "channel": Channel.NEWSLETTER, "message": "Einmal bitte"}
    client = cast.client("manager")
    client.post(url, data)
    client.post(url, data)
    client.post(url, data, **HTMX)
    assert CommunicationItem.objects.count() == 1
    assert CommunicationItem.history.filter(history_type="+").count() == 1


def test_htmx_mark_sent_rerenders_one_item_and_the_message(cast):
    english(cast.manager)
    item = make_item(cast.rollout, departments=[cast.department_a])
    other = make_item(cast.rollout, message="Andere")
    response = cast.client("manager").post(
        reverse("rollout:communication_mark_sent", args=[item.pk]), **HTMX
    )
    assert response.status_code == 200
    assert response.text.count('class="comm-item ') == 1
    assert f'id="communication-{item.pk}"' in response.text
    assert f'id="communication-{other.pk}"' not in response.text
    assert "status-done" in response.text and "/sent/" not in response.text
    assert "has been marked as sent" in response.text
    item.refresh_from_db()
    assert item.status == CommunicationStatus.DONE


def test_mark_sent_twice_writes_once_and_redirects_back(cast):
    item = make_item(cast.rollout)
    client = cast.client("manager")
    url = reverse("rollout:communication_mark_sent", args=[item.pk])
    back = reverse("rollout:communication_plan", args=[cast.rollout.pk]) + "?when=past"
    first = client.post(url, {"next": back})
    client.post(url, {"next": back})
    assert first.status_code == 302
    assert first["Location"] == f"{back}#communication-{item.pk}"
    assert item.history.filter(history_type="~").count() == 1


def test_next_must_be_the_plan(cast):
    item = make_item(cast.rollout)
    response = cast.client("manager").post(
        reverse("rollout:communication_cancel", args=[item.pk]),
        {"next": "https://evil.example/rollouts/"},
    )
    plan = reverse("rollout:communication_plan", args=[cast.rollout.pk])
    assert response["Location"] == f"{plan}#communication-{item.pk}"
    item.refresh_from_db()
    assert item.status == CommunicationStatus.CANCELLED


def test_htmx_edit_inline_and_save(cast):
    english(cast.manager)
    item = make_item(cast.rollout, date=datetime.date(2026, 5, 4), message="Vorher")
    client = cast.client("manager")
    edit = client.get(reverse("rollout:communication_edit", args=[item.pk]), **HTMX)
    assert edit.status_code == 200
    assert f'id="communication-{item.pk}"' in edit.text and "editing" in edit.text
    assert f'name="item-{item.pk}-message"' in edit.text and "Vorher</textarea>" in edit.text
    assert "<html" not in edit.text
    data = _item_post(cast, item) | {
        f"item-{item.pk}-date": "2026-05-06",  # same ISO week
        f"item-{item.pk}-message": "Nachher",
        f"item-{item.pk}-social_homework": "Beitrag teilen",
    }
    saved = client.post(reverse("rollout:communication_edit", args=[item.pk]), data, **HTMX)
    assert saved.status_code == 200
    assert "Nachher" in saved.text and "Beitrag teilen" in saved.text
    assert "editing" not in saved.text
    item.refresh_from_db()
    assert (item.message, item.date) == ("Nachher", datetime.date(2026, 5, 6))
    assert list(item.audience_departments.all()) == [cast.department_b]


def test_htmx_edit_to_another_week_refreshes_the_page(cast):
    item = make_item(cast.rollout, date=datetime.date(2026, 5, 4))
    data = _item_post(cast, item) | {f"item-{item.pk}-date": "2026-05-20"}
    response = cast.client("manager").post(
        reverse("rollout:communication_edit", args=[item.pk]), data, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_invalid_edit_keeps_the_input(cast):
    english(cast.manager)
    item = make_item(cast.rollout, message="Original")
    data = _item_post(cast, item) | {
        f"item-{item.pk}-date": "kein Datum",
        f"item-{item.pk}-message": "Neuer Text",
    }
    url = reverse("rollout:communication_edit", args=[item.pk])
    for extra in ({}, HTMX):
        response = cast.client("manager").post(url, data, **extra)
        assert response.status_code == 400
        assert "Neuer Text</textarea>" in response.text
        assert "Enter a valid date" in response.text
    item.refresh_from_db()
    assert item.message == "Original"


def test_full_page_edit_redirects_back_to_the_plan(cast):
    item = make_item(cast.rollout)
    client = cast.client("manager")
    page = client.get(reverse("rollout:communication_edit", args=[item.pk]))
    assert page.status_code == 200 and "<html" in page.text
    response = client.post(
        reverse("rollout:communication_edit", args=[item.pk]), _item_post(cast, item)
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#communication-{item.pk}")


def test_delete_inline_and_full_page(cast):
    english(cast.manager)
    first = make_item(cast.rollout, message="Eins")
    second = make_item(cast.rollout, message="Zwei")
    client = cast.client("manager")
    htmx = client.post(reverse("rollout:communication_delete", args=[first.pk]), **HTMX)
    assert htmx.status_code == 200
    assert "comm-item" not in htmx.text
    assert 'id="messages" data-hx-swap-oob="innerHTML"' in htmx.text
    assert "has been deleted" in htmx.text
    full = client.post(reverse("rollout:communication_delete", args=[second.pk]))
    assert full.status_code == 302
    assert not CommunicationItem.objects.exists()
    assert CommunicationItem.history.filter(history_type="-").count() == 2


def test_item_fragment_without_htmx_goes_back_to_the_plan(cast):
    item = make_item(cast.rollout)
    response = cast.client("leadership").get(reverse("rollout:communication_item", args=[item.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#communication-{item.pk}")


# --- Services ------------------------------------------------------------------------------------


def test_communication_item_create_validates(cast):
    with pytest.raises(ValidationError):
        services.communication_item_create(
            rollout=cast.rollout, date=TODAY, channel="carrier_pigeon", message="x", by=None
        )
    with pytest.raises(ValidationError):
        services.communication_item_create(
            rollout=cast.rollout, date=TODAY, channel=Channel.INTRANET, message="  ", by=None
        )
    assert not CommunicationItem.objects.exists()


def test_communication_item_create_is_idempotent_and_records_the_user(cast):
    kwargs = {
        "rollout": cast.rollout,
        "date": TODAY,
        "channel": Channel.INTRANET,
        "message": "Start der Einführung",
        "by": cast.manager,
        "audience_departments": [cast.department_a],
    }
    first = services.communication_item_create(**kwargs)
    second = services.communication_item_create(**kwargs)
    assert first.pk == second.pk
    assert CommunicationItem.objects.count() == 1
    assert {h.history_user for h in first.history.all()} == {cast.manager}
    different = services.communication_item_create(**{**kwargs, "channel": Channel.NEWSLETTER})
    assert different.pk != first.pk


def test_communication_item_update_writes_only_changes(cast):
    item = make_item(cast.rollout, departments=[cast.department_a], by=cast.manager)
    same = {
        "date": item.date,
        "channel": item.channel,
        "message": item.message,
        "audience_departments": [cast.department_a],
        "audience_note": "",
        "owner": None,
        "social_homework": "",
        "status": CommunicationStatus.PLANNED,
    }
    records = item.history.count()
    services.communication_item_update(item=item, by=cast.manager, **same)
    assert item.history.count() == records
    updated = services.communication_item_update(
        item=item,
        by=cast.leadership,
        **{**same, "audience_departments": [cast.department_b], "status": "cancelled"},
    )
    assert updated.status == CommunicationStatus.CANCELLED
    assert list(updated.audience_departments.all()) == [cast.department_b]
    assert item.history.first().history_user == cast.leadership
    with pytest.raises(ValidationError):
        services.communication_item_update(item=item, by=None, **{**same, "status": "lost"})


def test_set_status_is_idempotent(cast):
    item = make_item(cast.rollout)
    services.communication_item_mark_sent(item=item, by=cast.manager)
    services.communication_item_mark_sent(item=item, by=cast.manager)
    assert item.status == CommunicationStatus.DONE
    assert item.history.filter(history_type="~").count() == 1
    services.communication_item_cancel(item=item, by=cast.manager)
    item.refresh_from_db()
    assert item.status == CommunicationStatus.CANCELLED


def test_delete_keeps_the_history(cast):
    item = make_item(cast.rollout)
    pk = item.pk
    services.communication_item_delete(item=item, by=cast.manager)
    services.communication_item_delete(item=item, by=cast.manager)  # already gone: no error
    deleted = CommunicationItem.history.get(id=pk, history_type="-")
    assert deleted.history_user == cast.manager


def test_success_story_services(cast):
    story = services.success_story_create(
        rollout=cast.rollout,
        kind=StoryKind.KPI,
        title="Follower",
        date=TODAY,
        by=cast.manager,
        kpi_name=KpiName.FOLLOWERS,
        kpi_value=decimal.Decimal("120"),
    )
    again = services.success_story_create(
        rollout=cast.rollout,
        kind=StoryKind.KPI,
        title="Follower",
        date=TODAY,
        by=cast.manager,
        kpi_name=KpiName.FOLLOWERS,
        kpi_value=decimal.Decimal("120.00"),
    )
    assert story.pk == again.pk and SuccessStory.objects.count() == 1
    assert story.created_by == cast.manager
    with pytest.raises(ValidationError):
        services.success_story_create(
            rollout=cast.rollout, kind=StoryKind.KPI, title="Ohne Wert", date=TODAY, by=None
        )
    quick = services.success_story_create(
        rollout=cast.rollout,
        kind=StoryKind.QUICK_WIN,
        title="Erste Bewerbung über Instagram",
        date=TODAY,
        by=None,
        kpi_name=KpiName.APPLICATIONS,
        kpi_value=decimal.Decimal("1"),
    )
    assert (quick.kpi_name, quick.kpi_value) == ("", None)
    records = story.history.count()
    services.success_story_update(
        story=story,
        by=cast.manager,
        kind=StoryKind.KPI,
        title="Follower",
        date=TODAY,
        department=None,
        description="",
        kpi_name=KpiName.FOLLOWERS,
        kpi_value=decimal.Decimal("120"),
    )
    assert story.history.count() == records  # nothing changed, nothing written
    services.success_story_delete(story=story, by=cast.manager)
    assert SuccessStory.history.filter(history_type="-", id=story.pk).exists()


# --- Success stories: forms, KPI validation, summary ---------------------------------------------


def test_manager_records_a_kpi(cast):
    english(cast.manager)
    response = cast.client("manager").post(
        reverse("rollout:success_create", args=[cast.rollout.pk]), _story_post(cast)
    )
    story = SuccessStory.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#story-{story.pk}")
    assert (story.kpi_name, story.kpi_value) == (KpiName.FOLLOWERS, decimal.Decimal("1250"))
    assert story.department == cast.department_a and story.created_by == cast.manager


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kpi_name": ""}, "A key figure needs a name"),
        ({"kpi_value": ""}, "A key figure needs a value"),
        ({"kpi_value": "-5"}, "A key figure cannot be negative"),
        ({"kpi_value": "viele"}, "Enter a number"),
        ({"title": ""}, "This field is required"),
        ({"kind": "legend"}, "Select a valid choice"),
    ],
)
def test_kpi_validation_explains_and_keeps_the_input(cast, change, message):
    english(cast.manager)
    data = {**_story_post(cast), "title": "Unsere Reichweite", **change}
    response = cast.client("manager").post(
        reverse("rollout:success_create", args=[cast.rollout.pk]), data
    )
    assert response.status_code == 400
    assert message in response.text
    if change.get("title") != "":
        assert 'value="Unsere Reichweite"' in response.text
    assert not SuccessStory.objects.exists()


def test_a_quick_win_needs_no_key_figure(cast):
    data = {**_story_post(cast), "kind": StoryKind.QUICK_WIN, "kpi_name": "", "kpi_value": ""}
    response = cast.client("manager").post(
        reverse("rollout:success_create", args=[cast.rollout.pk]), data
    )
    assert response.status_code == 302
    assert SuccessStory.objects.get().kind == StoryKind.QUICK_WIN


def test_edit_and_delete_a_story(cast):
    story = make_story(cast.rollout, title="Alt")
    client = cast.client("manager")
    response = client.post(
        reverse("rollout:success_edit", args=[story.pk]),
        {**_story_post(cast), "kind": StoryKind.QUICK_WIN, "title": "Neu"},
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title == "Neu" and story.kind == StoryKind.QUICK_WIN and story.kpi_value is None
    bad = client.post(
        reverse("rollout:success_edit", args=[story.pk]), {**_story_post(cast), "kpi_name": ""}
    )
    assert bad.status_code == 400
    story.refresh_from_db()
    assert story.title == "Neu"
    client.post(reverse("rollout:success_delete", args=[story.pk]))
    assert not SuccessStory.objects.exists()


def _kpi(rollout, name, value, date, title=None):
    return make_story(
        rollout,
        kind=StoryKind.KPI,
        kpi_name=name,
        kpi_value=decimal.Decimal(value),
        date=date,
        title=title or f"{name} {date}",
    )


def test_kpi_summary_shows_the_latest_value_and_the_change(cast, django_assert_num_queries):
    rollout = cast.rollout
    _kpi(rollout, KpiName.FOLLOWERS, "100", datetime.date(2026, 1, 1))
    _kpi(rollout, KpiName.FOLLOWERS, "150", datetime.date(2026, 2, 1))
    latest = _kpi(rollout, KpiName.FOLLOWERS, "130", datetime.date(2026, 3, 1))
    _kpi(rollout, KpiName.REACH, "5000", datetime.date(2026, 2, 1))
    _kpi(rollout, KpiName.OTHER, "3", datetime.date(2026, 1, 1), title="Presseanfragen")
    _kpi(rollout, KpiName.OTHER, "7", datetime.date(2026, 2, 1), title="Presseanfragen")
    _kpi(rollout, KpiName.OTHER, "2", datetime.date(2026, 2, 1), title="Podcastfolgen")
    make_story(rollout, title="Quick win", date=datetime.date(2026, 4, 1))
    _kpi(factories.RolloutFactory(), KpiName.FOLLOWERS, "999", datetime.date(2026, 4, 1))
    with django_assert_num_queries(1):
        summary = selectors.kpi_summary(rollout=rollout)
    rows = {(row.kpi_name, row.label): row for row in summary}
    followers = rows[(KpiName.FOLLOWERS, str(KpiName.FOLLOWERS.label))]
    assert followers.latest == latest
    assert followers.previous.kpi_value == decimal.Decimal("150")
    assert followers.change == decimal.Decimal("-20")
    assert rows[(KpiName.REACH, str(KpiName.REACH.label))].change is None
    assert rows[(KpiName.OTHER, "Presseanfragen")].change == decimal.Decimal("4")
    assert rows[(KpiName.OTHER, "Podcastfolgen")].previous is None
    assert [row.kpi_name for row in summary][:2] == [KpiName.FOLLOWERS, KpiName.REACH]


def test_kpi_summary_on_the_page(cast):
    english(cast.leadership)
    _kpi(cast.rollout, KpiName.FOLLOWERS, "1000", datetime.date(2026, 1, 1))
    _kpi(cast.rollout, KpiName.FOLLOWERS, "1250", datetime.date(2026, 2, 1))
    text = (
        cast.client("leadership").get(reverse("rollout:success_list", args=[cast.rollout.pk])).text
    )
    row = text.split('id="kpi-followers"')[1].split("</tr>")[0]
    assert "1,250" in row and "+250" in row and "1,000" in row


# --- Dashboard selectors -----------------------------------------------------------------------


def test_upcoming_events_merges_items_and_activities(cast, django_assert_num_queries):
    rollout = cast.rollout
    phase = rollout.phases.get(kind=PhaseKind.UNFREEZE)
    day = lambda n: TODAY + datetime.timedelta(days=n)  # noqa: E731
    in_three = make_item(rollout, date=day(3), message="Newsletter")
    today_item = make_item(rollout, date=TODAY, message="Heute")
    make_item(rollout, date=day(2), message="Schon gesendet", status=CommunicationStatus.DONE)
    make_item(rollout, date=day(2), message="Abgesagt", status=CommunicationStatus.CANCELLED)
    make_item(rollout, date=day(15), message="Zu spät")
    make_item(rollout, date=day(-1), message="Gestern")
    make_item(factories.RolloutFactory(), date=day(1), message="Andere Einführung")
    due_three = factories.ActivityFactory(phase=phase, title="Workshop", due_date=day(3))
    due_fourteen = factories.ActivityFactory(
        phase=phase,
        title="Schulung",
        due_date=day(14),
        status=ActivityStatus.IN_PROGRESS,
        owner=cast.head_a.person,
    )
    factories.ActivityFactory(
        phase=phase, title="Erledigt", due_date=day(1), status=ActivityStatus.DONE
    )
    factories.ActivityFactory(phase=phase, title="Überfällig", due_date=day(-2))
    factories.ActivityFactory(phase=phase, title="Ohne Datum")
    factories.ActivityFactory(due_date=day(1), title="Anderer Rollout")
    with django_assert_num_queries(2):
        events = selectors.upcoming_events(rollout=rollout, today=TODAY)
    assert [(e.kind, e.obj.pk) for e in events] == [
        ("communication", today_item.pk),
        ("communication", in_three.pk),
        ("activity", due_three.pk),
        ("activity", due_fourteen.pk),
    ]
    assert events[3].owner == cast.head_a.person
    assert events[0].url.endswith(f"/communication/#communication-{today_item.pk}")
    assert events[2].url.endswith(f"#activity-{due_three.pk}")
    assert [e.kind for e in selectors.upcoming_events(rollout=rollout, today=TODAY, days=3)] == [
        "communication",
        "communication",
        "activity",
    ]


def test_recent_successes(cast, django_assert_num_queries):
    old = make_story(cast.rollout, title="Alt", date=datetime.date(2026, 1, 1))
    new = make_story(
        cast.rollout, title="Neu", date=datetime.date(2026, 3, 1), department=cast.department_a
    )
    make_story(factories.RolloutFactory(), title="Fremd", date=datetime.date(2026, 4, 1))
    with django_assert_num_queries(1):
        stories = selectors.recent_successes(rollout=cast.rollout)
        assert [s.department for s in stories] == [cast.department_a, None]
    assert stories == [new, old]
    assert selectors.recent_successes(rollout=cast.rollout, limit=1) == [new]


def _subjects(changes):
    return [(c.subject, c.action, c.label) for c in changes]


def test_latest_changes_say_who_did_what(cast, django_assert_num_queries):
    english(cast.manager)
    rollout = cast.rollout
    phase = rollout.phases.get(kind=PhaseKind.UNFREEZE)
    GateCriterion.history.all().delete()  # the criteria the rollout was created with
    client = cast.client("manager")
    activity = activity_create(phase=phase, title="Kick-off", kind="meeting", by=None)
    client.post(reverse("rollout:activity_set_status", args=[activity.pk]), {"status": "done"})
    stakeholder = factories.StakeholderFactory(rollout=rollout, person=cast.head_b.person)
    stakeholder_set_attitude(
        stakeholder=stakeholder, attitude=Attitude.SUPPORTIVE, note="", by=cast.manager
    )
    item = make_item(rollout, message="Newsletter März", by=cast.manager)
    services.communication_item_mark_sent(item=item, by=cast.manager)
    gone = make_item(rollout, message="Verworfen", by=cast.manager)
    services.communication_item_delete(item=gone, by=cast.leadership)
    make_story(rollout, title="100 Follower", by=cast.manager)
    criterion = GateCriterion.objects.create(phase=phase, kind="manual", label="Betriebsrat")
    criterion.is_checked = True
    criterion._history_user = cast.manager
    criterion.save()
    make_item(factories.RolloutFactory(), message="Fremd", by=cast.manager)

    with django_assert_num_queries(5):
        changes = activity_feed.latest_changes(rollout=rollout)
    with translation.override("en"):
        sentences = [c.sentence for c in changes]
    assert sentences[:4] == [
        "Mara Manager checked the gate criterion “Betriebsrat”",
        "Someone created the gate criterion “Betriebsrat”",
        "Mara Manager recorded the success story “100 Follower”",
        "Lena Leitung deleted the communication item “Verworfen”",
    ]
    assert "Mara Manager marked the communication item “Newsletter März” as sent" in sentences
    assert "Mara Manager completed the activity “Kick-off”" in sentences
    assert "Someone created the activity “Kick-off”" in sentences
    assert "Someone changed the attitude of the stakeholder Berta B to “Supportive”" in sentences
    assert not any("Fremd" in sentence for sentence in sentences)
    assert [c.when for c in changes] == sorted((c.when for c in changes), reverse=True)
    assert {c.history_type for c in changes} == {"+", "~", "-"}


def test_latest_changes_collapse_one_action_and_respect_the_limit(cast):
    rollout = cast.rollout
    GateCriterion.history.all().delete()
    # Creating an item with departments writes "+" and then "~" (the departments): one line.
    item = make_item(rollout, by=cast.manager, departments=[cast.department_a])
    assert item.history.count() == 2
    changes = activity_feed.latest_changes(rollout=rollout)
    assert _subjects(changes) == [("communication", "created", item.message)]
    # A change a minute later is its own line.
    later = timezone.now() + datetime.timedelta(minutes=1)
    services.communication_item_update(
        item=item,
        by=cast.manager,
        date=item.date,
        channel=Channel.INTRANET,
        message=item.message,
        audience_departments=[cast.department_a],
        audience_note="",
        owner=None,
        social_homework="",
        status=CommunicationStatus.PLANNED,
    )
    item.history.filter(history_type="~", channel=Channel.INTRANET).update(history_date=later)
    changes = activity_feed.latest_changes(rollout=rollout)
    assert [c.action for c in changes] == ["changed", "created"]
    for index in range(20):
        make_story(rollout, title=f"Erfolg {index}")
    assert len(activity_feed.latest_changes(rollout=rollout, limit=7)) == 7
    newest = activity_feed.latest_changes(rollout=rollout, limit=3)
    assert [c.label for c in newest] == [item.message, "Erfolg 19", "Erfolg 18"]


def test_latest_changes_name_deleted_activities_and_stakeholders(cast):
    phase = cast.rollout.phases.get(kind=PhaseKind.MOVE)
    activity = activity_create(phase=phase, title="Schulung Vertrieb", kind="training", by=None)
    activity._history_user = cast.manager
    activity.delete()
    stakeholder = factories.StakeholderFactory(rollout=cast.rollout, person=cast.employee.person)
    stakeholder.delete()
    with translation.override("en"):
        sentences = [c.sentence for c in activity_feed.latest_changes(rollout=cast.rollout)]
    assert sentences[0] == "Someone deleted the stakeholder Emil Employee"
    assert "Mara Manager deleted the activity “Schulung Vertrieb”" in sentences


# --- The dashboard includes, rendered from the selectors -----------------------------------------


def test_includes_render_the_selectors(cast):
    rollout = cast.rollout
    phase = rollout.phases.get(kind=PhaseKind.UNFREEZE)
    today = timezone.localdate()
    item = make_item(rollout, date=today + datetime.timedelta(days=1), message="Intranet-News")
    activity = factories.ActivityFactory(
        phase=phase, title="Workshop Personal", due_date=today + datetime.timedelta(days=2)
    )
    services.communication_item_mark_sent(item=item, by=cast.manager)
    planned = make_item(rollout, date=today + datetime.timedelta(days=1), message="Magazin")
    make_story(
        rollout,
        kind=StoryKind.KPI,
        title="Reichweite Q1",
        kpi_name=KpiName.REACH,
        kpi_value=decimal.Decimal("12500"),
        department=cast.department_a,
    )
    context = {
        "rollout": rollout,
        "upcoming": selectors.upcoming_events(rollout=rollout, today=today),
        "latest_changes": activity_feed.latest_changes(rollout=rollout),
        "recent_successes": selectors.recent_successes(rollout=rollout),
    }
    with translation.override("en"):
        upcoming = render_to_string("rollout/includes/upcoming.html", context)
        changes = render_to_string("rollout/includes/latest_changes.html", context)
        successes = render_to_string("rollout/includes/success_stories.html", context)
    assert '<h2 id="upcoming-heading">Upcoming events</h2>' in upcoming
    assert "Magazin" in upcoming and "Workshop Personal" in upcoming
    assert "Intranet-News" not in upcoming  # already sent
    assert f"#communication-{planned.pk}" in upcoming and f"#activity-{activity.pk}" in upcoming
    assert '<h2 id="latest-changes-heading">Latest changes</h2>' in changes
    assert "Mara Manager marked the communication item “Intranet-News” as sent" in changes
    assert '<span class="change-type" aria-hidden="true">~</span>' in changes
    assert "<time" in changes
    assert '<h2 id="recent-successes-heading">Success stories</h2>' in successes
    assert "Reichweite Q1" in successes and "12,500" in successes and "Vertrieb" in successes
    assert reverse("rollout:success_list", args=[rollout.pk]) in successes


def test_includes_have_an_empty_state(cast):
    context = {
        "rollout": cast.rollout,
        "upcoming": [],
        "latest_changes": [],
        "recent_successes": [],
    }
    with translation.override("en"):
        assert "Nothing is planned" in render_to_string("rollout/includes/upcoming.html", context)
        assert "No changes yet" in render_to_string("rollout/includes/latest_changes.html", context)
        assert "No success stories yet" in render_to_string(
            "rollout/includes/success_stories.html", context
        )


# --- Query counts at two data sizes ------------------------------------------------------------


def _grow(cast, size: int) -> None:
    """More of everything the pages and selectors read."""
    rollout = cast.rollout
    phases = list(rollout.phases.all())
    departments = factories.DepartmentFactory.create_batch(max(size // 4, 1))
    people = factories.PersonFactory.create_batch(max(size // 4, 1), department=departments[0])
    departments[0].head = people[0]
    departments[0].save(update_fields=["head"])
    today = timezone.localdate()
    for index in range(size):
        date = today + datetime.timedelta(days=(index * 7 % 30) - 10)
        item = make_item(
            rollout,
            date=date,
            message=f"Nachricht {size}-{index}",
            departments=[cast.department_a, departments[index % len(departments)]],
            owner=cast.manager.person if index % 2 else None,
            social_homework="Profil pflegen" if index % 3 else "",
            by=cast.manager,
        )
        if index % 5 == 0:
            services.communication_item_mark_sent(item=item, by=cast.manager)
        make_story(
            rollout,
            title=f"Erfolg {size}-{index}",
            kind=StoryKind.KPI if index % 2 else StoryKind.QUICK_WIN,
            kpi_name=[KpiName.FOLLOWERS, KpiName.REACH, KpiName.OTHER][index % 3]
            if index % 2
            else "",
            kpi_value=decimal.Decimal(index * 10) if index % 2 else None,
            date=today - datetime.timedelta(days=index),
            department=departments[index % len(departments)],
            by=cast.manager,
        )
        activity = factories.ActivityFactory(
            phase=phases[index % 3],
            due_date=date,
            owner=people[index % len(people)],
        )
        if index % 4 == 0:
            activity._history_user = cast.manager
            activity_set_status(activity=activity, status=ActivityStatus.DONE, by=cast.manager)
        if index % 7 == 0:
            factories.StakeholderFactory(rollout=rollout, person=people[index % len(people)])


def _queries(client, method: str, url: str, data=None, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {}, **extra)
    assert response.status_code in (200, 302), (url, response.status_code)
    return len(queries)


def _page_urls(cast):
    plan = reverse("rollout:communication_plan", args=[cast.rollout.pk])
    return {
        "plan": plan,
        "plan past": plan + "?when=past",
        "plan month filtered": plan
        + f"?month={timezone.localdate():%Y-%m}&channel=newsletter&status=planned"
        + f"&department={cast.department_a.pk}",
        "successes": reverse("rollout:success_list", args=[cast.rollout.pk]),
    }


@pytest.mark.parametrize("page", ["plan", "plan past", "plan month filtered", "successes"])
@pytest.mark.parametrize("who", ["manager", "leadership"])
def test_page_queries_do_not_grow_with_the_data(cast, who, page):
    client = cast.client(who)
    url = _page_urls(cast)[page]
    _grow(cast, 4)
    small = _queries(client, "get", url)
    _grow(cast, 70)
    large = _queries(client, "get", url)
    assert small == large, f"{page}: {small} queries with little data, {large} with more"
    assert large <= 16


def _fragment_requests(cast, item):
    """(method, url, data, extra) of every htmx fragment, for a fresh planned item."""
    plan_query = "?when=upcoming"
    return {
        "create": (
            "post",
            reverse("rollout:communication_create", args=[cast.rollout.pk]) + plan_query,
            {
                "date": timezone.localdate().isoformat(),
                "channel": Channel.INTRANET,
                "message": f"Neu {item.pk}",
                "audience_departments": [cast.department_a.pk],
            },
        ),
        "create invalid": (
            "post",
            reverse("rollout:communication_create", args=[cast.rollout.pk]) + plan_query,
            {"date": "", "channel": Channel.INTRANET, "message": "x"},
        ),
        "item": ("get", reverse("rollout:communication_item", args=[item.pk]), None),
        "edit form": ("get", reverse("rollout:communication_edit", args=[item.pk]), None),
        "edit save": (
            "post",
            reverse("rollout:communication_edit", args=[item.pk]),
            _item_post(cast, item) | {f"item-{item.pk}-date": item.date.isoformat()},
        ),
        "mark sent": ("post", reverse("rollout:communication_mark_sent", args=[item.pk]), None),
        "cancel": ("post", reverse("rollout:communication_cancel", args=[item.pk]), None),
        "delete": ("post", reverse("rollout:communication_delete", args=[item.pk]), None),
    }


@pytest.mark.parametrize(
    "fragment",
    ["create", "create invalid", "item", "edit form", "edit save", "mark sent", "cancel", "delete"],
)
def test_htmx_fragment_queries_do_not_grow_with_the_data(cast, fragment):
    client = cast.client("manager")

    def measure() -> int:
        item = make_item(cast.rollout, departments=[cast.department_a, cast.department_b])
        method, url, data = _fragment_requests(cast, item)[fragment]
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url, data or {}, **HTMX)
        assert response.status_code in (200, 400), response.content[:300]
        assert "<html" not in response.text
        return len(queries)

    _grow(cast, 4)
    small = measure()
    _grow(cast, 70)
    large = measure()
    assert small == large, f"{fragment}: {small} queries with little data, {large} with more"


@pytest.mark.parametrize(
    ("name", "call", "count"),
    [
        (
            "upcoming",
            lambda rollout: selectors.upcoming_events(rollout=rollout, today=timezone.localdate()),
            2,
        ),
        ("latest changes", lambda rollout: activity_feed.latest_changes(rollout=rollout), 5),
        ("recent successes", lambda rollout: selectors.recent_successes(rollout=rollout), 1),
        ("kpi summary", lambda rollout: selectors.kpi_summary(rollout=rollout), 1),
    ],
)
def test_selector_queries_do_not_grow_with_the_data(
    cast, name, call, count, django_assert_num_queries
):
    _grow(cast, 4)
    with django_assert_num_queries(count):
        small = call(cast.rollout)
        [str(getattr(entry, "sentence", entry)) for entry in small]
    _grow(cast, 70)
    with django_assert_num_queries(count):
        large = call(cast.rollout)
        [str(getattr(entry, "sentence", entry)) for entry in large]
    assert len(large) >= len(small) > 0
