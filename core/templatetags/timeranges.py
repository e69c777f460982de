"""`{% time_range start end %}`: a span of time as each language writes it, "09:00-10:30" (with
an en dash) in English and "von 09:00 bis 10:30 Uhr" in German (the pattern is translatable)."""

import datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import pgettext

register = template.Library()


def _time(value: object) -> str:
    """The time in the language's format; "" for anything else (as the `time` filter does)."""
    if not isinstance(value, (datetime.datetime, datetime.time)):
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.time_format(value, "TIME_FORMAT")


@register.simple_tag
def time_range(start: datetime.datetime | datetime.time, end: datetime.datetime | datetime.time):
    # The en dash is written as is: xgettext does not read "\N{...}".
    start, end = _time(start), _time(end)
    if not (start and end):
        return start or end
    return pgettext("time range", "%(start)s–%(end)s") % {"start": start, "end": end}  # noqa: RUF001
