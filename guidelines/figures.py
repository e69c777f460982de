"""The figures the guidelines app contributes to the rollout's pages (see rollout/figures.py):
the acknowledged share of the guidelines in force and the training coverage."""

from guidelines.selectors.guidelines import acknowledged_by_department, acknowledged_counts
from guidelines.selectors.trainings import coverage_by_department, training_coverage_counts
from rollout.figures import (
    GUIDELINE_ACKNOWLEDGED,
    TRAINING_COVERAGE,
    FigureSource,
    figure_register,
)

figure_register(
    GUIDELINE_ACKNOWLEDGED,
    FigureSource(
        total=lambda rollout_id: acknowledged_counts(),
        by_department=lambda rollout_id, ids: acknowledged_by_department(department_ids=ids),
    ),
)
figure_register(
    TRAINING_COVERAGE,
    FigureSource(
        total=lambda rollout_id: training_coverage_counts(rollout_id=rollout_id),
        by_department=lambda rollout_id, ids: coverage_by_department(
            rollout_id=rollout_id, department_ids=ids
        ),
    ),
)
