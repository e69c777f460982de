"""Rule `guideline`: a published guideline version not yet acknowledged -> the person, first
after 7 days, then weekly, at most 3; then their department head gets them on the list of
missing people in the daily summary (digest)."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guidelines.models import AcknowledgmentRequest, VersionStatus
from guidelines.notices import acknowledgment_context
from notifications.models import Notification
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
from rollout.models import Rollout
from rollout.reminders import is_current_rollout

KEY = "guideline"


def scan(rollout: Rollout, rule: RuleSettings, now: datetime.datetime) -> list[Item]:
    if not is_current_rollout(rollout, now):
        return []
    requests = AcknowledgmentRequest.objects.filter(
        version__status=VersionStatus.PUBLISHED,
        acknowledgment__isnull=True,
        person__is_active=True,
        created_at__lte=now - datetime.timedelta(days=rule.first_after_days),
    ).select_related("person__user", "person__department__head__user")
    items: list[Item] = []
    for request in requests:
        step = reminder_step(request.created_at, rule, now)
        context = {"version_id": request.version_id, "person_id": request.person_id, "step": step}
        person = request.person
        head = person.department.head if person.department_id else None
        if 0 < step <= rule.max_count:
            key = reminder_key(KEY, f"req{request.pk}", step)
            item = QueuedNotification(to=person, dedup_key=key, about=request, context=context)
            items.append((f"reminder_{KEY}", item))
        elif step > rule.max_count and head is not None and head.is_active and head != person:
            key = reminder_key(KEY, f"req{request.pk}", "escalation")
            item = QueuedNotification(to=head, dedup_key=key, about=request, context=context)
            items.append((f"escalation_{KEY}", item))
    return items


def describe_reminder(notification: Notification) -> dict | None:
    context = acknowledgment_context(notification)
    if context is None or context["person"].pk != notification.person_id:
        return None
    return {
        "headline": _("Please acknowledge “%(title)s”") % {"title": context["guideline"].title},
        "lines": [_("It takes two minutes: read the guideline and confirm with one click.")],
        "action_url": context["ack_url"],
        "action_label": _("Read and acknowledge"),
    }


def describe_escalation(notification: Notification) -> dict | None:
    context = acknowledgment_context(notification)
    if context is None:
        return None
    person = context["person"]
    return {
        "headline": _("%(name)s has not acknowledged “%(title)s” yet")
        % {"name": person.full_name, "title": context["guideline"].title},
        "lines": [_("Three reminders went out. Perhaps a word from you helps.")],
        "action_url": "",
        "action_label": "",
    }


register_rule(
    RuleSource(
        key=KEY,
        label=gettext_lazy("Guideline not acknowledged"),
        help_text=gettext_lazy(
            "Reminds the person; then their department head gets the list of missing people."
        ),
        defaults=RuleDefaults(first_after_days=7, every_days=7, max_count=3),
        scanner=scan,
        describe_reminder=describe_reminder,
        describe_escalation=describe_escalation,
        mandatory=True,
    )
)
