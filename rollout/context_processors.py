from django.conf import settings
from django.http import HttpRequest

from core.mailbox import mailbox_enabled


def navigation(request: HttpRequest) -> dict[str, object]:
    """What the navigation needs: the links of the user's roles and the current rollout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"LANGUAGES": settings.LANGUAGES}
    from rollout.selectors.core import rollout_current_cached
    from rollout.selectors.readiness import readiness_version

    sees_rollouts = user.is_manager or user.is_leadership
    return {
        "LANGUAGES": settings.LANGUAGES,
        "nav_is_manager": user.is_manager,
        "nav_is_leadership": user.is_leadership,
        "nav_is_head": user.is_department_head,
        "nav_is_works_council": user.is_works_council,
        "nav_mailbox": mailbox_enabled() and user.is_manager,
        # From the cache until the data changes: usually no query.
        "nav_rollout": rollout_current_cached(user=user, request=request)
        if sees_rollouts
        else None,
        # Called (no query) only by the dashboard's cached heatmap.
        "readiness_version": readiness_version,
    }
