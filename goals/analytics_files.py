"""Reading a network's page-analytics export (CSV or XLSX) into a table of text cells, and
turning the mapped date and value columns into dated values.

No database access. The XLSX safety limits (zip bomb, size, rows, columns) are the people
import's (rollout/services/people_limits.py).
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.forms import normalize_number
from rollout.services.people_files import PeopleFileError
from rollout.services.people_limits import ReadLimits, xlsx_rows

# A year of daily values is 366 rows; this leaves room for several years.
MAX_ROWS = 5000
MAX_COLUMNS = 40

_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d")
_DATE_HEADERS = ("datum", "date", "day", "tag", "woche", "week")
_VALUE_HEADERS = ("follower", "followers", "wert", "value", "anzahl", "count", "total")


class AnalyticsFileError(Exception):
    """The file cannot be read; the message says why, for the user."""


@dataclass
class AnalyticsTable:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line in the file, cells)

    def guess_columns(self) -> tuple[int | None, int | None]:
        """The date and value columns, guessed from the header names."""
        lowered = [header.strip().lower() for header in self.headers]
        date = next(
            (i for i, h in enumerate(lowered) if any(word in h for word in _DATE_HEADERS)), None
        )
        value = next(
            (
                i
                for i, h in enumerate(lowered)
                if i != date and any(word in h for word in _VALUE_HEADERS)
            ),
            None,
        )
        return date, value


def read_analytics_file(*, name: str, content: bytes) -> AnalyticsTable:
    """The file's header line and rows; AnalyticsFileError when it cannot be read."""
    limits = ReadLimits.from_settings(max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
    try:
        limits.check_file_size(len(content))
        if name.lower().endswith(".xlsx") or content[:2] == b"PK":
            lines = list(xlsx_rows(content, limits))
        else:
            lines = _csv_lines(content)
    except PeopleFileError as error:
        raise AnalyticsFileError(str(error)) from error
    lines = [(line, cells) for line, cells in lines if any(cell.strip() for cell in cells)]
    if len(lines) < 2:
        raise AnalyticsFileError(_("The file has no header line and values below it."))
    if len(lines) - 1 > MAX_ROWS:
        raise AnalyticsFileError(
            _("The file has more than %(max)s rows. Please export a shorter period.")
            % {"max": MAX_ROWS}
        )
    (_header_line, headers), *rows = lines
    return AnalyticsTable(headers=[h.strip() for h in headers], rows=rows)


def _csv_lines(content: bytes) -> list[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text:
        raise AnalyticsFileError(_("This does not look like a CSV or XLSX file."))
    first = text.splitlines()[0] if text else ""
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [(number, row[:MAX_COLUMNS]) for number, row in enumerate(reader, start=1)]


def parse_date(text: str) -> datetime.date | None:
    text = text.strip()
    # An XLSX date cell arrives as "2026-03-01 00:00:00" or "2026-03-01".
    text = text.split(" ")[0].split("T")[0]
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


_TAIL = re.compile(r"[.,](\d+)$")


def column_decimal_mark(texts: list[str]) -> str | None:
    """The decimal mark a whole column shows ("1.032,5" or "1032.5" anywhere in it), so that
    "1,010" in an English export is 1010 on a German page too; None when no cell tells."""
    for text in texts:
        text = text.strip()
        if "." in text and "," in text:
            return "." if text.rfind(".") > text.rfind(",") else ","
    for text in texts:
        match = _TAIL.search(text.strip())
        if match and len(match.group(1)) != 3:
            return text.strip()[match.start()]
    return None


def parse_value(text: str, decimal_mark: str | None = None) -> Decimal | None:
    """A number in German or English form; `decimal_mark` as the column shows it."""
    text = text.strip()
    try:
        if decimal_mark:
            group = "," if decimal_mark == "." else "."
            text = text.replace(" ", "").replace("\u00a0", "").replace(group, "")
            text = text.replace(decimal_mark, ".")
            plain = normalize_number(text) if text.count(".") <= 1 else None
            if plain is None:
                return None
            return Decimal(plain).quantize(Decimal("0.01"))
        return Decimal(normalize_number(text)).quantize(Decimal("0.01"))
    except (ValueError, InvalidOperation):
        return None


@dataclass
class MappedValues:
    values: dict[datetime.date, Decimal] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def map_values(table: AnalyticsTable, *, date_column: int, value_column: int) -> MappedValues:
    """Each row's date and value; every bad row is reported with its line."""
    result = MappedValues()
    mark = column_decimal_mark(
        [cells[value_column] for _line, cells in table.rows if value_column < len(cells)]
    )
    for line, cells in table.rows:
        date_text = cells[date_column] if date_column < len(cells) else ""
        value_text = cells[value_column] if value_column < len(cells) else ""
        date, value = parse_date(date_text), parse_value(value_text, mark)
        if date is None:
            result.errors.append(
                _("Line %(line)s: “%(text)s” is not a date.")
                % {"line": line, "text": date_text[:40]}
            )
        elif value is None:
            result.errors.append(
                _("Line %(line)s: “%(text)s” is not a number.")
                % {"line": line, "text": value_text[:40]}
            )
        elif date in result.values:
            result.errors.append(
                _("Line %(line)s: the date %(date)s appears twice.")
                % {"line": line, "date": date.isoformat()}
            )
        else:
            result.values[date] = value
    return result
