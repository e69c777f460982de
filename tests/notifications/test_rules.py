"""Reminder rules: the activity rule reminds the owner from the due date on, every few days,
at most N times, then escalates; settings per rollout; a scan run twice queues nothing twice."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Notification, NotificationState, ReminderRule
from notifications.rules import RuleSettings, reminder_step
from notifications.rules.scan import (
    reminder_rule_save,
    reminder_settings_save,
    reminders_scan,
    rule_settings_for,
)
from notifications.services import notifications_dispatch
from rollout.models import ActivityStatus, PhaseKind
from tests import factories

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def test_reminder_steps_follow_the_rule():
    rule = RuleSettings("x", True, 3, 4, 3, True)
    anchor = timezone.now()
    steps = [reminder_step(anchor, rule, anchor + n * DAY) for n in range(0, 20)]
    assert steps[:3] == [0, 0, 0]
    assert steps[3] == steps[6] == 1
    assert steps[7] == 2 and steps[11] == 3 and steps[15] == 4  # 4 = escalation
    assert steps[19] == 4
    no_escalation = RuleSettings("x", True, 3, 4, 3, False)
    assert reminder_step(anchor, no_escalation, anchor + 30 * DAY) == 3


@pytest.fixture
def overdue(cast):
    owner = factories.PersonFactory(user=factories.UserFactory(language="en"))
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    cast.rollout.created_by = cast.manager
    cast.rollout.save(update_fields=["created_by"])
    return factories.ActivityFactory(
        phase=phase, owner=owner, due_date=timezone.localdate(), title="Diensthandy beantragen"
    )


def _sent_kinds():
    return list(
        Notification.objects.filter(state=NotificationState.SENT)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def test_activity_reminders_then_escalation(overdue, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_DIGEST_ENABLED = False
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_scan(now=now) == 1
        assert reminders_scan(now=now) == 0  # a scan run twice
    assert len(mail.outbox) == 1
    assert "Diensthandy beantragen" in mail.outbox[0].subject
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers  # optional kind
    # The clock moves forward: one new reminder per step, then the escalation, then nothing.
    for days, expected in ((1, 0), (3, 1), (6, 1), (9, 1), (12, 0)):
        with django_capture_on_commit_callbacks(execute=True):
            assert reminders_scan(now=now + days * DAY) == expected, days
    assert _sent_kinds() == ["reminder_activity"] * 3 + ["escalation_activity"]
    assert mail.outbox[-1].to[0].endswith(f"<{overdue.phase.rollout.created_by.email}>")
    keys = set(Notification.objects.values_list("dedup_key", flat=True))
    label = f"activity{overdue.pk}:{overdue.due_date:%Y%m%d}"
    assert keys == {f"reminder:activity:{label}:{n}" for n in (1, 2, 3, "escalation")}


def test_a_finished_activity_is_not_reminded(overdue, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_DIGEST_ENABLED = True
    with django_capture_on_commit_callbacks(execute=True):
        reminders_scan()
    row = Notification.objects.get()
    assert row.via_digest and row.state == NotificationState.PENDING
    overdue.status = ActivityStatus.DONE
    overdue.completed_at = timezone.now()
    overdue.save()
    with django_capture_on_commit_callbacks(execute=True):
        notifications_dispatch(now=row.due_at)
    Notification.objects.filter(kind="digest").update(due_at=timezone.now(), claimed_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        notifications_dispatch()
    assert mail.outbox == []
    assert Notification.objects.get(kind="digest").state == NotificationState.CANCELLED


def test_rule_settings_per_rollout(overdue, cast, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_DIGEST_ENABLED = False
    assert rule_settings_for(cast.rollout)["activity"].first_after_days == 0
    values = {"enabled": True, "first_after_days": 2, "every_days": 1, "max_count": 1}
    reminder_rule_save(rollout=cast.rollout, key="activity", values={**values, "escalate": False})
    reminder_rule_save(rollout=cast.rollout, key="activity", values={**values, "escalate": False})
    assert ReminderRule.objects.count() == 1
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_scan(now=now) == 0
        assert reminders_scan(now=now + 2 * DAY) == 1
        assert reminders_scan(now=now + 9 * DAY) == 0  # at most 1, no escalation
    reminder_rule_save(
        rollout=cast.rollout, key="activity", values={**values, "enabled": False, "escalate": True}
    )
    assert reminders_scan(now=now + 30 * DAY) == 0


def test_a_rollouts_federal_state_sets_its_quiet_days(
    cast, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Epiphany (6 January) is a holiday in Bavaria, not in Berlin (the installation's default)."""
    settings.NOTIFY_DIGEST_ENABLED = False
    settings.NOTIFY_QUIET_HOURS = True
    settings.NOTIFY_HOLIDAY_STATE = "BE"
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    epiphany = datetime.datetime(2027, 1, 6, 10, tzinfo=berlin)
    monkeypatch.setattr(timezone, "now", lambda: epiphany)
    bavarian = factories.RolloutFactory(created_by=cast.manager)
    reminder_settings_save(rollout=bavarian, holiday_state="BY")
    for rollout in (cast.rollout, bavarian):
        factories.ActivityFactory(
            phase=rollout.phases.get(kind=PhaseKind.UNFREEZE),
            owner=factories.PersonFactory(),
            due_date=datetime.date(2027, 1, 5),
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_scan(now=epiphany) == 2
    berlin_row = Notification.objects.get(object_id__in=cast.rollout.phases.values("activities"))
    bavarian_row = Notification.objects.get(object_id__in=bavarian.phases.values("activities"))
    assert berlin_row.state == NotificationState.SENT
    assert bavarian_row.context["holiday_state"] == "BY"
    assert bavarian_row.state == NotificationState.PENDING
    assert bavarian_row.due_at == datetime.datetime(2027, 1, 7, 8, tzinfo=berlin)
    assert len(mail.outbox) == 1
