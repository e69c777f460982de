"""`{% csv_note %}`: the line beside an export link saying which CSV dialect the file has
(the user's language decides the separator, see core.exports)."""

from django import template

from core.exports import csv_note as _csv_note

register = template.Library()


@register.simple_tag
def csv_note() -> str:
    return _csv_note()
