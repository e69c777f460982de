"""Respecting the person: when a notification may be sent, and whether it waits for the daily
digest. Quiet at night, on weekends and on the public holidays of the configured German
federal state, in the recipient's own time zone; at most NOTIFY_WEEKLY_CAP mails a week."""

import datetime
import functools
import zoneinfo

import holidays
from django.conf import settings

from notifications.kinds import NotificationKind


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


def next_allowed(
    moment: datetime.datetime, time_zone: str, state: str | None = None
) -> datetime.datetime:
    """`moment` itself when a mail may go out then, else the start of the next sending window
    (NOTIFY_SEND_FROM_HOUR on the next working day that is no public holiday of `state`, by
    default NOTIFY_HOLIDAY_STATE)."""
    if not settings.NOTIFY_QUIET_HOURS:
        return moment
    zone = zone_of(time_zone)
    local = moment.astimezone(zone)
    start, end = settings.NOTIFY_SEND_FROM_HOUR, settings.NOTIFY_SEND_UNTIL_HOUR
    day = local.date()
    if not is_quiet_day(day, state) and start <= local.hour < end:
        return moment
    if local.hour >= start:
        day += datetime.timedelta(days=1)
    for _ in range(30):
        if not is_quiet_day(day, state):
            break
        day += datetime.timedelta(days=1)
    opens = datetime.datetime.combine(day, datetime.time(start), tzinfo=zone)
    return max(opens, moment)


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
