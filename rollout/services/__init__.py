"""Every write that matters, one module per area; the core's services are importable from here."""

from rollout.services.core import (
    activity_create,
    activity_set_status,
    department_head_roles_sync,
    person_link_user,
    rollout_create,
    stakeholder_add,
    stakeholder_set_attitude,
    user_create,
    user_set_roles,
)

__all__ = [
    "activity_create",
    "activity_set_status",
    "department_head_roles_sync",
    "person_link_user",
    "rollout_create",
    "stakeholder_add",
    "stakeholder_set_attitude",
    "user_create",
    "user_set_roles",
]
