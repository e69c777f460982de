"""The gate criterion "the works council approved the guidelines" is met by an agreed
guideline version, not by a tick; rollouts made before keep their criterion, now computed."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from rollout.lewin import LEWIN_TEMPLATE
from rollout.models import CriterionKind, GateCriterion, PhaseKind
from rollout.selectors.plan import phase_criteria_states
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def rollout():
    """A rollout from the Lewin template, as the manager creates one."""
    return factories.RolloutFactory(template=LEWIN_TEMPLATE)


def _criterion(rollout) -> GateCriterion:
    return GateCriterion.objects.get(phase__rollout=rollout, kind=CriterionKind.GUIDELINE_APPROVED)


def _state(criterion):
    states = phase_criteria_states(phase=criterion.phase)
    return next(state for state in states if state.criterion.pk == criterion.pk)


def test_a_new_rollouts_works_council_criterion_is_met_by_the_approval(cast, rollout):
    criterion = _criterion(rollout)
    assert criterion.phase.kind == PhaseKind.MOVE and criterion.threshold == 100
    assert not _state(criterion).is_met
    factories.guideline_version("review")  # submitted, not yet approved
    assert not _state(criterion).is_met
    factories.guideline_version("approved")
    assert _state(criterion).is_met
    page = cast.client("manager").get(reverse("rollout:phase_gate", args=[criterion.phase.pk]))
    text = page.content.decode()
    row = text[text.index(f'id="criterion-{criterion.pk}"') :].split("</tr>")[0]
    assert 'class="criterion met"' in row
    assert "Der Betriebsrat hat den Richtlinien zugestimmt" in row and "✓ erfüllt" in row


def test_a_published_version_meets_it_too(rollout):
    factories.guideline_version("published")
    assert _state(_criterion(rollout)).is_met


def test_rollouts_made_before_get_the_computed_criterion(rollout):
    criterion = _criterion(rollout)
    GateCriterion.objects.filter(pk=criterion.pk).update(
        kind=CriterionKind.MANUAL, threshold=None, is_checked=True
    )
    migration = importlib.import_module("rollout.migrations.0015_criterion_guideline_approved")
    migration.computed_from_the_approval(apps, None)
    criterion.refresh_from_db()
    assert (criterion.kind, criterion.threshold, criterion.is_checked) == (
        CriterionKind.GUIDELINE_APPROVED,
        100,
        False,
    )
    assert not _state(criterion).is_met  # no approved version: a tick no longer passes it
