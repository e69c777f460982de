"""Leadership's start page names the gate exceptions waiting for the sponsor, with the way to
the gate where they approve, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rollout.models import GateException, GateExceptionState, PhaseKind

pytestmark = pytest.mark.django_db


def _ask(cast, phase, reason="Die Messe beginnt.") -> GateException:
    return GateException.objects.create(
        phase=phase, reason=reason, requested_by=cast.manager, sponsor=cast.leadership.person
    )


def test_pending_gate_exceptions_are_needed_from_leadership(cast):
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    exception = _ask(cast, phase)
    html = cast.client("leadership").get(reverse("goals:leadership")).text
    needed = html[html.index('id="leadership-needed"') : html.index('id="leadership-stories"')]
    assert "Ausnahme am Phasenübergang" in needed and "Die Messe beginnt." in needed
    assert f"{reverse('rollout:phase_gate', args=[phase.pk])}#gate-exception" in needed
    GateException.objects.filter(pk=exception.pk).update(state=GateExceptionState.DECLINED)
    html = cast.client("leadership").get(reverse("goals:leadership")).text
    assert "Die Messe beginnt." not in html


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("goals:leadership")).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_with_one_or_three_exceptions(cast):
    client = cast.client("leadership")
    phases = list(cast.rollout.phases.order_by("order"))
    _ask(cast, phases[0])
    small = _queries(client)
    for phase in phases[1:]:
        _ask(cast, phase, reason=f"Grund {phase.order}")
    assert _queries(client) == small
