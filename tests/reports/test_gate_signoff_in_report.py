"""The board pack names the gate exceptions waiting for the sponsor under "Needed from
leadership", and its gate log says who approved an exception."""

import pytest

from reports.selectors import report_figures
from reports.services import report_html
from rollout.models import CriterionKind, GateCriterion, GateException, PhaseKind
from rollout.services import gates

pytestmark = pytest.mark.django_db


def _exception(cast, phase) -> GateException:
    GateCriterion.objects.filter(phase=phase).delete()
    GateCriterion.objects.create(phase=phase, kind=CriterionKind.MANUAL, label="Grünes Licht")
    return GateException.objects.create(
        phase=phase,
        reason="Die Messe beginnt.",
        requested_by=cast.manager,
        sponsor=cast.leadership.person,
    )


def test_a_waiting_exception_is_needed_from_leadership(cast):
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    _exception(cast, phase)
    html = report_html(figures=report_figures(rollout=cast.rollout), language="de")
    needed = html[html.index("Was die Geschäftsführung tun muss") :]
    assert "Ausnahme am Phasenübergang: „Auftauen“ trotz offener Kriterien" in needed
    assert "Die Messe beginnt." in needed


def test_the_gate_log_says_who_approved_the_exception(cast):
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    exception = _exception(cast, phase)
    gates.gate_exception_decide(
        exception=exception, approve=True, person=cast.leadership.person, from_link=True
    )
    figures = report_figures(rollout=cast.rollout)
    html = report_html(figures=figures, language="de")
    assert f"Ausnahme genehmigt von {cast.leadership.person}" in html
