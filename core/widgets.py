"""Date and time inputs that keep their value in every language.

A browser's `<input type="date">` (and `time`, `datetime-local`) only accepts the ISO form as
its value (`2026-03-01`, `09:30`, `2026-03-01T09:30`) and shows it in the user's own format.
Django's default widgets render the value in the active language's format (`01.03.2026` in
German), which the browser throws away: the field comes back empty when a form is opened
again. These widgets always render ISO; parsing needs nothing extra, since Django's date and
time fields accept the ISO forms in every language.

Use them for every date and time field: `widget=DateInput()`.
"""

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """`<input type="date">` with the value as yyyy-mm-dd."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None, format: str | None = None) -> None:
        super().__init__(attrs=attrs, format=format or ISO_DATE)


class TimeInput(forms.TimeInput):
    """`<input type="time">` with the value as HH:MM."""

    input_type = "time"

    def __init__(self, attrs: dict | None = None, format: str | None = None) -> None:
        super().__init__(attrs=attrs, format=format or ISO_TIME)


class DateTimeInput(forms.DateTimeInput):
    """`<input type="datetime-local">` with the value as yyyy-mm-ddTHH:MM (in the current time
    zone: the field converts before the widget formats)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None, format: str | None = None) -> None:
        super().__init__(attrs=attrs, format=format or ISO_DATETIME)
