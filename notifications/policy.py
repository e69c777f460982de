"""Respecting the person: when a notification may be sent, and whether it waits for the daily
digest. Quiet at night, on weekends and on the public holidays of the configured German
federal state, in the recipient's own time zone; at most NOTIFY_WEEKLY_CAP mails a week."""

import datetime
import functools
import zoneinfo

import holidays
from django.conf import settings

from notifications.kinds import NotificationKind
from notifications.models import WaitReason


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@functools.lru_cache(maxsize=64)
def _holidays(state: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv=state or None, years=year)


def is_public_holiday(day: datetime.date, state: str | None = None) -> bool:
    state = settings.NOTIFY_HOLIDAY_STATE if state is None else state
    return day in _holidays(state, day.year)


def is_quiet_day(day: datetime.date, state: str | None = None) -> bool:
    if settings.NOTIFY_QUIET_WEEKENDS and day.weekday() >= 5:
        return True
    return bool(settings.NOTIFY_QUIET_HOLIDAYS) and is_public_holiday(day, state or None)


def _quiet_day_reason(day: datetime.date, state: str | None) -> WaitReason | None:
    if settings.NOTIFY_QUIET_WEEKENDS and day.weekday() >= 5:
        return WaitReason.WEEKEND
    if settings.NOTIFY_QUIET_HOLIDAYS and is_public_holiday(day, state or None):
        return WaitReason.HOLIDAY
    return None


def sending_window(
    moment: datetime.datetime, time_zone: str, state: str | None = None
) -> tuple[datetime.datetime, WaitReason | None]:
    """When a mail may go out, and why it waits: `(moment, None)` when it may go now, else the
    start of the next sending window (NOTIFY_SEND_FROM_HOUR on the next working day that is
    no public holiday of `state`, by default NOTIFY_HOLIDAY_STATE) and the reason: the
    weekend or holiday it waits through (today's, or tomorrow's when today's window closed),
    else the quiet hours."""
    if not settings.NOTIFY_QUIET_HOURS:
        return moment, None
    zone = zone_of(time_zone)
    local = moment.astimezone(zone)
    start, end = settings.NOTIFY_SEND_FROM_HOUR, settings.NOTIFY_SEND_UNTIL_HOUR
    day = local.date()
    today = _quiet_day_reason(day, state)
    if today is None and start <= local.hour < end:
        return moment, None
    reason = today
    if local.hour >= start:
        day += datetime.timedelta(days=1)
        reason = reason or _quiet_day_reason(day, state)
    for _ in range(30):
        if not is_quiet_day(day, state):
            break
        day += datetime.timedelta(days=1)
    opens = datetime.datetime.combine(day, datetime.time(start), tzinfo=zone)
    return max(opens, moment), reason or WaitReason.QUIET_HOURS


def next_allowed(
    moment: datetime.datetime, time_zone: str, state: str | None = None
) -> datetime.datetime:
    """`moment` itself when a mail may go out then, else the start of the next sending window
    (see `sending_window`)."""
    return sending_window(moment, time_zone, state)[0]


def next_digest_at(
    moment: datetime.datetime, time_zone: str, state: str | None = None
) -> datetime.datetime:
    """When the next daily digest goes out: NOTIFY_DIGEST_HOUR local time, today if still
    ahead, else tomorrow; moved to the next sending window when that is quiet."""
    zone = zone_of(time_zone)
    local = moment.astimezone(zone)
    at = datetime.datetime.combine(
        local.date(), datetime.time(settings.NOTIFY_DIGEST_HOUR), tzinfo=zone
    )
    if at <= local:
        at += datetime.timedelta(days=1)
    return next_allowed(at, time_zone, state)


def is_immediate(kind: NotificationKind | None, key: str) -> bool:
    """Sent at once, whatever the hour: a mail the person is waiting for right now."""
    return key in settings.NOTIFY_IMMEDIATE_KINDS or bool(kind and kind.immediate)


def is_transactional(kind: NotificationKind | None, key: str) -> bool:
    """Never capped, never bundled into a digest (see kinds.Pace); immediate kinds are too."""
    return is_immediate(kind, key) or bool(kind and kind.transactional)
