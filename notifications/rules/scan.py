"""Running the rule scanners and saving a rollout's rule settings."""

import datetime
import logging
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from notifications.models import ReminderRule, ReminderSettings
from notifications.rules import RuleSettings, all_rules, get_rule
from notifications.services import QueuedNotification, notification_queue_many
from rollout.models import Rollout

logger = logging.getLogger(__name__)


def rule_settings_for(rollout: Rollout) -> dict[str, RuleSettings]:
    """Every registered rule's settings for `rollout`: its saved row or the defaults (1 query)."""
    saved = {row.key: row for row in ReminderRule.objects.filter(rollout=rollout)}
    result = {}
    for source in all_rules():
        row = saved.get(source.key)
        result[source.key] = (
            RuleSettings(
                source.key,
                row.enabled,
                row.first_after_days,
                row.every_days,
                row.max_count,
                row.escalate,
            )
            if row
            else source.default_settings()
        )
    return result


def reminder_rule_save(*, rollout: Rollout, key: str, values: dict) -> ReminderRule:
    """Store a rollout's settings for one rule (validated; a second save just updates)."""
    if get_rule(key) is None:
        raise ValueError(f"Unknown reminder rule {key!r}.")
    fields = ("enabled", "first_after_days", "every_days", "max_count", "escalate")
    with transaction.atomic():
        row, _ = ReminderRule.objects.select_for_update().get_or_create(
            rollout=rollout, key=key, defaults={f: values[f] for f in fields}
        )
        for f in fields:
            setattr(row, f, values[f])
        row.full_clean()
        row.save()
    return row


def holiday_state_of(rollout: Rollout) -> str:
    """The rollout's own federal state for quiet days, or "" for NOTIFY_HOLIDAY_STATE."""
    try:
        return rollout.reminder_settings.holiday_state
    except ReminderSettings.DoesNotExist:
        return ""


def reminder_settings_save(*, rollout: Rollout, holiday_state: str) -> ReminderSettings:
    """Store the rollout's federal state (a second save updates the same row)."""
    row, _ = ReminderSettings.objects.update_or_create(
        rollout=rollout, defaults={"holiday_state": holiday_state}
    )
    return row


def reminders_scan(*, now: datetime.datetime | None = None) -> int:
    """Run every enabled rule for every running rollout and queue what is due. Safe to run
    twice or at the same time: the dedup keys turn a second run into nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    queued = 0
    rollouts = Rollout.objects.filter(
        end_date__gte=today - datetime.timedelta(days=30)
    ).select_related("created_by", "sponsor", "reminder_settings")
    for rollout in rollouts:
        settings_by_key = rule_settings_for(rollout)
        state = holiday_state_of(rollout)
        for source in all_rules():
            rule = settings_by_key[source.key]
            if not rule.enabled:
                continue
            try:
                items = list(source.scanner(rollout, rule, now))
            except Exception:  # one broken rule must not stop the others
                logger.exception("Reminder rule %s failed for rollout %s.", source.key, rollout.pk)
                continue
            by_kind: dict[str, list[QueuedNotification]] = defaultdict(list)
            for kind, item in items:
                if state:
                    item.context = {**item.context, "holiday_state": state}
                by_kind[kind].append(item)
            with transaction.atomic():
                for kind, kind_items in by_kind.items():
                    queued += notification_queue_many(kind=kind, items=kind_items)
    return queued
