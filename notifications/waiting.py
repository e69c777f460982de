"""When a mail goes out and why it waits, in words: for the outbox page ("wird um 08:00
verschickt (Ruhezeit)") and for every page that tells the user a mail is on its way.
Times are shown in the viewer's time zone (the active one)."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications import policy
from notifications.kinds import get_kind
from notifications.models import Notification, NotificationState, WaitReason


def when_text(moment: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """When, in words: at 08:00, tomorrow at 08:00, or on 07.12.2026 at 08:00."""
    now = now or timezone.now()
    local = timezone.localtime(moment)
    today = timezone.localtime(now).date()
    time = date_format(local, "H:i")
    if local.date() <= today:
        return _("at %(time)s") % {"time": time}
    if local.date() == today + datetime.timedelta(days=1):
        return _("tomorrow at %(time)s") % {"time": time}
    day = date_format(local, "SHORT_DATE_FORMAT")
    return _("on %(day)s at %(time)s") % {"day": day, "time": time}


def is_waiting(row: Notification, *, now: datetime.datetime | None = None) -> bool:
    """A pending row held back (later, or for the digest) that the manager may send now."""
    now = now or timezone.now()
    return (
        row.state == NotificationState.PENDING
        and not row.send_now
        and (row.via_digest or row.due_at > now)
    )


def wait_note(row: Notification, *, now: datetime.datetime | None = None) -> str:
    """When and why a pending row goes out: "will be sent at 08:00 (quiet hours)"; empty for
    rows that are done (sent, failed, cancelled)."""
    now = now or timezone.now()
    if row.state == NotificationState.SENDING:
        return _("is being sent")
    if row.state != NotificationState.PENDING:
        return ""
    when = when_text(row.due_at, now=now)
    reason = WaitReason(row.wait_reason) if row.wait_reason in WaitReason.values else None
    if row.via_digest:
        if reason in (None, WaitReason.NONE, WaitReason.DIGEST):
            return _("goes out %(when)s in the daily digest") % {"when": when}
        return _("goes out %(when)s in the daily digest (%(reason)s)") % {
            "when": when,
            "reason": reason.label,
        }
    if row.due_at <= now:
        return _("is being sent")
    if row.last_error:
        return _("will be tried again %(when)s (after an error)") % {"when": when}
    return _("will be sent %(when)s (%(reason)s)") % {
        "when": when,
        "reason": (reason or WaitReason.NONE).label,
    }


def sending_note(
    *,
    kind: str,
    count: int = 1,
    time_zone: str | None = None,
    state: str | None = None,
    now: datetime.datetime | None = None,
) -> str:
    """For a page that says mail of `kind` is on its way: a sentence saying when, if it will
    wait ("The emails will be sent tomorrow at 08:00 (quiet hours)."), else "". The time zone
    is the recipient's when there is one, the site's otherwise; the weekly cap of one person
    cannot be told in advance (it never holds back transactional mail)."""
    now = now or timezone.now()
    spec = get_kind(kind)
    if policy.is_immediate(spec, kind):
        return ""
    zone = time_zone or settings.TIME_ZONE
    transactional = policy.is_transactional(spec, kind)
    if (
        not transactional
        and spec is not None
        and spec.digestible
        and settings.NOTIFY_DIGEST_ENABLED
    ):
        at = policy.next_digest_at(now, zone, state)
        return ngettext(
            "The email goes out %(when)s in the daily digest.",
            "The emails go out %(when)s in the daily digest.",
            count,
        ) % {"when": when_text(at, now=now)}
    at, reason = policy.sending_window(now, zone, state)
    if at <= now or reason is None:
        return ""
    return ngettext(
        "The email will be sent %(when)s (%(reason)s).",
        "The emails will be sent %(when)s (%(reason)s).",
        count,
    ) % {"when": when_text(at, now=now), "reason": reason.label}


def with_sending_note(text: str, *, kind: str, count: int = 1) -> str:
    """A page's "… is on its way" message, followed by when the mail goes out if it waits."""
    note = sending_note(kind=kind, count=count)
    return f"{text} {note}" if note else text
