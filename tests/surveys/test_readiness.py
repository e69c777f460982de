"""Survey results feed the rollout: the heatmap's survey column and the gate criterion
"desire at least 3.5 in every department with five answers or more", read through the figure
registry (rollout never imports surveys)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from rollout.figures import SURVEY_READINESS, scores_by_department
from rollout.models import CriterionKind, GateCriterion, PhaseKind
from rollout.selectors.core import rollout_dashboard
from rollout.selectors.readiness import department_readiness
from rollout.services import plan as plan_services
from surveys import services
from tests import factories
from tests.surveys.helpers import answer_as, people_in

pytestmark = pytest.mark.django_db


def _survey(cast):
    return services.survey_create(rollout=cast.rollout, title="Puls", by=cast.manager)


def _results(cast, sizes: dict[str, tuple[int, int]], *, survey=None, days_ago: int = 0):
    """A wave in which each department of `sizes` (name: (answers, desire)) answers."""
    survey = survey or _survey(cast)
    departments = {}
    for name, (count, _desire) in sizes.items():
        department = factories.DepartmentFactory(name=name)
        departments[name] = (department, people_in(department, count))
    wave = services.wave_start(
        survey=survey,
        by=cast.manager,
        opens_on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )
    for name, (_department, people) in departments.items():
        answer_as(wave, people, desire=sizes[name][1])
    return wave, {name: department for name, (department, _people) in departments.items()}


def _unfreeze(cast):
    return cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)


def test_only_departments_with_five_answers_have_scores_from_their_latest_result(cast):
    survey = _survey(cast)
    old, departments = _results(
        cast, {"Marketing": (5, 2), "Einkauf": (4, 5)}, survey=survey, days_ago=1
    )
    services.wave_close(wave=old)
    marketing = departments["Marketing"]
    new = services.wave_start(survey=survey, by=cast.manager)
    answer_as(new, list(marketing.members.all()), desire=4)

    scores = scores_by_department(SURVEY_READINESS, rollout_id=cast.rollout.pk, department_ids=None)
    assert set(scores) == {marketing.pk}  # Einkauf's four answers are never shown alone
    assert scores[marketing.pk]["desire"] == Decimal("4.0")
    assert scores[marketing.pk]["awareness"] == Decimal("4.0")
    other = factories.RolloutFactory()
    assert scores_by_department(SURVEY_READINESS, rollout_id=other.pk, department_ids=None) == {}


def test_the_heatmap_shows_the_weakest_dimension_where_five_answered(cast):
    _results(cast, {"Marketing": (6, 2), "Einkauf": (3, 1)})
    rows = {row.department.name: row for row in department_readiness(rollout=cast.rollout)}
    marketing = next(s for s in rows["Marketing"].signals if s.column.key == "survey_readiness")
    assert (marketing.value, marketing.level) == (Decimal("2.0"), "bad")
    assert marketing.text == "2,0 Wollen"
    small = next(s for s in rows["Einkauf"].signals if s.column.key == "survey_readiness")
    assert (small.value, small.text, small.level) == (None, "\N{EN DASH}", "none")


def test_a_survey_gate_criterion_counts_the_departments_that_reach_the_score(cast):
    phase = _unfreeze(cast)
    criterion = plan_services.gate_criterion_add(
        phase=phase,
        kind=CriterionKind.SURVEY_SCORE,
        dimension="desire",
        min_score=Decimal("3.5"),
        by=cast.manager,
    )
    assert criterion.threshold == 100
    assert str(criterion) == (
        "Wollen mindestens 3,5 in jeder Abteilung mit fünf oder mehr Antworten"
    )

    def state():
        summary = rollout_dashboard(rollout=cast.rollout).phases[0]
        return next(s for s in summary.criteria if s.criterion.pk == criterion.pk)

    assert (state().is_met, state().whole) == (False, 0)  # nobody asked yet: not met
    _results(cast, {"Marketing": (5, 4), "Technik": (5, 3), "Lager": (2, 1)})
    assert (state().part, state().whole, state().value, state().is_met) == (1, 2, 50, False)
    lower = plan_services.gate_criterion_add(
        phase=phase,
        kind=CriterionKind.SURVEY_SCORE,
        dimension="desire",
        min_score=Decimal("3.0"),
        by=cast.manager,
    )
    summary = rollout_dashboard(rollout=cast.rollout).phases[0]
    assert next(s for s in summary.criteria if s.criterion.pk == lower.pk).is_met
    with pytest.raises(ValidationError):  # the same criterion twice (a double submit)
        plan_services.gate_criterion_add(
            phase=phase,
            kind=CriterionKind.SURVEY_SCORE,
            dimension="desire",
            min_score=Decimal("3.0"),
            by=cast.manager,
        )


def test_the_manager_adds_the_criterion_on_the_gate_page_in_german(cast):
    phase = _unfreeze(cast)
    client = cast.client("manager")
    url = reverse("rollout:phase_gate", args=[phase.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert "Dimension der Befragung" in page.text and 'value="desire"' in page.text
    add = reverse("rollout:gate_criterion_add", args=[phase.pk])
    refused = client.post(add, {"kind": "survey_score", "threshold": ""}, HTTP_ACCEPT_LANGUAGE="de")
    assert refused.status_code == 400
    assert "Wählen Sie die Dimension" in refused.text
    response = client.post(
        add,
        {"kind": "survey_score", "dimension": "desire", "min_score": "3,5", "threshold": ""},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 302
    criterion = GateCriterion.objects.get(phase=phase, kind=CriterionKind.SURVEY_SCORE)
    assert (criterion.dimension, criterion.min_score, criterion.threshold) == (
        "desire",
        Decimal("3.5"),
        100,
    )
    again = client.post(
        add,
        {"kind": "survey_score", "dimension": "desire", "min_score": "3,5", "threshold": ""},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert again.status_code == 400
    assert GateCriterion.objects.filter(phase=phase, kind=CriterionKind.SURVEY_SCORE).count() == 1
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert "Wollen mindestens 3,5 in jeder Abteilung mit fünf oder mehr Antworten" in page.text
    with translation.override("en"):
        assert str(criterion) == (
            "Desire at least 3.5 in every department with five answers or more"
        )


def test_the_dashboard_heatmap_and_gate_take_a_fixed_number_of_queries(
    cast, django_assert_max_num_queries
):
    phase = _unfreeze(cast)
    plan_services.gate_criterion_add(
        phase=phase,
        kind=CriterionKind.SURVEY_SCORE,
        dimension="desire",
        min_score=Decimal("3.5"),
        by=cast.manager,
    )
    client = cast.client("manager")
    client.get(reverse("rollout:dashboard", args=[cast.rollout.pk]))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(
                reverse("rollout:dashboard", args=[cast.rollout.pk]), HTTP_ACCEPT_LANGUAGE="de"
            )
            gate = client.get(
                reverse("rollout:phase_gate", args=[phase.pk]), HTTP_ACCEPT_LANGUAGE="de"
            )
        assert page.status_code == gate.status_code == 200
        return len(queries)

    _results(cast, {"Marketing": (5, 4)})
    small = count()
    _results(cast, {f"Team {n}": (6, 3) for n in range(6)} | {"Klein": (2, 1)})
    large = count()
    assert large <= small
    with django_assert_max_num_queries(small):
        client.get(reverse("rollout:dashboard", args=[cast.rollout.pk]))


def test_an_answer_refreshes_the_dashboard_s_cached_heatmap(
    cast, django_capture_on_commit_callbacks
):
    from rollout.selectors.readiness import readiness_version

    marketing = factories.DepartmentFactory(name="Marketing")
    people = people_in(marketing, 1)
    wave = services.wave_start(survey=_survey(cast), by=cast.manager)
    before = readiness_version()
    with django_capture_on_commit_callbacks(execute=True):
        answer_as(wave, people)
    assert readiness_version() != before
