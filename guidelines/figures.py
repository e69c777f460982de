"""The figures the guidelines app contributes to the rollout's pages (see rollout/figures.py):
the acknowledged share of the guidelines in force and the training coverage."""

from django.db.models import Value

from guidelines.models import AGREED_STATUSES, GuidelineVersion
from guidelines.selectors.guidelines import (
    acknowledged_by_department,
    acknowledged_counts,
    acknowledged_of_person,
)
from guidelines.selectors.trainings import (
    coverage_by_department,
    trained_of_person,
    training_coverage_counts,
)
from rollout.figures import (
    GUIDELINE_ACKNOWLEDGED,
    GUIDELINE_APPROVED,
    TRAINING_COVERAGE,
    FigureSource,
    figure_register,
)


def _approved(rollout_id: int | None) -> tuple[int, int]:
    agreed = GuidelineVersion.objects.filter(status__in=AGREED_STATUSES).exists()
    return (1 if agreed else 0, 1)


figure_register(
    GUIDELINE_APPROVED,
    FigureSource(total=_approved, by_department=lambda rollout_id, ids: {}),
)

figure_register(
    GUIDELINE_ACKNOWLEDGED,
    FigureSource(
        total=lambda rollout_id: acknowledged_counts(),
        by_department=lambda rollout_id, ids: acknowledged_by_department(department_ids=ids),
        of_person=lambda rollout_id: acknowledged_of_person(),
    ),
)
figure_register(
    TRAINING_COVERAGE,
    FigureSource(
        total=lambda rollout_id: training_coverage_counts(rollout_id=rollout_id),
        by_department=lambda rollout_id, ids: coverage_by_department(
            rollout_id=rollout_id, department_ids=ids
        ),
        # Without a rollout nobody is counted.
        of_person=lambda rollout_id: (
            trained_of_person(rollout_id=rollout_id)
            if rollout_id is not None
            else (Value(False), Value(False))
        ),
    ),
)
