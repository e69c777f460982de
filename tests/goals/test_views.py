"""Goal pages tried by the whole cast, the forms in German, the import and query counts."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import Goal, GoalStory, GoalValue, SubGoal, ValueSource
from rollout.models import ActivityKind, KpiName, StoryKind, SuccessStory
from rollout.services import activity_create
from tests.conftest import CAST
from tests.goals.helpers import make_goal
from tests.helpers import expect_status

pytestmark = pytest.mark.django_db

READERS = {
    "anonymous": "login",
    "employee": "404",
    "head_a": "404",
    "head_b": "404",
    "leadership": "ok",
    "manager": "ok",
}
MANAGER_ONLY = {**READERS, "leadership": "404"}


def _form_data(**overrides):
    today = timezone.localdate()
    return {
        "company_goal": "Mehr Bewerbungen",
        "department": "",
        "sub_goal": SubGoal.EMPLOYER_BRANDING,
        "key_figure": "LinkedIn-Follower",
        "baseline": "1.250,5",
        "target": "2.000",
        "start_date": today.isoformat(),
        "due_date": (today + datetime.timedelta(days=200)).isoformat(),
        "owner": "",
        **overrides,
    }


@pytest.mark.parametrize("who", CAST)
def test_goal_list_and_page_are_for_the_manager_and_leadership(cast, who):
    goal = make_goal(cast.rollout, weeks=3)
    client = cast.client(who)
    expect_status(client.get(reverse("goals:list", args=[cast.rollout.pk])), READERS[who])
    expect_status(client.get(reverse("goals:detail", args=[goal.pk])), READERS[who])


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_opens_the_goal_forms(cast, who):
    goal = make_goal(cast.rollout)
    client = cast.client(who)
    for url in (
        reverse("goals:create", args=[cast.rollout.pk]),
        reverse("goals:edit", args=[goal.pk]),
        reverse("goals:import", args=[goal.pk]),
    ):
        expect_status(client.get(url), MANAGER_ONLY[who])


@pytest.mark.parametrize("who", ["employee", "head_a", "leadership"])
def test_nobody_but_the_manager_changes_a_goal_or_its_values(cast, who):
    goal = make_goal(cast.rollout)
    client = cast.client(who)
    today = timezone.localdate().isoformat()
    responses = [
        client.post(reverse("goals:create", args=[cast.rollout.pk]), _form_data()),
        client.post(reverse("goals:edit", args=[goal.pk]), _form_data(target="9.999")),
        client.post(reverse("goals:value_add", args=[goal.pk]), {"date": today, "value": "5"}),
        client.post(reverse("goals:import", args=[goal.pk]), {"date_column": 0}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    goal.refresh_from_db()
    assert goal.target == 2000 and Goal.objects.count() == 1 and not goal.values.exists()


def test_leadership_reads_a_goal_without_any_form(cast):
    goal = make_goal(cast.rollout, weeks=3)
    html = cast.client("leadership").get(reverse("goals:detail", args=[goal.pk])).text
    assert "<form" not in html.split("<main", 1)[1].split("</main>")[0]
    assert reverse("goals:edit", args=[goal.pk]) not in html


def test_the_manager_creates_a_goal_with_german_numbers_and_reopens_it(cast, manager_client):
    response = manager_client.post(reverse("goals:create", args=[cast.rollout.pk]), _form_data())
    goal = Goal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "goals:detail", args=[goal.pk]
    )
    assert goal.baseline == Decimal("1250.5") and goal.target == 2000
    form = manager_client.get(reverse("goals:edit", args=[goal.pk])).text
    assert 'value="1.250,5"' in form and 'value="2.000"' in form
    assert f'value="{goal.due_date.isoformat()}"' in form


def test_a_target_equal_to_the_baseline_is_refused(cast, manager_client):
    response = manager_client.post(
        reverse("goals:create", args=[cast.rollout.pk]), _form_data(target="1.250,5")
    )
    assert response.status_code == 200 and not Goal.objects.exists()
    assert "Zielwert" in response.text or "target" in response.text


def test_a_value_typed_in_german_is_recorded_and_replaces_the_same_date(cast, manager_client):
    goal = make_goal(cast.rollout)
    url = reverse("goals:value_add", args=[goal.pk])
    day = timezone.localdate().isoformat()
    manager_client.post(url, {"date": day, "value": "1.100"})
    manager_client.post(url, {"date": day, "value": "1.150,5"})
    assert list(goal.values.values_list("value", flat=True)) == [Decimal("1150.5")]
    bad = manager_client.post(url, {"date": day, "value": "viele"})
    assert bad.status_code == 422


def _import(client, goal, content: bytes, name="analytics.csv", **mapping):
    url = reverse("goals:import", args=[goal.pk])
    upload = io.BytesIO(content)
    upload.name = name
    first = client.post(url, {"file": upload})
    if not mapping:
        return first, None
    return first, client.post(url, mapping)


GERMAN_CSV = (
    "Datum;Seitenaufrufe;Follower gesamt\n"
    "05.01.2026;300;1.010\n"
    "12.01.2026;280;1.032\n"
    "19.01.2026;310;1.051,0\n"
).encode("cp1252")


def test_import_maps_columns_previews_and_saves_german_dates_and_numbers(cast, manager_client):
    goal = make_goal(cast.rollout)
    first, preview = _import(
        manager_client, goal, GERMAN_CSV, date_column=0, value_column=2, preview=1
    )
    # The guessed mapping is preselected.
    assert '<option value="0" selected>Datum</option>' in first.text
    assert '<option value="2" selected>Follower gesamt</option>' in first.text
    assert preview.status_code == 200 and 'id="import-confirm"' in preview.text
    assert not goal.values.exists()
    done = manager_client.post(
        reverse("goals:import", args=[goal.pk]), {"date_column": 0, "value_column": 2, "confirm": 1}
    )
    assert done.status_code == 302
    assert list(goal.values.values_list("date", "value", "source")) == [
        (datetime.date(2026, 1, 5), Decimal(1010), ValueSource.IMPORT),
        (datetime.date(2026, 1, 12), Decimal(1032), ValueSource.IMPORT),
        (datetime.date(2026, 1, 19), Decimal(1051), ValueSource.IMPORT),
    ]


def test_import_reads_english_exports_too(cast, manager_client):
    goal = make_goal(cast.rollout)
    content = b'Date,Total followers\n2026-01-05,"1,010"\n01/12/2026,1032.5\n'
    _first, done = _import(manager_client, goal, content, date_column=0, value_column=1, confirm=1)
    assert done.status_code == 302
    assert list(goal.values.values_list("value", flat=True)) == [Decimal(1010), Decimal("1032.5")]


def test_bad_rows_are_reported_and_nothing_is_saved(cast, manager_client):
    goal = make_goal(cast.rollout)
    GoalValue.objects.create(goal=goal, date=datetime.date(2026, 1, 5), value=7)
    content = b"Datum;Follower\n05.01.2026;1010\n32.01.2026;1020\n19.01.2026;viele\n"
    _first, response = _import(
        manager_client, goal, content, date_column=0, value_column=1, confirm=1
    )
    assert response.status_code == 422
    assert "Zeile 3" in response.text and "Zeile 4" in response.text
    assert list(goal.values.values_list("value", flat=True)) == [7]


def test_import_reads_an_excel_workbook(cast, manager_client):
    from openpyxl import Workbook

    goal = make_goal(cast.rollout)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Date", "Followers"])
    sheet.append([datetime.date(2026, 2, 2), 1200])
    sheet.append([datetime.date(2026, 2, 9), 1234])
    buffer = io.BytesIO()
    workbook.save(buffer)
    _first, done = _import(
        manager_client,
        goal,
        buffer.getvalue(),
        name="export.xlsx",
        date_column=0,
        value_column=1,
        confirm=1,
    )
    assert done.status_code == 302
    assert list(goal.values.values_list("date", flat=True)) == [
        datetime.date(2026, 2, 2),
        datetime.date(2026, 2, 9),
    ]


def test_a_file_that_is_no_table_is_refused(cast, manager_client):
    goal = make_goal(cast.rollout)
    first, _ = _import(manager_client, goal, b"PK\x03\x04garbage", name="x.xlsx")
    assert first.status_code == 422 and not goal.values.exists()


def test_goal_page_shows_chart_progress_and_the_forecast_method(cast, manager_client):
    goal = make_goal(cast.rollout, weeks=12, per_week=25)
    html = manager_client.get(reverse("goals:detail", args=[goal.pk])).text
    assert 'class="value-line"' in html and 'class="target-line"' in html
    assert 'class="trend-line"' in html
    assert "des Zielwerts" in html or "of the target" in html
    assert "kleinsten Quadrate" in html or "least squares" in html


def _grow(rollout, goals: int, weeks: int) -> None:
    for index in range(goals):
        make_goal(rollout, weeks=weeks, key_figure=f"Kennzahl {index}")
    for index in range(goals):
        story = SuccessStory.objects.create(
            rollout=rollout,
            date=timezone.localdate(),
            kind=StoryKind.KPI,
            kpi_name=KpiName.FOLLOWERS,
            kpi_value=100 + index,
            title=f"Erfolg {index}",
        )
        GoalStory.objects.create(goal=Goal.objects.first(), story=story)
    phase = rollout.phases.get(order=1)
    for index in range(goals):
        activity_create(
            phase=phase,
            by=None,
            title=f"Meilenstein {index}",
            kind=ActivityKind.MILESTONE,
            due_date=timezone.localdate() + datetime.timedelta(days=index + 1),
        )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["manager", "leadership"])
def test_goal_list_and_leadership_page_cost_the_same_queries_at_two_sizes(cast, who):
    client = cast.client(who)
    urls = [reverse("goals:list", args=[cast.rollout.pk]), reverse("goals:leadership")]
    _grow(cast.rollout, goals=1, weeks=3)
    small = [_queries(client, url) for url in urls]
    _grow(cast.rollout, goals=8, weeks=52)
    large = [_queries(client, url) for url in urls]
    assert small == large


def test_the_chart_keeps_plain_coordinates_on_a_german_page(cast):
    """A German page writes decimals with a comma; an SVG coordinate must not (the labels and
    the trend line landed in the corner of the chart in the German PDF)."""
    goal = make_goal(cast.rollout, weeks=12, per_week=7)
    html = cast.client("manager").get(reverse("goals:detail", args=[goal.pk])).text
    svg = html[html.index('<svg class="goal-chart"') : html.index("</svg>")]
    assert re.search(r'(?:x|y|x1|y1|x2|y2|cx|cy)="-?\d+\.\d', svg)  # decimals are there
    assert not re.search(r'(?:x|y|x1|y1|x2|y2|cx|cy)="-?\d+,\d', svg), svg[:400]
