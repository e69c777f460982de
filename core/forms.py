"""Number fields that read and write numbers the way the user types them.

A browser's `<input type="number">` refuses "1.250,5" (German for 1250.5) and Django's
`localize=True` reads "1,250.5" on a German page as 1.2505. These fields use a text input
(`inputmode` brings up the number keyboard on phones) and read both ways of writing a
number in every language:

- both "." and "," present: the last one is the decimal mark, the other groups thousands
  ("1.250,5" and "1,250.5" are both 1250.5);
- one mark, several times: it groups thousands ("1.250.000");
- one mark, once: the language's decimal mark is a decimal mark; the language's thousands
  mark groups thousands when exactly three digits follow ("1.250" on a German page is 1250,
  "1.5" is 1.5).

Groups must have three digits ("1.25.0" is refused, never guessed). A stored value is shown
in the active language's form, with thousands grouped ("1.250,5" in German, "1,250.5" in
English), which these fields read back unchanged.

Use them for every number a person types: `IntegerField(...)`, `DecimalField(...)`, or in a
ModelForm `Meta.field_classes = {"kpi_value": DecimalField}`.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, numberformat
from django.utils.translation import gettext_noop

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_GROUPED = re.compile(r"\d{1,3}(?:\x00\d{3})+")


def normalize_number(text: str) -> str:
    """The number in `text` as a plain "-1250.5" string; ValueError when it is none."""
    value = _SPACES.sub("", text).replace("\N{MINUS SIGN}", "-")
    sign = ""
    if value.startswith(("-", "+")):
        sign, value = ("-" if value[0] == "-" else ""), value[1:]
    decimal_mark = formats.get_format("DECIMAL_SEPARATOR")
    has_dot, has_comma = "." in value, "," in value
    if has_dot and has_comma:
        decimal = "." if value.rfind(".") > value.rfind(",") else ","
        group = "," if decimal == "." else "."
    elif has_dot or has_comma:
        mark = "." if has_dot else ","
        if value.count(mark) > 1:
            decimal, group = None, mark
        elif mark == decimal_mark or not re.fullmatch(rf"\d{{1,3}}{re.escape(mark)}\d{{3}}", value):
            decimal, group = mark, None
        else:
            decimal, group = None, mark
    else:
        decimal = group = None
    whole, fraction = value, ""
    if decimal:
        whole, _, fraction = value.rpartition(decimal)
        if not fraction:
            raise ValueError(text)
        whole = whole or "0"
    if group and group in whole:
        if not _GROUPED.fullmatch(whole.replace(group, "\x00")):
            raise ValueError(text)
        whole = whole.replace(group, "")
    plain = sign + whole + ("." + fraction if fraction else "")
    if not _PLAIN.fullmatch(plain):
        raise ValueError(text)
    return plain


def format_number(value: int | Decimal | float) -> str:
    """`value` in the active language's form, thousands grouped, no trailing zeros."""
    if isinstance(value, Decimal):
        text = f"{value:f}"
        value = Decimal(text.rstrip("0").rstrip(".") if "." in text else text)
    return numberformat.format(
        value,
        formats.get_format("DECIMAL_SEPARATOR"),
        grouping=formats.get_format("NUMBER_GROUPING"),
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


class NumberTextInput(forms.TextInput):
    """A text input for a number, shown in the active language's form."""

    def __init__(self, attrs: dict | None = None, inputmode: str = "decimal") -> None:
        super().__init__(attrs={"inputmode": inputmode, "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: object) -> str | None:
        if isinstance(value, (int, Decimal, float)) and not isinstance(value, bool):
            return format_number(value)
        return super().format_value(value)


class _ReadsLocalNumbers:
    """Turns the typed text into the plain form the Django field parses."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                value = normalize_number(value)
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)


class IntegerField(_ReadsLocalNumbers, forms.IntegerField):
    """A whole number: "1.250" or "1,250" (1250) in German and English."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("widget", NumberTextInput(inputmode="numeric"))
        super().__init__(**kwargs)


class DecimalField(_ReadsLocalNumbers, forms.DecimalField):
    """A decimal number: "1.250,5" or "1,250.5" (1250.5) in German and English."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("widget", NumberTextInput(inputmode="decimal"))
        super().__init__(**kwargs)


# The largest key a database's 64-bit integer column holds.
_KEY_RANGE = range(-(2**63), 2**63)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's multiple choice of rows, refusing a key no row can have (a number beyond 64
    bits) as an invalid choice before it reaches the database, which would fail on it."""

    def _check_values(self, value):
        if (self.to_field_name or "pk") == "pk":
            for item in value:
                try:
                    number = int(str(item).strip())
                except (TypeError, ValueError):
                    continue  # Django's own check names it an invalid value
                if number not in _KEY_RANGE:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": item},
                    )
        return super()._check_values(value)


# Django's empty choice of every select (django.db.models.fields.BLANK_CHOICE_LABEL), which its
# own German catalogue lacks: named here so that makemessages keeps our translation of it.
BLANK_CHOICE_LABEL = gettext_noop("- Select an option -")
