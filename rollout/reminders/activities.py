"""Rule: an activity is due or overdue -> its owner; after the last reminder the rollout's
manager (who created it) gets the escalation."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import Notification
from notifications.policy import zone_of
from notifications.rules import (
    Item,
    RuleDefaults,
    RuleSettings,
    RuleSource,
    register_rule,
    reminder_key,
    reminder_step,
)
from notifications.services import QueuedNotification
from rollout.models import OPEN_ACTIVITY_STATUSES, Activity, Rollout

KEY = "activity"


def _label(activity: Activity) -> str:
    return f"activity{activity.pk}:{activity.due_date:%Y%m%d}"


def scan(rollout: Rollout, rule: RuleSettings, now: datetime.datetime) -> list[Item]:
    zone = zone_of(settings.TIME_ZONE)
    today = now.astimezone(zone).date()
    activities = Activity.objects.filter(
        phase__rollout=rollout,
        status__in=OPEN_ACTIVITY_STATUSES,
        owner__isnull=False,
        owner__is_active=True,
        due_date__lte=today - datetime.timedelta(days=rule.first_after_days),
    ).select_related("owner__user")
    manager = rollout.created_by if rollout.created_by_id else None
    items: list[Item] = []
    for activity in activities:
        anchor = datetime.datetime.combine(activity.due_date, datetime.time(), tzinfo=zone)
        step = reminder_step(anchor, rule, now)
        context = {"rollout": rollout.pk, "due": activity.due_date.isoformat(), "step": step}
        if 0 < step <= rule.max_count:
            items.append(
                (
                    f"reminder_{KEY}",
                    QueuedNotification(
                        to=activity.owner,
                        dedup_key=reminder_key(KEY, _label(activity), step),
                        about=activity,
                        context=context,
                    ),
                )
            )
        elif step > rule.max_count and manager is not None and manager.is_active:
            items.append(
                (
                    f"escalation_{KEY}",
                    QueuedNotification(
                        to=manager,
                        dedup_key=reminder_key(KEY, _label(activity), "escalation"),
                        about=activity,
                        context=context,
                    ),
                )
            )
    return items


def _open_activity(notification: Notification) -> Activity | None:
    if notification.content_type_id is None:
        return None
    activity = (
        Activity.objects.select_related("owner", "phase__rollout")
        .filter(pk=notification.object_id)
        .first()
    )
    if activity is None or not activity.is_open or activity.due_date is None:
        return None
    if activity.due_date.isoformat() != notification.context.get("due"):
        return None  # moved to another date: the reminders of the new date take over
    return activity


def describe_reminder(notification: Notification) -> dict | None:
    activity = _open_activity(notification)
    if activity is None or activity.owner_id != notification.person_id:
        return None
    due = formats.date_format(activity.due_date, "DATE_FORMAT")
    overdue = activity.due_date < timezone.localdate()
    headline = (
        _("“%(title)s” was due on %(due)s") if overdue else _("“%(title)s” is due today (%(due)s)")
    ) % {"title": activity.title, "due": due}
    return {
        "headline": headline,
        "lines": [
            _("Rollout: %(rollout)s") % {"rollout": activity.phase.rollout.name},
            _("Please finish the activity or tell the social media manager a new date."),
        ],
        "action_url": settings.SITE_URL + reverse("rollout:me") if notification.user_id else "",
        "action_label": _("Open my tasks"),
    }


def describe_escalation(notification: Notification) -> dict | None:
    activity = _open_activity(notification)
    if activity is None:
        return None
    due = formats.date_format(activity.due_date, "DATE_FORMAT")
    owner = activity.owner.full_name if activity.owner else _("nobody")
    return {
        "headline": _("Still open after every reminder: “%(title)s”") % {"title": activity.title},
        "lines": [
            _("Owner: %(owner)s, due on %(due)s.") % {"owner": owner, "due": due},
            _("Rollout: %(rollout)s") % {"rollout": activity.phase.rollout.name},
        ],
        "action_url": settings.SITE_URL + reverse("rollout:plan", args=[activity.phase.rollout_id]),
        "action_label": _("Open the plan"),
    }


register_rule(
    RuleSource(
        key=KEY,
        label=gettext_lazy("Activity due or overdue"),
        help_text=gettext_lazy(
            "Reminds the owner from the due date on; escalates to the rollout's manager."
        ),
        defaults=RuleDefaults(first_after_days=0, every_days=3, max_count=3),
        scanner=scan,
        describe_reminder=describe_reminder,
        describe_escalation=describe_escalation,
    )
)
