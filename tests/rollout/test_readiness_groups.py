"""The grouped readiness heatmap: sites and divisions from the department tree, a division's
row summing up its departments, and its departments on demand (issue 17)."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from rollout.models import Attitude, Department
from rollout.selectors.readiness import (
    GROUP_FROM,
    Level,
    department_readiness,
    readiness_sites,
)
from tests import factories

pytestmark = pytest.mark.django_db

DE = {"HTTP_ACCEPT_LANGUAGE": "de"}
HTMX = {"HTTP_HX_REQUEST": "true"}


def _tree(sites: int = 3, divisions: int = 3, teams: int = 3) -> dict[str, Department]:
    """Sites > divisions > teams, named like the scale company ("Vertrieb Hamburg / Team 2")."""
    made = {}
    for s in range(sites):
        site = factories.DepartmentFactory(name=f"Standort {s}")
        made[site.name] = site
        for d in range(divisions):
            division = factories.DepartmentFactory(name=f"Bereich {s}.{d}", parent=site)
            made[division.name] = division
            for t in range(teams):
                team = factories.DepartmentFactory(
                    name=f"Bereich {s}.{d} / Team {t}", parent=division
                )
                made[team.name] = team
    return made


def _resistant(rollout, department, count: int = 1) -> None:
    for _ in range(count):
        factories.StakeholderFactory(
            rollout=rollout,
            person=factories.PersonFactory(department=department),
            attitude=Attitude.RESISTANT,
            influence=5,
        )


def test_small_or_flat_companies_keep_one_row_per_department():
    rollout = factories.RolloutFactory()
    for n in range(GROUP_FROM + 5):
        factories.DepartmentFactory(name=f"Abteilung {n}")
    assert department_readiness(rollout=rollout).sites is None  # no tree
    Department.objects.all().delete()
    _tree(sites=1, divisions=2, teams=3)  # 9 departments: below GROUP_FROM
    assert department_readiness(rollout=rollout).sites is None


def test_sites_hold_their_own_rows_and_divisions_with_their_teams():
    rollout = factories.RolloutFactory()
    made = _tree()
    lone = factories.DepartmentFactory(name="Stabsstelle")  # no parent, no children
    small = factories.DepartmentFactory(name="Empfang", parent=made["Standort 1"])  # a leaf
    rows = department_readiness(rollout=rollout)
    sites = rows.sites
    assert [site.unit.name if site.unit else None for site in sites] == [
        "Standort 0",
        "Standort 1",
        "Standort 2",
        None,
    ]
    first = sites[0]
    assert [row.department.name for row in first.rows] == ["Standort 0"]
    assert [group.unit.name for group in first.groups] == [
        "Bereich 0.0",
        "Bereich 0.1",
        "Bereich 0.2",
    ]
    group = first.groups[0]
    # The division first, then its teams by name.
    assert [row.department.name for row in group.rows] == [
        "Bereich 0.0",
        "Bereich 0.0 / Team 0",
        "Bereich 0.0 / Team 1",
        "Bereich 0.0 / Team 2",
    ]
    assert [row.department.pk for row in sites[1].rows] == [made["Standort 1"].pk, small.pk]
    assert [row.department.pk for row in sites[3].rows] == [lone.pk]
    every = [row.department.pk for site in sites for row in site.rows] + [
        row.department.pk for site in sites for group in site.groups for row in group.rows
    ]
    assert sorted(every) == sorted(Department.objects.values_list("pk", flat=True))


def test_a_filtered_list_without_the_parents_stays_flat():
    rollout = factories.RolloutFactory()
    _tree(teams=4)
    teams = list(Department.objects.filter(name__contains="Team"))
    assert len(teams) >= GROUP_FROM
    assert department_readiness(rollout=rollout, departments=teams).sites is None


def test_a_broken_tree_stays_flat_instead_of_looping():
    rollout = factories.RolloutFactory()
    made = _tree()
    a, b = made["Standort 0"], made["Standort 1"]
    Department.objects.filter(pk=a.pk).update(parent=b)
    Department.objects.filter(pk=b.pk).update(parent=a)
    assert readiness_sites(department_readiness(rollout=rollout)) is None


def test_a_division_row_shows_the_worst_level_and_how_many_stand_at_it():
    rollout = factories.RolloutFactory()
    made = _tree()
    _resistant(rollout, made["Bereich 0.0 / Team 1"])
    _resistant(rollout, made["Bereich 0.0 / Team 2"], count=2)
    group = department_readiness(rollout=rollout).sites[0].groups[0]
    cells = {cell.column.key: cell for cell in group.summary}
    resistance = cells["resistant_high_influence"]
    assert (resistance.level, resistance.count, resistance.total) == (Level.BAD, 2, 4)
    with translation.override("de"):
        assert resistance.text == "2 von 4"


def _dashboard(client, rollout):
    return client.get(f"/rollouts/{rollout.pk}/", **DE)


def test_the_dashboard_shows_divisions_closed_and_opens_one_in_place(cast):
    made = _tree()
    _resistant(cast.rollout, made["Bereich 1.2 / Team 0"])
    client = cast.client("manager")
    html = _dashboard(client, cast.rollout).content.decode()
    division = made["Bereich 1.2"]
    team = made["Bereich 1.2 / Team 0"]
    assert f'id="heat-group-{division.pk}"' in html
    assert f'id="readiness-{team.pk}"' not in html  # on demand only
    assert f'id="readiness-{made["Standort 1"].pk}"' in html  # a site's own row is shown
    assert 'scope="rowgroup">Standort 1<' in html
    assert "Gruppiert nach Standort und Bereich" in html
    toggle = html.split(f'id="heat-toggle-{division.pk}"')[1].split("</a>")[0]
    assert 'aria-expanded="false"' in toggle
    assert f'href="/rollouts/{cast.rollout.pk}/readiness/{division.pk}/"' in toggle
    assert "\u2013 seine 4 Abteilungen zeigen" in toggle

    url = f"/rollouts/{cast.rollout.pk}/readiness/{division.pk}/"
    opened = client.get(url, **DE, **HTMX)
    assert opened.status_code == 200
    assert "HX-Request" in opened["Vary"]
    body = opened.content.decode()
    assert body.lstrip().startswith(
        f'<tbody id="heat-group-{division.pk}" class="heat-group is-open">'
    )
    assert f'id="readiness-{team.pk}"' in body and 'aria-expanded="true"' in body
    assert f'href="/departments/{team.pk}/"' in body
    assert "<html" not in body

    closed = client.get(url + "?collapsed=1", **DE, **HTMX).content.decode()
    assert f'id="readiness-{team.pk}"' not in closed and 'aria-expanded="false"' in closed


def test_without_javascript_a_division_has_a_page_and_closing_goes_back(cast):
    made = _tree()
    division = made["Bereich 0.1"]
    client = cast.client("manager")
    url = f"/rollouts/{cast.rollout.pk}/readiness/{division.pk}/"
    page = client.get(url, **DE)
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert "Bereitschaft in Bereich 0.1" in html
    assert f'id="readiness-{made["Bereich 0.1 / Team 2"].pk}"' in html
    assert "HX-Request" in page["Vary"]
    back = client.get(url + "?collapsed=1", **DE)
    assert back.status_code == 302
    assert back["Location"] == f"/rollouts/{cast.rollout.pk}/#heat-group-{division.pk}"


def test_leadership_sees_no_attitudes_of_small_groups_in_a_division(cast):
    made = _tree()
    team = made["Bereich 0.0 / Team 0"]
    _resistant(cast.rollout, team, count=2)
    url = f"/rollouts/{cast.rollout.pk}/readiness/{made['Bereich 0.0'].pk}/"
    leader = cast.client("leadership").get(url, **DE, **HTMX).content.decode()
    row = leader.split(f'id="readiness-{team.pk}"')[1].split("</tr>")[0]
    assert "ausgeblendet" in row and "/departments/" not in leader
    manager = cast.client("manager").get(url, **DE, **HTMX).content.decode()
    row = manager.split(f'id="readiness-{team.pk}"')[1].split("</tr>")[0]
    assert "ausgeblendet" not in row and 'data-level="bad"' in row


@pytest.mark.parametrize("who", ["employee", "head_a", "anonymous"])
def test_others_cannot_open_a_division(cast, who):
    made = _tree(sites=1, divisions=1, teams=1)
    url = f"/rollouts/{cast.rollout.pk}/readiness/{made['Bereich 0.0'].pk}/"
    response = cast.client(who).get(url, **DE, **HTMX)
    assert response.status_code in (302, 403, 404)
    assert "Bereich 0.0" not in response.content.decode()


def test_an_unknown_division_or_rollout_is_not_found(cast):
    made = _tree(sites=1, divisions=1, teams=1)
    client = cast.client("manager")
    assert client.get(f"/rollouts/{cast.rollout.pk}/readiness/999999/", **DE).status_code == 404
    url = f"/rollouts/999999/readiness/{made['Bereich 0.0'].pk}/"
    assert client.get(url, **DE).status_code == 404


def test_opening_a_division_costs_the_same_queries_at_any_size(cast):
    client = cast.client("manager")

    def count(division: Department) -> int:
        url = f"/rollouts/{cast.rollout.pk}/readiness/{division.pk}/"
        client.get(url, **DE, **HTMX)  # warm the caches a first view fills
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **DE, **HTMX).status_code == 200
        return len(queries)

    made = _tree(sites=1, divisions=1, teams=2)
    small = count(made["Bereich 0.0"])
    Department.objects.all().delete()
    made = _tree(sites=2, divisions=3, teams=12)
    for team in list(Department.objects.filter(name__contains="Team"))[:20]:
        _resistant(cast.rollout, team)
    assert count(made["Bereich 1.1"]) == small


def test_the_grouped_heatmap_is_a_fraction_of_the_flat_one():
    rollout = factories.RolloutFactory()
    _tree(sites=4, divisions=4, teams=10)  # 180 departments

    def heatmap(group: bool) -> int:
        rows = department_readiness(rollout=rollout)
        if not group:
            rows.__dict__["sites"] = None  # as a flat list
        with translation.override("de"):
            return len(
                render_to_string(
                    "rollout/includes/readiness_heatmap.html",
                    {"readiness": rows, "nav_is_manager": True},
                )
            )

    assert Department.objects.count() == 180
    assert heatmap(group=True) * 4 < heatmap(group=False)
