"""Reminder rules: a small registry of rule sources.

A rule source has a key, a label, defaults (first reminder after N days, then every M days, at
most K, then escalate) and a scanner. The beat task `scan_reminders` runs every scanner for every
running rollout with the rollout's settings (a ReminderRule row, or the defaults) and queues
what it returns; dedup keys ("reminder:<rule>:<object>:<n>", "...:escalation") make a scan run
twice, or two scans at once, queue nothing twice. Each rule registers two notification kinds,
`reminder_<key>` and `escalation_<key>`, sharing the templates emails/reminder.*; their
`describe` functions run at send time and return None when the reminder is no longer needed.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise

from notifications.kinds import NotificationKind, Pace, register
from notifications.services import QueuedNotification

Item = tuple[str, QueuedNotification]  # (notification kind, the row to queue)


@dataclass(frozen=True)
class RuleDefaults:
    first_after_days: int
    every_days: int
    max_count: int
    escalate: bool = True


@dataclass(frozen=True)
class RuleSettings:
    key: str
    enabled: bool
    first_after_days: int
    every_days: int
    max_count: int
    escalate: bool


@dataclass(frozen=True)
class RuleSource:
    key: str
    label: str | Promise
    help_text: str | Promise
    defaults: RuleDefaults
    scanner: Callable[..., Iterable[Item]]
    describe_reminder: Callable
    describe_escalation: Callable | None = None
    mandatory: bool = False
    digestible: bool = True  # reminders wait for the daily digest; False for time-critical ones

    @property
    def reminder_kind(self) -> str:
        return f"reminder_{self.key}"

    @property
    def escalation_kind(self) -> str:
        return f"escalation_{self.key}"

    def default_settings(self) -> RuleSettings:
        d = self.defaults
        return RuleSettings(
            self.key, True, d.first_after_days, d.every_days, d.max_count, d.escalate
        )


_RULES: dict[str, RuleSource] = {}


def register_rule(source: RuleSource) -> RuleSource:
    if source.key in _RULES and _RULES[source.key] != source:
        raise ValueError(f"Reminder rule {source.key!r} is registered twice.")
    _RULES[source.key] = source
    register(
        NotificationKind(
            key=source.reminder_kind,
            label=source.label,
            template="reminder",
            mandatory=source.mandatory,
            context=source.describe_reminder,
            digestible=source.digestible,
            pace=Pace.REMINDER,
        )
    )
    if source.describe_escalation is not None:
        register(
            NotificationKind(
                key=source.escalation_kind,
                label=source.label,
                template="reminder",
                mandatory=True,
                context=source.describe_escalation,
                digestible=True,  # the escalation summary: one digest with every open case
                pace=Pace.REMINDER,
            )
        )
    return source


def all_rules() -> list[RuleSource]:
    return list(_RULES.values())


def get_rule(key: str) -> RuleSource | None:
    return _RULES.get(key)


def reminder_step(anchor: datetime.datetime, rule: RuleSettings, now: datetime.datetime) -> int:
    """Which reminder is due at `now` for something waiting since `anchor`: 0 for none yet,
    1..max_count for that reminder, max_count + 1 for the escalation (when the rule escalates).
    Only the latest is queued: after a long pause the next one comes, not all missed ones."""
    first = anchor + datetime.timedelta(days=rule.first_after_days)
    if now < first:
        return 0
    step = 1 + (now - first) // datetime.timedelta(days=max(rule.every_days, 1))
    return min(step, rule.max_count + 1 if rule.escalate else rule.max_count)


def reminder_key(rule: str, label: str, step: int | str) -> str:
    return f"reminder:{rule}:{label}:{step}"
