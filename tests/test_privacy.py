"""Privacy for leadership and department heads, page by page (issue 15, rollout.privacy).

The works council's rule of the leadership report holds on every page: only the manager sees
individual attitudes; leadership sees no person's attitude and no attitude figures of a group
under MIN_GROUP; a department head sees their people's guideline and training figures but no
colleague's attitude, and no draft guideline. Each page is tried, as a German browser would
(Accept-Language: de) and with DEBUG off, with a one-person department whose single
stakeholder is resistant (the works council chair).
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rollout.models import Attitude, StakeholderRole
from rollout.selectors import activity_feed
from rollout.services import stakeholder_set_attitude
from tests import factories

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
CHAIR = "Renate Riegel"  # the works council chair, alone in her department
RESISTANT = "Ablehnend"  # Attitude.RESISTANT in German


@pytest.fixture(autouse=True)
def production(settings):
    """As in production: no debug pages, and a fresh page cache for every test."""
    settings.DEBUG = False
    cache.clear()


@pytest.fixture
def world(cast):
    """A one-person department (the works council chair, changed to resistant), a department
    of five stakeholders with one attitude change, and a draft-only guideline."""
    council = factories.DepartmentFactory(name="Betriebsrat")
    chair = factories.PersonFactory(
        department=council, first_name="Renate", last_name="Riegel", email="riegel@example.com"
    )
    alone = factories.StakeholderFactory(
        rollout=cast.rollout,
        person=chair,
        role=StakeholderRole.WORKS_COUNCIL,
        attitude=Attitude.NEUTRAL,
        influence=5,
    )
    stakeholder_set_attitude(
        stakeholder=alone, attitude=Attitude.RESISTANT, note="", by=cast.manager
    )
    marketing = factories.DepartmentFactory(name="Marketing")
    five = [
        factories.StakeholderFactory(
            rollout=cast.rollout,
            person=factories.PersonFactory(
                department=marketing, first_name="Mark", last_name=f"Mitglied{index}"
            ),
            attitude=Attitude.SUPPORTIVE,
        )
        for index in range(5)
    ]
    stakeholder_set_attitude(
        stakeholder=five[0], attitude=Attitude.SCEPTICAL, note="", by=cast.manager
    )
    return {"council": council, "alone": alone, "marketing": marketing, "five": five}


def _get(cast, who: str, url: str):
    return cast.client(who).get(url, **GERMAN)


def _row(html: str, department) -> str:
    return html.split(f'id="readiness-{department.pk}"', 1)[1].split("</tr>", 1)[0]


def _cell(row: str, signal: str) -> str:
    return row.split(f'data-signal="{signal}"', 1)[1].split("</td>", 1)[0]


# --- The dashboard: heatmap and change feed --------------------------------------------------


def test_leadership_dashboard_hides_a_one_person_department(cast, world):
    html = _get(cast, "leadership", reverse("rollout:dashboard", args=[cast.rollout.pk])).text
    assert '<html lang="de">' in html
    assert CHAIR not in html and "Riegel" not in html
    assert f"„{RESISTANT}“" not in html
    row = _row(html, world["council"])
    for signal in ("stakeholders", "average_attitude", "champion", "resistant_high_influence"):
        assert "ausgeblendet" in _cell(row, signal), signal
    assert "1,0" not in row
    assert 'id="readiness-privacy-note"' in html
    assert "Die Haltungswerte von 1 Abteilung mit weniger als fünf" in html
    # A department of five keeps its figures.
    big = _row(html, world["marketing"])
    assert "ausgeblendet" not in big and "3,6" in _cell(big, "average_attitude")
    # The summary does not count the hidden department's resistance.
    summary = html.split('id="readiness-summary"', 1)[1].split("</p>", 1)[0]
    assert "3 ohne Multiplikator:in" in summary
    assert "0 mit ablehnenden Beteiligten mit hohem Einfluss" in summary


def test_leadership_feed_tells_only_that_an_attitude_changed_in_a_large_department(cast, world):
    html = _get(cast, "leadership", reverse("rollout:dashboard", args=[cast.rollout.pk])).text
    feed = html.split('id="latest-changes"', 1)[1].split("</section>", 1)[0]
    assert "In der Abteilung „Marketing“ hat sich eine Haltung geändert" in feed
    assert "Mitglied" not in feed and "Mark " not in feed
    assert "Skeptisch" not in feed  # nor the new value
    assert CHAIR not in feed and "Betriebsrat" not in feed  # the one-person department
    assert "beteiligte Person" not in feed  # no stakeholder record at all


def test_leadership_dashboard_is_the_same_private_dashboard(cast, world):
    # Leadership's start page is its own overview (goals/); the dashboard is a link away.
    response = _get(cast, "leadership", reverse("rollout:dashboard", args=[cast.rollout.pk]))
    if response.status_code == 302:  # the start page may redirect to the dashboard
        response = _get(cast, "leadership", response["Location"])
    html = response.text
    assert f'id="readiness-{world["council"].pk}"' in html
    assert CHAIR not in html and f"„{RESISTANT}“" not in html
    assert "ausgeblendet" in _cell(_row(html, world["council"]), "average_attitude")


def test_the_manager_still_sees_everything_on_the_dashboard(cast, world):
    html = _get(cast, "manager", reverse("rollout:dashboard", args=[cast.rollout.pk])).text
    row = _row(html, world["council"])
    assert "ausgeblendet" not in row and "1,0" in _cell(row, "average_attitude")
    assert 'id="readiness-privacy-note"' not in html
    summary = html.split('id="readiness-summary"', 1)[1].split("</p>", 1)[0]
    assert "1 mit ablehnenden Beteiligten mit hohem Einfluss" in summary
    assert f"die beteiligte Person {CHAIR} auf „{RESISTANT}“ geändert" in html


def test_leadership_and_manager_pages_are_cached_apart(cast, world):
    url = reverse("rollout:dashboard", args=[cast.rollout.pk])
    assert CHAIR in _get(cast, "manager", url).text
    assert CHAIR not in _get(cast, "leadership", url).text
    assert CHAIR in _get(cast, "manager", url).text


def test_the_private_feed_costs_the_same_five_queries(cast, world):
    with CaptureQueriesContext(connection) as full:
        activity_feed.latest_changes(rollout=cast.rollout)
    with CaptureQueriesContext(connection) as private:
        changes = activity_feed.latest_changes(rollout=cast.rollout, private=True)
    assert len(full) == len(private) == 5
    stakeholder_lines = [c for c in changes if c.subject in ("stakeholder", "department")]
    assert [(c.subject, c.label) for c in stakeholder_lines] == [("department", "Marketing")]


# --- Department pages ----------------------------------------------------------------------


def test_leadership_cannot_open_a_department_page(cast, world):
    url = reverse("rollout:department_detail", args=[world["council"].pk])
    response = _get(cast, "leadership", url)
    assert response.status_code == 404
    assert CHAIR not in response.text and RESISTANT not in response.text


def test_a_head_sees_no_colleague_attitude_on_the_department_page(cast, world):
    colleague = factories.StakeholderFactory(
        rollout=cast.rollout,
        person=cast.employee.person,  # Emil, the only stakeholder of department A
        attitude=Attitude.RESISTANT,
        influence=5,
    )
    factories.guideline_version("published")  # to everyone: the head sees its figure
    response = _get(
        cast, "head_a", reverse("rollout:department_detail", args=[cast.department_a.pk])
    )
    assert response.status_code == 200
    html = response.text
    table = html.split('id="department-stakeholders"', 1)[1].split("</table>", 1)[0]
    assert "Emil Employee" in table  # who is a stakeholder, but not how they stand
    assert f"attitude-{colleague.attitude}" not in html
    assert f">{RESISTANT}<" not in html and "Haltung</th>" not in table
    readiness = html.split('id="department-readiness"', 1)[1].split("</section>", 1)[0]
    for signal in ("stakeholders", "average_attitude", "champion", "resistant_high_influence"):
        cell = readiness.split(f'data-signal="{signal}"', 1)[1].split("</dd>", 1)[0]
        assert "ausgeblendet" in cell, signal
    assert "1,0" not in readiness
    assert 'id="department-privacy-note"' in html
    # Their people's guideline and training figures stay.
    for signal in ("guideline_acknowledged", "training_coverage"):
        cell = readiness.split(f'data-signal="{signal}"', 1)[1].split("</dd>", 1)[0]
        assert "ausgeblendet" not in cell and "%" in cell, signal
    # The manager sees the attitude on the same page.
    manager = _get(
        cast, "manager", reverse("rollout:department_detail", args=[cast.department_a.pk])
    ).text
    assert f">{RESISTANT}<" in manager and "ausgeblendet" not in manager


def test_a_head_sees_each_of_their_people_s_guideline_and_training_status(
    cast, world, django_assert_max_num_queries
):
    from guidelines.models import AcknowledgmentMethod, AcknowledgmentRequest
    from guidelines.services import guidelines as guideline_services
    from guidelines.services import trainings as training_services

    factories.StakeholderFactory(
        rollout=cast.rollout, person=cast.employee.person, attitude=Attitude.RESISTANT
    )
    version = factories.guideline_version("published")
    guideline_services.acknowledgment_record(
        request=AcknowledgmentRequest.objects.get(version=version, person=cast.head_a.person),
        method=AcknowledgmentMethod.ON_BEHALF,
        reason="Papierformular",
        by=cast.manager,
    )
    session = factories.training_session(phase=cast.rollout.phases.first())
    training_services.attendance_add_walk_in(
        session=session, person=cast.employee.person, by=cast.manager
    )
    url = reverse("rollout:department_detail", args=[cast.department_a.pk])
    client = cast.client("head_a")
    client.get(url, **GERMAN)  # warm the caches of the navigation
    with django_assert_max_num_queries(12):
        html = client.get(url, **GERMAN).text
    head = html.split(f'id="member-{cast.head_a.person.pk}"', 1)[1].split("</tr>", 1)[0]
    employee = html.split(f'id="member-{cast.employee.person.pk}"', 1)[1].split("</tr>", 1)[0]
    assert '<td data-status="guideline">ja</td>' in head
    assert '<td data-status="training">nein</td>' in head
    assert '<td data-status="guideline">nein</td>' in employee
    assert '<td data-status="training">ja</td>' in employee
    assert f">{RESISTANT}<" not in html  # and still no attitude


def test_a_head_cannot_open_the_stakeholder_map_or_card(cast, world):
    for url in (
        reverse("rollout:stakeholder_map", args=[cast.rollout.pk]),
        reverse("rollout:stakeholder_card", args=[world["alone"].pk]),
    ):
        response = _get(cast, "head_a", url)
        assert response.status_code == 404, url
        assert CHAIR not in response.text and RESISTANT not in response.text


# --- Guidelines: heads see no draft ----------------------------------------------------------


def test_a_head_does_not_see_a_draft_guideline(cast, world):
    draft = factories.GuidelineFactory(title="Entwurf: Umgang mit Presseanfragen")
    published = factories.guideline_version("published")
    url = reverse("guidelines:list")
    head = _get(cast, "head_a", url).text
    assert draft.title not in head
    assert published.guideline.title in head
    version = draft.versions.get()
    for name in ("guidelines:version", "guidelines:version_diff", "guidelines:compliance"):
        response = _get(cast, "head_a", reverse(name, args=[version.pk]))
        assert response.status_code == 404, name
        assert draft.title not in response.text
    # Leadership and the manager still see it.
    assert draft.title in _get(cast, "leadership", url).text
    assert draft.title in _get(cast, "manager", url).text


def test_the_head_guideline_list_keeps_its_two_queries(cast, world):
    from guidelines.selectors.guidelines import guideline_list

    factories.GuidelineFactory(title="Entwurf")
    factories.guideline_version("published")
    with CaptureQueriesContext(connection) as queries:
        shown = guideline_list(in_force_only=True)
    assert len(queries) == 2
    assert [len(g.version_list) for g in shown] == [1]


# --- Exports ---------------------------------------------------------------------------------


def test_the_report_export_shows_no_one_person_department(cast, world):
    response = _get(cast, "leadership", f"/rollouts/{cast.rollout.pk}/reports/figures.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert CHAIR not in text and "Riegel" not in text and "Mitglied" not in text
    assert "Betriebsrat" not in text  # fewer than five people: in the totals only
    attitude_rows = [line for line in text.splitlines() if RESISTANT in line]
    assert attitude_rows and all("<5" in line for line in attitude_rows)


# --- The compliance of a guideline: figures for leadership, people for the manager and heads -


def _published_to_everyone(cast):
    version = factories.guideline_version("published")
    return version


def test_leadership_sees_compliance_figures_without_names_or_small_departments(cast, world):
    version = _published_to_everyone(cast)
    url = reverse("guidelines:compliance", args=[version.pk])
    html = _get(cast, "leadership", url).content.decode()
    assert "Nur Zahlen" in html
    assert CHAIR not in html and "riegel@example.com" not in html
    assert "Mitglied" not in html  # nobody of the large department either
    rows = html.split('id="compliance-departments"', 1)[1].split("</table>", 1)[0]
    assert "Betriebsrat" not in rows  # one person: merged into the smaller departments
    assert "Marketing" in rows  # five people asked: shown as a figure
    assert 'id="compliance-missing"' not in html and 'id="compliance-csv"' not in html
    # Asking for one department's people changes nothing for leadership.
    filtered = _get(cast, "leadership", f"{url}?department={world['council'].pk}")
    assert CHAIR not in filtered.content.decode()
    for name in ("guidelines:compliance_csv",):
        assert _get(cast, "leadership", reverse(name, args=[version.pk])).status_code == 404
    export = reverse("guidelines:compliance_export", args=[version.pk, "xlsx"])
    assert _get(cast, "leadership", export).status_code == 404


def test_the_manager_and_a_head_still_see_who_is_missing(cast, world):
    version = _published_to_everyone(cast)
    url = reverse("guidelines:compliance", args=[version.pk])
    manager = _get(cast, "manager", url).content.decode()
    assert CHAIR in manager and 'id="compliance-csv"' in manager
    csv = _get(cast, "manager", reverse("guidelines:compliance_csv", args=[version.pk]))
    assert "Riegel" in b"".join(csv.streaming_content).decode("utf-8-sig")
    head = _get(cast, "head_a", url).content.decode()
    assert 'id="compliance-missing"' in head and CHAIR not in head  # only their people
