"""Department readiness on constructed data, its levels, its queries, and the heatmap."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from rollout.models import (
    Activity,
    ActivityStatus,
    Attitude,
    Department,
    PhaseKind,
    Stakeholder,
)
from rollout.selectors.departments import department_page
from rollout.selectors.readiness import (
    READINESS_COLUMNS,
    DepartmentReadiness,
    Level,
    department_readiness,
)
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def _stakeholder(rollout, department, attitude, influence=3, **person):
    return factories.StakeholderFactory(
        rollout=rollout,
        person=factories.PersonFactory(department=department, **person),
        attitude=attitude,
        influence=influence,
    )


def _activity(rollout, departments, status=ActivityStatus.PLANNED, due=None) -> Activity:
    return factories.ActivityFactory(
        phase=rollout.phases.get(kind=PhaseKind.MOVE),
        status=status,
        due_date=due,
        departments=departments,
    )


@pytest.fixture
def world():
    """Two departments with data, one without; noise in another rollout and from leavers."""
    rollout = factories.RolloutFactory()
    other = factories.RolloutFactory()
    sales = factories.DepartmentFactory(name="Vertrieb")
    hr = factories.DepartmentFactory(name="Personal")
    empty = factories.DepartmentFactory(name="Einkauf")
    _stakeholder(rollout, sales, Attitude.CHAMPION)
    _stakeholder(rollout, sales, Attitude.SUPPORTIVE)
    _stakeholder(rollout, sales, Attitude.RESISTANT, influence=5)
    _stakeholder(rollout, sales, Attitude.RESISTANT, influence=2)
    _stakeholder(rollout, sales, Attitude.RESISTANT, influence=5, is_active=False)  # left
    _stakeholder(other, sales, Attitude.RESISTANT, influence=5)  # another rollout
    _stakeholder(rollout, hr, Attitude.SCEPTICAL, influence=4)
    _stakeholder(rollout, None, Attitude.RESISTANT, influence=5)  # no department
    yesterday, tomorrow = TODAY - datetime.timedelta(days=1), TODAY + datetime.timedelta(days=1)
    _activity(rollout, [sales, hr], due=yesterday)  # open, overdue for both
    _activity(rollout, [sales], status=ActivityStatus.IN_PROGRESS, due=tomorrow)
    _activity(rollout, [sales])  # open without a due date
    _activity(rollout, [sales], status=ActivityStatus.DONE, due=yesterday)
    _activity(rollout, [sales], status=ActivityStatus.CANCELLED, due=yesterday)
    _activity(other, [sales, hr], due=yesterday)
    return {"rollout": rollout, "sales": sales, "hr": hr, "empty": empty}


def _by_name(rows) -> dict[str, DepartmentReadiness]:
    return {row.department.name: row for row in rows}


def test_signals_on_constructed_data(world):
    rows = _by_name(department_readiness(rollout=world["rollout"], today=TODAY))
    assert list(rows) == ["Einkauf", "Personal", "Vertrieb"], "all departments, by name"
    sales = rows["Vertrieb"]
    assert sales.stakeholder_count == 4
    assert sales.average_attitude == 2.75  # (5 + 4 + 1 + 1) / 4
    assert sales.champion_present and sales.champion_count == 1
    assert sales.resistant_high_influence == 1
    assert (sales.open_activities, sales.overdue_activities) == (3, 1)
    hr = rows["Personal"]
    assert (hr.stakeholder_count, hr.average_attitude, hr.champion_present) == (1, 2.0, False)
    assert hr.resistant_high_influence == 0, "sceptical is not resistant"
    assert (hr.open_activities, hr.overdue_activities) == (1, 1)
    empty = rows["Einkauf"]
    assert (empty.stakeholder_count, empty.average_attitude) == (0, None)
    assert (empty.open_activities, empty.overdue_activities, empty.champion_present) == (
        0,
        0,
        False,
    )


def test_levels_colour_each_signal(world):
    with translation.override("en"):
        rows = _by_name(department_readiness(rollout=world["rollout"], today=TODAY))
        levels = {
            name: {signal.column.key: signal.level for signal in row.signals}
            for name, row in rows.items()
        }
        texts = {signal.column.key: signal.text for signal in rows["Vertrieb"].signals}
    assert levels["Vertrieb"] == {
        "stakeholders": Level.GOOD,
        "average_attitude": Level.WARN,
        "champion": Level.GOOD,
        "resistant_high_influence": Level.BAD,
        "open_activities": Level.NONE,
        "overdue_activities": Level.BAD,
        "content_workflow": Level.NONE,  # no content workflows
        "content_on_time": Level.NONE,  # no deliveries
        "training_coverage": Level.BAD,  # nobody trained yet
        "guideline_acknowledged": Level.NONE,  # no guideline published
        "survey_readiness": Level.NONE,  # no survey answered
    }
    assert levels["Personal"]["average_attitude"] == Level.BAD
    assert levels["Personal"]["champion"] == Level.BAD
    assert levels["Einkauf"] == {
        "stakeholders": Level.WARN,
        "average_attitude": Level.NONE,
        "champion": Level.BAD,
        "resistant_high_influence": Level.NONE,
        "open_activities": Level.NONE,
        "overdue_activities": Level.GOOD,
        "content_workflow": Level.NONE,
        "content_on_time": Level.NONE,
        "training_coverage": Level.NONE,  # no members
        "guideline_acknowledged": Level.NONE,
        "survey_readiness": Level.NONE,
    }
    assert texts == {
        "stakeholders": "4",
        "average_attitude": "2.8",
        "champion": "yes (1)",
        "resistant_high_influence": "1",
        "open_activities": "3",
        "overdue_activities": "1",
        "content_workflow": "\N{EN DASH}",
        "content_on_time": "\N{EN DASH}",
        "training_coverage": "0 %",
        "guideline_acknowledged": "\N{EN DASH}",
        "survey_readiness": "\N{EN DASH}",
    }
    assert rows["Vertrieb"].worst_level == Level.BAD
    assert [column.key for column in READINESS_COLUMNS] == list(texts)


@pytest.mark.parametrize(
    ("average", "level"),
    [
        (5.0, Level.GOOD),
        (3.5, Level.GOOD),
        (3.49, Level.WARN),
        (2.5, Level.WARN),
        (2.49, Level.BAD),
    ],
)
def test_attitude_thresholds(average, level):
    row = DepartmentReadiness(department=Department(name="X"), average_attitude=average)
    assert next(s for s in row.signals if s.column.key == "average_attitude").level == level


def test_only_the_given_departments_in_their_order(world):
    rows = department_readiness(
        rollout=world["rollout"], departments=[world["sales"], world["empty"]], today=TODAY
    )
    assert [row.department for row in rows] == [world["sales"], world["empty"]]
    assert rows[0].stakeholder_count == 4
    assert department_readiness(rollout=world["rollout"], departments=[]) == []


def test_the_department_page_computes_the_same_signals(world):
    for name in ("sales", "hr", "empty"):
        department = world[name]
        page = department_page(department=department, rollout=world["rollout"], today=TODAY)
        (expected,) = department_readiness(
            rollout=world["rollout"], departments=[department], today=TODAY
        )
        assert page.readiness == expected, name


def _grow(rollout, departments: int) -> None:
    created = Department.objects.bulk_create(
        [Department(name=f"Grow {Department.objects.count()} {n}") for n in range(departments)]
    )
    for index, department in enumerate(created):
        _stakeholder(rollout, department, 1 + index % 5, influence=1 + (index * 3) % 5)
    for index in range(0, departments, 3):
        _activity(
            rollout,
            created[index : index + 3],
            due=TODAY - datetime.timedelta(days=index % 2),
        )


def test_query_count_is_constant_for_any_number_of_departments(world):
    rollout = world["rollout"]

    def count(**kwargs) -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = department_readiness(rollout=rollout, today=TODAY, **kwargs)
            for row in rows:
                row.signals  # noqa: B018  (evaluated as the template would)
        return len(queries)

    small = count()
    given_small = count(departments=list(Department.objects.all()))
    _grow(rollout, 200)
    assert Stakeholder.objects.filter(rollout=rollout).count() > 200
    # + content workflows and deliveries (2), training coverage (1), guideline acknowledged (1),
    # survey readiness (1)
    assert count() == small == 3 + 2 + 1 + 1 + 1
    assert count(departments=list(Department.objects.all())) == given_small == 2 + 2 + 1 + 1 + 1


def test_heatmap_renders_numbers_colours_and_text(world):
    with translation.override("en"):
        rows = department_readiness(rollout=world["rollout"], today=TODAY)
        html = render_to_string(
            "rollout/includes/readiness_heatmap.html", {"readiness": rows, "nav_is_manager": True}
        )
    assert "<caption>" in html and world["rollout"].name in html
    assert html.count('<th scope="col"') == 1 + len(READINESS_COLUMNS)
    assert html.count('<th scope="row"') == 3
    sales_row = html.split(f'id="readiness-{world["sales"].pk}"')[1].split("</tr>")[0]
    assert 'class="heat heat-bad" data-signal="overdue_activities"' in sales_row
    assert '<span class="visually-hidden"> (critical)</span>' in sales_row
    assert "2.8" in sales_row and "yes (1)" in sales_row
    assert 'aria-describedby="readiness-summary"' in html
    summary = html.split('id="readiness-summary"')[1].split("</p>")[0]
    assert "3 departments:" in summary
    assert "2 without a champion, 2 with overdue activities" in summary
    assert "1 with resistant stakeholders of high influence" in summary
    assert f'href="/departments/{world["sales"].pk}/"' in html
    assert "style=" not in html


def test_heatmap_without_links_for_leadership_and_empty_state(world):
    rows = department_readiness(rollout=world["rollout"], today=TODAY)
    html = render_to_string("rollout/includes/readiness_heatmap.html", {"readiness": rows})
    assert "/departments/" not in html
    with translation.override("en"):
        empty = render_to_string(
            "rollout/includes/readiness_heatmap.html",
            {"readiness": department_readiness(rollout=world["rollout"], departments=[])},
        )
    assert "No departments to show yet." in empty


def test_default_today_is_the_local_date(world):
    rows = _by_name(department_readiness(rollout=world["rollout"]))
    due = Activity.objects.filter(
        departments=world["hr"], phase__rollout=world["rollout"]
    ).values_list("due_date", flat=True)
    expected = sum(1 for d in due if d is not None and d < timezone.localdate())
    assert rows["Personal"].overdue_activities == expected
