"""Rules on training sessions (guidelines/models/trainings.py), counted BEFORE the start:
`first_after_days` means "this many days before".

- `training_tomorrow`: the session starts within a day -> everyone who accepted.
- `rsvp_open`: no answer (or "maybe") 3 days before the start -> the invited person.
"""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guidelines.models.trainings import InvitationStatus, SessionStatus, TrainingInvitation
from guidelines.training_emails import invitation_for, rsvp_urls
from notifications.models import Notification
from notifications.rules import (
    Item,
    RuleDefaults,
    RuleSettings,
    RuleSource,
    register_rule,
    reminder_key,
)
from notifications.services import QueuedNotification
from rollout.models import Rollout

TOMORROW = "training_tomorrow"
RSVP = "rsvp_open"


def _upcoming(rollout: Rollout, rule: RuleSettings, now: datetime.datetime, statuses):
    return TrainingInvitation.objects.filter(
        session__phase__rollout=rollout,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gt=now,
        session__starts_at__lte=now + datetime.timedelta(days=rule.first_after_days),
        status__in=statuses,
        person__is_active=True,
    ).select_related("session", "person__user")


def _items(key: str, invitations) -> list[Item]:
    items: list[Item] = []
    for invitation in invitations:
        starts = invitation.session.starts_at.isoformat()
        label = f"inv{invitation.pk}:{invitation.session.starts_at:%Y%m%d%H%M}"
        item = QueuedNotification(
            to=invitation.person,
            dedup_key=reminder_key(key, label, 1),
            about=invitation,
            context={"starts": starts},
        )
        items.append((f"reminder_{key}", item))
    return items


def scan_tomorrow(rollout: Rollout, rule: RuleSettings, now: datetime.datetime) -> list[Item]:
    return _items(TOMORROW, _upcoming(rollout, rule, now, [InvitationStatus.ACCEPTED]))


def scan_rsvp(rollout: Rollout, rule: RuleSettings, now: datetime.datetime) -> list[Item]:
    statuses = [InvitationStatus.INVITED, InvitationStatus.MAYBE]
    return _items(RSVP, _upcoming(rollout, rule, now, statuses))


def _invitation(notification: Notification, statuses):
    invitation = invitation_for(notification)
    if invitation is None or invitation.status not in statuses:
        return None
    session = invitation.session
    if session.is_cancelled or session.has_started():
        return None
    if session.starts_at.isoformat() != notification.context.get("starts"):
        return None  # moved: the new date gets its own reminder
    return invitation


def _when(session) -> str:
    return formats.date_format(timezone.localtime(session.starts_at), "DATETIME_FORMAT")


def describe_tomorrow(notification: Notification) -> dict | None:
    invitation = _invitation(notification, [InvitationStatus.ACCEPTED])
    if invitation is None:
        return None
    session = invitation.session
    lines = [_("Room: %(room)s") % {"room": session.room}] if session.room else []
    lines.append(_("Cannot come after all? Please say so, someone on the waitlist is glad."))
    return {
        "headline": _("“%(title)s” starts %(when)s")
        % {"title": session.title, "when": _when(session)},
        "lines": lines,
        "action_url": rsvp_urls(invitation)["rsvp_url"],
        "action_label": _("Change my answer"),
    }


def describe_rsvp(notification: Notification) -> dict | None:
    invitation = _invitation(notification, [InvitationStatus.INVITED, InvitationStatus.MAYBE])
    if invitation is None:
        return None
    session = invitation.session
    urls = rsvp_urls(invitation)
    return {
        "headline": _("Will you attend “%(title)s” on %(when)s?")
        % {"title": session.title, "when": _when(session)},
        "lines": [
            _("Yes: %(url)s") % {"url": urls["accept_url"]},
            _("No: %(url)s") % {"url": urls["decline_url"]},
        ],
        "action_url": urls["rsvp_url"],
        "action_label": _("Answer"),
    }


register_rule(
    RuleSource(
        key=TOMORROW,
        label=gettext_lazy("Training tomorrow"),
        help_text=gettext_lazy(
            "Reminds everyone who accepted, this many days before the start (first reminder)."
        ),
        defaults=RuleDefaults(first_after_days=1, every_days=1, max_count=1, escalate=False),
        scanner=scan_tomorrow,
        describe_reminder=describe_tomorrow,
        digestible=False,  # a day ahead: the digest of the next morning may be too late
    )
)
register_rule(
    RuleSource(
        key=RSVP,
        label=gettext_lazy("Answer to a training invitation still open"),
        help_text=gettext_lazy(
            "Asks those who have not answered, this many days before the start (first reminder)."
        ),
        defaults=RuleDefaults(first_after_days=3, every_days=1, max_count=1, escalate=False),
        scanner=scan_rsvp,
        describe_reminder=describe_rsvp,
        digestible=False,
    )
)
