"""English dates are day-first ("2 December 2026", "02/12/2026") with 24-hour times, not
Django's US defaults ("Dec. 2, 2026", "12/02/2026", "2:30 p.m."); German stays as it is; date
fields keep reading ISO in both languages."""

import datetime
import zoneinfo

import pytest
from django import forms
from django.template import Context, Template
from django.utils import formats, timezone, translation

DAY = datetime.date(2026, 12, 2)
MOMENT = datetime.datetime(2026, 12, 2, 14, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))


def _render(text: str, **context) -> str:
    return Template(text).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["2 December 2026", "02/12/2026", "2 December 2026, 14:30", "02/12/2026 14:30"]),
        ("de", ["2. Dezember 2026", "02.12.2026", "2. Dezember 2026 14:30", "02.12.2026 14:30"]),
    ],
)
def test_dates_in_templates(language, expected):
    with translation.override(language), timezone.override(MOMENT.tzinfo):
        shown = _render(
            '{{ day }}|{{ day|date:"SHORT_DATE_FORMAT" }}|{{ moment }}'
            '|{{ moment|date:"SHORT_DATETIME_FORMAT" }}',
            day=DAY,
            moment=MOMENT,
        )
    assert shown.split("|") == expected


def test_english_is_not_us():
    with translation.override("en"):
        assert formats.date_format(DAY) != "Dec. 2, 2026"
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") != "12/02/2026"
        assert formats.time_format(MOMENT.time()) == "14:30"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1
        # Numbers are unchanged.
        assert formats.number_format(1250.5, decimal_pos=1, force_grouping=True) == "1,250.5"


@pytest.mark.parametrize("language", ["de", "en"])
def test_date_fields_read_iso_in_every_language(language):
    with translation.override(language):
        assert forms.DateField().clean("2026-12-02") == DAY
        assert forms.DateTimeField().clean("2026-12-02 14:30").replace(tzinfo=None) == (
            datetime.datetime(2026, 12, 2, 14, 30)
        )


def test_english_typed_dates_are_day_first():
    with translation.override("en"):
        assert forms.DateField().clean("02/12/2026") == DAY
        assert forms.DateField().clean("2 December 2026") == DAY


def test_the_product_formats_are_configured(settings):
    assert "changehub.formats" in settings.FORMAT_MODULE_PATH
