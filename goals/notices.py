"""The goals' notification kind: the owner is asked for the key figure's current value, with
a signed link to enter it without an account (registered from GoalsConfig.ready())."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notifications.kinds import NotificationKind, Pace, register
from notifications.models import Notification

GOAL_VALUE_REQUEST = "goal_value_request"


def _goal_value_request_context(notification: Notification) -> dict | None:
    """Only while the goal exists and the recipient still owns it."""
    from goals.models import Goal
    from goals.services import goal_value_link_path

    goal = (
        Goal.objects.select_related("rollout", "owner")
        .filter(pk=notification.object_id, owner__isnull=False, owner__is_active=True)
        .first()
    )
    if goal is None or goal.owner_id != notification.context.get("person_id"):
        return None
    latest = goal.values.order_by("-date").first()
    return {
        "goal": goal,
        "rollout": goal.rollout,
        "latest": latest,
        "value_url": f"{settings.SITE_URL}{goal_value_link_path(goal=goal)}",
    }


register(
    NotificationKind(
        key=GOAL_VALUE_REQUEST,
        label=_("Please enter the current value of a key figure"),
        template="goal_value_request",
        context=_goal_value_request_context,
        pace=Pace.TRANSACTIONAL,  # the manager just asked for it
    )
)
