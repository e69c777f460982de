"""The figure the surveys app contributes to the rollout's heatmap and gate criteria (see
rollout/figures.py): per department, the mean score per ADKAR dimension of its latest result
with five answers or more; and the link to a department's results on its pages."""

from django.utils.translation import gettext_lazy as _

from rollout.figures import (
    SURVEY_READINESS,
    DepartmentLink,
    ScoreSource,
    department_link_register,
    score_register,
)
from surveys.models import Dimension
from surveys.selectors import readiness_by_department

score_register(
    SURVEY_READINESS,
    ScoreSource(
        dimensions=lambda: list(Dimension.choices),
        by_department=lambda rollout_id, ids: readiness_by_department(
            rollout_id=rollout_id, department_ids=ids
        ),
    ),
)

department_link_register(
    DepartmentLink(
        url_name="surveys:department",
        label=_("Pulse survey results of the department (groups of five answers or more)"),
    )
)
