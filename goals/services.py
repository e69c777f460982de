"""Every write of goals and their key figure values."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import require_manager
from core.signing import LinkPurpose, link_payload, link_token
from goals.models import Goal, GoalStory, GoalValue, ValueSource
from rollout.models import Person, SuccessStory, User

GOAL_VALUE_LINK_DAYS = 45
GOAL_VALUE_LINK = LinkPurpose(
    salt="goals.value-link", max_age=datetime.timedelta(days=GOAL_VALUE_LINK_DAYS)
)

GOAL_FIELDS = (
    "company_goal",
    "department",
    "sub_goal",
    "key_figure",
    "baseline",
    "target",
    "start_date",
    "due_date",
    "owner",
)


def goal_save(*, goal: Goal, by: User) -> Goal:
    """Create or change a goal (the manager only)."""
    require_manager(by, action=True)
    goal.full_clean()
    with transaction.atomic():
        goal.save()
    return goal


def goal_value_record(
    *,
    goal: Goal,
    date: datetime.date,
    value: Decimal,
    source: str = ValueSource.MANUAL,
) -> GoalValue:
    """The key figure's value on a date; a second value for the same date replaces the first."""
    with transaction.atomic():
        row, _created = GoalValue.objects.update_or_create(
            goal=goal, date=date, defaults={"value": value, "source": source}
        )
    return row


def goal_values_import(
    *, goal: Goal, values: dict[datetime.date, Decimal], by: User
) -> tuple[int, int]:
    """Save imported values all at once (none on an error): (new, replaced)."""
    require_manager(by, action=True)
    with transaction.atomic():
        existing = set(
            GoalValue.objects.filter(goal=goal, date__in=list(values)).values_list(
                "date", flat=True
            )
        )
        GoalValue.objects.filter(goal=goal, date__in=existing).delete()
        GoalValue.objects.bulk_create(
            GoalValue(goal=goal, date=date, value=value, source=ValueSource.IMPORT)
            for date, value in sorted(values.items())
        )
    return len(values) - len(existing), len(existing)


# --- The owner's emailed link -----------------------------------------------------------------


def goal_value_link_path(*, goal: Goal) -> str:
    """The signed path where the goal's owner enters values (valid GOAL_VALUE_LINK_DAYS)."""
    token = link_token(GOAL_VALUE_LINK, {"g": goal.pk, "p": goal.owner_id})
    return reverse("goals:value_link", args=[token])


def goal_from_value_link(*, token: str) -> Goal | None:
    """The goal of a valid link whose owner is still the person it was made for, else None."""
    data = link_payload(GOAL_VALUE_LINK, token)
    if not isinstance(data, dict) or data.get("p") is None:
        return None
    return (
        Goal.objects.select_related("rollout", "owner")
        .filter(pk=data.get("g"), owner_id=data["p"], owner__is_active=True)
        .first()
    )


def goal_value_request(*, goal: Goal, by: User) -> bool:
    """Email the goal's owner a link to enter the current value; once a day per goal (a
    second click the same day queues nothing). False when nothing was queued."""
    from goals.notices import GOAL_VALUE_REQUEST
    from notifications.models import Notification
    from notifications.services import notification_queue

    require_manager(by, action=True)
    owner = Person.objects.select_related("user").filter(pk=goal.owner_id, is_active=True).first()
    if owner is None or not owner.email:
        raise ValidationError(_("The goal has no owner with an email address."), code="no_owner")
    key = f"goal_value_request:{goal.pk}:person{owner.pk}:{timezone.localdate():%Y-%m-%d}"
    if Notification.objects.filter(dedup_key=key).exists():
        return False
    with transaction.atomic():
        notification_queue(
            kind=GOAL_VALUE_REQUEST,
            to=owner,
            dedup_key=key,
            about=goal,
            context={"person_id": owner.pk},
        )
    return True


# --- Success stories that move a goal -----------------------------------------------------------


def goal_story_link(*, goal: Goal, story: SuccessStory, by: User) -> GoalStory:
    """Tie a success story of the goal's rollout to the goal; a story already tied to this
    goal stays so (a double submit links once), one tied to another goal moves here."""
    require_manager(by, action=True)
    if story.rollout_id != goal.rollout_id:
        raise ValidationError(_("The story belongs to another rollout."), code="other_rollout")
    with transaction.atomic():
        link, _created = GoalStory.objects.update_or_create(story=story, defaults={"goal": goal})
    return link


def goal_story_unlink(*, goal: Goal, story_id: int, by: User) -> None:
    require_manager(by, action=True)
    GoalStory.objects.filter(goal=goal, story_id=story_id).delete()
