"""Rule `survey`: an open wave not yet answered -> one gentle reminder to the person, by
default 5 days after the wave opened (optional: the person may unsubscribe). Never an
escalation: who has not answered is nobody's business (the survey is voluntary and
anonymous), so no head ever gets a list."""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
from surveys.models import SurveyInvitation, WaveStatus
from surveys.notices import invitation_context

KEY = "survey"


def scan(rollout: Rollout, rule: RuleSettings, now: datetime.datetime) -> list[Item]:
    today = timezone.localdate(now)
    invitations = SurveyInvitation.objects.filter(
        wave__survey__rollout=rollout,
        wave__status=WaveStatus.OPEN,
        wave__opens_on__lte=today - datetime.timedelta(days=rule.first_after_days),
        wave__closes_on__gte=today,
        answered_on__isnull=True,
        person__is_active=True,
    ).select_related("person__user", "wave")
    items: list[Item] = []
    for invitation in invitations:
        opened = datetime.datetime.combine(
            invitation.wave.opens_on, datetime.time.min, tzinfo=timezone.get_current_timezone()
        )
        step = reminder_step(opened, rule, now)
        if 0 < step <= rule.max_count:
            item = QueuedNotification(
                to=invitation.person,
                dedup_key=reminder_key(KEY, f"inv{invitation.pk}", step),
                about=invitation.wave,
                context={"invitation_id": invitation.pk, "step": step},
            )
            items.append((f"reminder_{KEY}", item))
    return items


def describe_reminder(notification: Notification) -> dict | None:
    """Nothing is sent when the person answered meanwhile or the wave closed."""
    context = invitation_context(notification)
    if context is None:
        return None
    return {
        "headline": _("Two minutes for “%(title)s”?") % {"title": context["survey"].title},
        "lines": [
            _("Your answer is anonymous and helps plan what comes next. Open until %(date)s.")
            % {"date": formats.date_format(context["wave"].closes_on, "DATE_FORMAT")}
        ],
        "action_url": context["answer_url"],
        "action_label": _("Answer the survey"),
    }


register_rule(
    RuleSource(
        key=KEY,
        label=gettext_lazy("Pulse survey not answered"),
        help_text=gettext_lazy("Reminds the person once; nobody else learns who has not answered."),
        defaults=RuleDefaults(first_after_days=5, every_days=7, max_count=1, escalate=False),
        scanner=scan,
        describe_reminder=describe_reminder,
    )
)
