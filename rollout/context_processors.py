from django.conf import settings
from django.http import HttpRequest

from rollout.mailbox import mailbox_enabled


def navigation(request: HttpRequest) -> dict[str, object]:
    """What the navigation needs: the links of the user's roles and the current rollout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"LANGUAGES": settings.LANGUAGES}
    from rollout.selectors import rollout_current

    sees_rollouts = user.is_manager or user.is_leadership
    return {
        "LANGUAGES": settings.LANGUAGES,
        "nav_is_manager": user.is_manager,
        "nav_is_leadership": user.is_leadership,
        "nav_is_head": user.is_department_head,
        "nav_mailbox": mailbox_enabled() and user.is_manager,
        # One query per page, the same on every page.
        "nav_rollout": rollout_current(user=user) if sees_rollouts else None,
    }
