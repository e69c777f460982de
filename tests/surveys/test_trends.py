"""Survey results beyond the manager's page: the audience "a phase's trainees", the trend per
ADKAR dimension for leadership (start page and PDF) and a head's page of their department's
results. Groups of five answers or more only; never a free text outside the manager's page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guidelines.models import TrainingInvitation
from reports.selectors import report_figures
from reports.services import report_html
from rollout.models import PhaseKind
from surveys import selectors, services
from surveys.models import SurveyInvitation
from tests import factories
from tests.surveys.helpers import answer_as, people_in

pytestmark = pytest.mark.django_db

SECRET = "Der Chef hört nie zu"


def _wave(cast, sizes: dict, *, survey=None, days_ago=0, **answer_kwargs):
    """A wave in which each department of `sizes` has that many answers (with a comment)."""
    survey = survey or services.survey_create(
        rollout=cast.rollout, title="Puls im Dezember", by=cast.manager
    )
    departments = {}
    for name, count in sizes.items():
        department = name if not isinstance(name, str) else factories.DepartmentFactory(name=name)
        departments[department.name] = (department, people_in(department, count))
    wave = services.wave_start(
        survey=survey,
        by=cast.manager,
        opens_on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )
    for _department, people in departments.values():
        answer_as(wave, people, comment=SECRET, **answer_kwargs)
    return wave, {name: d for name, (d, _people) in departments.items()}


# --- Audience: a phase's trainees ---------------------------------------------------------------


def test_a_phase_s_trainees_are_asked_once_whatever_their_department(cast):
    move = cast.rollout.phases.get(kind=PhaseKind.MOVE)
    unfreeze = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    marketing = factories.DepartmentFactory(name="Marketing")
    trainees = people_in(marketing, 3)
    elsewhere = people_in(factories.DepartmentFactory(name="Lager"), 2)
    session = factories.training_session(phase=move, title="Workshop LinkedIn")
    other_phase = factories.training_session(phase=unfreeze, title="Kick-off")
    for person in trainees:
        TrainingInvitation.objects.get_or_create(session=session, person=person)
    TrainingInvitation.objects.get_or_create(session=other_phase, person=elsewhere[0])
    # A trainee of Vertrieb is asked once, as a trainee and through the department.
    TrainingInvitation.objects.get_or_create(session=session, person=cast.employee.person)

    survey = services.survey_create(
        rollout=cast.rollout,
        title="Nach den Schulungen",
        by=cast.manager,
        audience_all=False,
        departments=[cast.department_a],
        phase=move,
    )
    wave = services.wave_start(survey=survey, by=cast.manager)
    invited = set(SurveyInvitation.objects.filter(wave=wave).values_list("person_id", flat=True))
    in_sales = set(cast.department_a.members.filter(is_active=True).values_list("pk", flat=True))
    assert invited == {p.pk for p in trainees} | in_sales

    only_trainees = services.survey_create(
        rollout=cast.rollout,
        title="Nur Teilnehmende",
        by=cast.manager,
        audience_all=False,
        phase=move,
    )
    assert set(services.people_in_audience(survey=only_trainees).values_list("pk", flat=True)) == {
        p.pk for p in trainees
    } | {cast.employee.person.pk}
    other = factories.RolloutFactory()
    with pytest.raises(Exception, match="Phase dieser Einführung"):
        services.survey_create(
            rollout=other, title="Falsch", by=cast.manager, audience_all=False, phase=move
        )


def test_the_manager_chooses_the_trainees_of_a_phase_in_the_form(cast):
    move = cast.rollout.phases.get(kind=PhaseKind.MOVE)
    client = cast.client("manager")
    url = reverse("surveys:create", args=[cast.rollout.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert "Auch die Teilnehmenden der Phase" in page.text
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if name.startswith("q_")}
    data |= {"title": "Nach den Schulungen", "open_days": "14", "audience_phase": str(move.pk)}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 302
    survey = cast.rollout.surveys.get(title="Nach den Schulungen")
    assert (survey.audience_all, survey.audience_phase_id) == (False, move.pk)
    refused = client.post(url, data | {"audience_phase": "", "title": "Leer"})
    assert refused.status_code == 400
    assert "Teilnehmenden einer Phase" in refused.text


# --- The trend for leadership and the report ----------------------------------------------------


def test_the_trend_shows_the_company_and_groups_of_five_and_no_free_text(cast):
    survey = services.survey_create(rollout=cast.rollout, title="Puls", by=cast.manager)
    first, departments = _wave(
        cast,
        {"Marketing": 5, "Technik": 5, "Lager": 3, "IT": 2},
        survey=survey,
        days_ago=1,
        desire=2,
    )
    services.wave_close(wave=first)
    second, _ = _wave(cast, {departments["Marketing"]: 0}, survey=survey, desire=4)
    answer_as(second, list(departments["Marketing"].members.all()), desire=4)

    [trend] = selectors.survey_trends(rollout_id=cast.rollout.pk)
    labels = [str(row.label) for row in trend.rows]
    assert labels == ["Gesamtes Unternehmen", "Marketing", "Technik", "Weitere Abteilungen"]
    marketing = next(row for row in trend.rows if row.label == "Marketing")
    assert dict(marketing.by_dimension)["Wollen"] == [2.0, 4.0]
    company = trend.rows[0]
    # The second wave has only Marketing's five: the company's total would give nothing away,
    # but the merged group is empty there and the company equals Marketing.
    assert company.cells[0] is not None
    assert "Lager" not in labels and "IT" not in labels

    head = selectors.survey_trends(rollout_id=cast.rollout.pk, scope=[departments["Lager"].pk])
    assert head == []  # three answers: nothing of Lager alone, nothing merged for a head


def test_leadership_sees_the_trend_without_free_text_in_german(cast, django_assert_max_num_queries):
    client = cast.client("leadership")
    url = reverse("goals:leadership")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
        assert page.status_code == 200
        return len(queries)

    _wave(cast, {"Marketing": 5, "Lager": 2})
    small = count()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert "Veränderungsbereitschaft: was die Menschen sagen" in page.text
    assert 'id="leadership-trend-' in page.text and "Marketing" in page.text
    assert "Lager" not in page.text and SECRET not in page.text
    for n in range(4):
        _wave(cast, {f"Team {n}": 6, f"Klein {n}": 1})
    assert count() <= small
    with django_assert_max_num_queries(small):
        client.get(url, HTTP_ACCEPT_LANGUAGE="de")


def test_the_pdf_shows_the_trend_per_dimension_and_no_free_text(cast):
    _wave(cast, {"Marketing": 5, "Lager": 2}, knowledge=2)
    figures = report_figures(rollout=cast.rollout)
    html = report_html(figures=figures, language="de")
    section = html.split('id="survey-trend"')[1].split("</section>")[0]
    assert "Pulsbefragungen: der Verlauf" in section
    assert "Marketing" in section and "Wissen" in section and "2,0" in section
    assert "Lager" not in section and SECRET not in html
    english = report_html(figures=figures, language="en")
    assert "Readiness pulse surveys: the trend" in english and "Knowledge" in english


def test_the_pdf_has_no_survey_section_without_results(cast):
    _wave(cast, {"Lager": 4})
    html = report_html(figures=report_figures(rollout=cast.rollout), language="de")
    assert 'id="survey-trend"' not in html


# --- A head's page of their department's results -------------------------------------------------


def test_a_head_reaches_their_department_s_results_from_my_department(cast):
    _wave(cast, {cast.department_a: 5, cast.department_b: 3}, awareness=2)
    client = cast.client("head_a")
    mine = client.get(reverse("rollout:my_department"), HTTP_ACCEPT_LANGUAGE="de")
    url = reverse("surveys:department", args=[cast.department_a.pk])
    assert f'href="{url}"' in mine.text
    detail = client.get(
        reverse("rollout:department_detail", args=[cast.department_a.pk]),
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert f'href="{url}"' in detail.text
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    assert "Pulsbefragungen: Vertrieb" in page.text
    assert "Bewusstsein" in page.text and "2,0" in page.text
    assert SECRET not in page.text
    assert "Gesamtes Unternehmen" not in page.text and "Personal" not in page.text


def test_a_head_never_sees_another_department_and_small_groups_stay_hidden(cast):
    _wave(cast, {cast.department_a: 5, cast.department_b: 3})
    other = reverse("surveys:department", args=[cast.department_a.pk])
    assert cast.client("head_b").get(other).status_code == 404
    assert cast.client("employee").get(other).status_code == 404
    assert cast.client("leadership").get(other).status_code == 404
    own = cast.client("head_b").get(reverse("surveys:department", args=[cast.department_b.pk]))
    assert own.status_code == 200
    assert own.context["trends"] == []  # three answers: nothing shown
    assert "fünf oder mehr Antworten" in own.text
    manager = cast.client("manager").get(other)
    assert manager.status_code == 200 and SECRET not in manager.text


def test_the_department_results_take_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    client = cast.client("head_a")
    url = reverse("surveys:department", args=[cast.department_a.pk])
    survey = services.survey_create(rollout=cast.rollout, title="Puls", by=cast.manager)
    first, _ = _wave(cast, {cast.department_a: 5, "Marketing": 6}, survey=survey, days_ago=1)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    small = len(queries)
    services.wave_close(wave=first)
    _wave(cast, {f"Team {n}": 5 for n in range(5)}, survey=survey)
    _wave(cast, {"Technik": 7})
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200
