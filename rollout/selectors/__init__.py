"""Reads that span relations, one module per area; the core's selectors are importable from here."""

from rollout.selectors.core import (
    CriterionState,
    DepartmentOverview,
    PhaseSummary,
    RolloutDashboard,
    activities_owned_by,
    dashboard_activity,
    department_overview,
    departments_led_by,
    rollout_current,
    rollout_dashboard,
    rollout_list,
    rollouts_visible_to,
)

__all__ = [
    "CriterionState",
    "DepartmentOverview",
    "PhaseSummary",
    "RolloutDashboard",
    "activities_owned_by",
    "dashboard_activity",
    "department_overview",
    "departments_led_by",
    "rollout_current",
    "rollout_dashboard",
    "rollout_list",
    "rollouts_visible_to",
]
