"""Guideline figures where the rest of ChangeHub shows them: the gate criterion, the readiness
heatmap, and the demo data."""

import pytest

from devtools.demo_guidelines import TITLE, seed_guidelines
from guidelines.models import (
    Acknowledgment,
    AcknowledgmentMethod,
    AcknowledgmentRequest,
    GuidelineVersion,
    VersionStatus,
)
from guidelines.services import guidelines as services
from rollout.selectors.core import RolloutSignals
from rollout.selectors.readiness import department_readiness
from tests import factories

pytestmark = pytest.mark.django_db


def _acknowledge(version, person) -> None:
    services.acknowledgment_record(
        request=AcknowledgmentRequest.objects.select_related("version").get(
            version=version, person=person
        ),
        method=AcknowledgmentMethod.LINK,
    )


def test_the_gate_signal_counts_the_versions_in_force(cast):
    signals = RolloutSignals(cast.rollout.pk)
    assert (signals.guideline_acknowledged.part, signals.guideline_acknowledged.whole) == (0, 0)
    v1 = factories.guideline_version("published")
    _acknowledge(v1, cast.employee.person)
    _acknowledge(v1, cast.head_a.person)
    share = RolloutSignals(cast.rollout.pk).guideline_acknowledged
    assert (share.part, share.whole, share.percent) == (2, 5, 40)
    # A new version in force must be acknowledged again.
    factories.guideline_version("published", guideline=v1.guideline, body="# Neu\nText")
    share = RolloutSignals(cast.rollout.pk).guideline_acknowledged
    assert (share.part, share.whole) == (0, 5)


def test_the_heatmap_shows_the_acknowledged_share_per_department(cast):
    version = factories.guideline_version("published")
    _acknowledge(version, cast.employee.person)
    rows = {row.department.name: row for row in department_readiness(rollout=cast.rollout)}
    assert rows["Vertrieb"].guideline_acknowledged_percent == 50
    assert rows["Personal"].guideline_acknowledged_percent == 0
    signal = next(s for s in rows["Vertrieb"].signals if s.column.key == "guideline_acknowledged")
    assert signal.level == "bad" and signal.text.startswith("50")


def test_the_demo_guideline_has_two_versions_and_is_seeded_once(cast):
    for _ in range(30):
        factories.PersonFactory(department=cast.department_a)
    guideline = seed_guidelines(manager=cast.manager)
    assert guideline.title == TITLE
    v1, v2 = GuidelineVersion.objects.filter(guideline=guideline).order_by("number")
    assert (v1.status, v2.status) == (VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED)
    assert v2.questions.count() == 3
    headings = [line for line in v2.body.splitlines() if line.startswith("# ")]
    assert len(headings) == 6 and "# Krisen und Eskalation" in headings
    acks = Acknowledgment.objects.filter(version=v2)
    assert 0 < acks.count() < v2.requests.count()
    assert seed_guidelines(manager=cast.manager) is None
    assert GuidelineVersion.objects.filter(guideline=guideline).count() == 2
