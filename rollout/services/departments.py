"""Writes about departments: who leads them, and the department head role that goes with it."""

from collections.abc import Iterable

from django.db import transaction

from rollout.models import Department, Person, User
from rollout.services.core import department_head_roles_sync


def department_set_leadership(
    *, department: Department, head: Person | None, deputy: Person | None, by: User | None
) -> Department:
    """Set a department's head and deputy; whoever of them has an account gets the department
    head role. Setting the same people again writes nothing."""
    with transaction.atomic():
        locked = Department.objects.select_for_update().get(pk=department.pk)
        if locked.head_id == (head.pk if head else None) and locked.deputy_id == (
            deputy.pk if deputy else None
        ):
            return locked
        locked.head, locked.deputy = head, deputy
        locked.full_clean()
        locked._history_user = by  # the request middleware does this too, but not for tasks
        locked.save(update_fields=["head", "deputy"])
        department_head_roles_sync(department=locked, by=by)
    department.head, department.deputy = locked.head, locked.deputy
    return locked


def department_heads_roles_grant(
    *, departments: Iterable[Department], by: User | None = None
) -> None:
    """The batch form of `department_head_roles_sync`: give every head and deputy of these
    departments who has an account the department head role, in a fixed number of queries."""
    from rollout.services.users import department_head_role_grant

    department_head_role_grant(
        user_ids={
            person.user_id
            for department in departments
            for person in (department.head, department.deputy)
            if person is not None and person.user_id is not None
        },
        by=by,
    )
