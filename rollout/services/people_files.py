"""Reading HR exports (CSV or XLSX) into rows of text, and the columns ChangeHub understands.

No database access here: `read_people_file` turns the uploaded bytes into a `PeopleTable`
(header mapping plus data rows) or raises `PeopleFileError` with a message for the user.
HR systems export in many shapes: UTF-8 with or without BOM, UTF-16, Windows-1252; commas,
semicolons or tabs; German or English headers; sometimes a title line above the header.
"""

import codecs
import csv
import datetime
import io
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import csv_lines

if TYPE_CHECKING:
    from rollout.services.people_limits import ReadLimits

# The configured limits at start-up (the readers take them from settings on each call, see
# rollout/services/people_limits.py).
MAX_FILE_BYTES = settings.PEOPLE_IMPORT_MAX_FILE_BYTES
MAX_ROWS = settings.PEOPLE_IMPORT_MAX_ROWS
# Look this far down for the header line (HR exports sometimes start with a title).
HEADER_SEARCH_ROWS = 10

# The columns, in the order of the export.
COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "department",
    "job_title",
    "language",
    "parent",
    "head",
    "deputy",
    "active",
)
REQUIRED_COLUMNS = ("email", "first_name", "last_name")

# The export's column titles, in the user's language; each is one of the `_ALIASES` below in
# both languages, so an export imports back.
EXPORT_HEADERS = {
    "email": gettext_lazy("Email"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "department": gettext_lazy("Department"),
    "job_title": gettext_lazy("Job title"),
    "language": gettext_lazy("Language"),
    "parent": gettext_lazy("Parent department"),
    "head": gettext_lazy("Head"),
    "deputy": gettext_lazy("Deputy"),
    "active": gettext_lazy("Active"),
}

COLUMN_LABELS = {
    "email": gettext_lazy("Email"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "department": gettext_lazy("Department"),
    "job_title": gettext_lazy("Job title"),
    "language": gettext_lazy("Language"),
    "parent": gettext_lazy("Parent department"),
    "head": gettext_lazy("Head (email)"),
    "deputy": gettext_lazy("Deputy (email)"),
    "active": gettext_lazy("Active"),
}

# Header spellings, German and English, compared after `normalize_header`.
_ALIASES = {
    "email": (
        "E-Mail",
        "Email",
        "Mail",
        "E-Mail-Adresse",
        "Email address",
        "E-Mail address",
        "Mailadresse",
        "Work email",
        "Dienstliche E-Mail",
        "Geschäftliche E-Mail",
    ),
    "first_name": ("Vorname", "First name", "Firstname", "Given name", "Rufname", "Forename"),
    "last_name": ("Nachname", "Last name", "Lastname", "Surname", "Familienname", "Family name"),
    "department": (
        "Abteilung",
        "Department",
        "Dept",
        "Bereich",
        "Organisationseinheit",
        "Org-Einheit",
        "Organisational unit",
        "Organizational unit",
        "Org unit",
    ),
    "job_title": (
        "Position",
        "Job title",
        "Funktion",
        "Title",
        "Jobtitel",
        "Stelle",
        "Stellenbezeichnung",
        "Berufsbezeichnung",
        "Jobbezeichnung",
    ),
    "language": ("Sprache", "Language", "Lang", "Korrespondenzsprache", "Preferred language"),
    "parent": (
        "Vorgesetzte Abteilung",
        "Übergeordnete Abteilung",
        "Oberabteilung",
        "Parent department",
        "Parent",
    ),
    "head": (
        "Leitung",
        "Head",
        "Abteilungsleitung",
        "Abteilungsleiter",
        "Abteilungsleiterin",
        "Leiter",
        "Leiterin",
        "Department head",
        "Head of department",
        "Head email",
        "Leitung E-Mail",
    ),
    "deputy": (
        "Stellvertretung",
        "Stellvertreter",
        "Stellvertreterin",
        "Deputy",
        "Deputy head",
        "Deputy email",
        "Stellvertretung E-Mail",
    ),
    "active": ("Aktiv", "Active", "Status aktiv", "Is active"),
}


def normalize_header(text: str) -> str:
    """`E-Mail-Adresse ` -> `emailadresse`;
    `Übergeordnete Abteilung` -> `uebergeordneteabteilung`."""
    text = unicodedata.normalize("NFC", text).casefold()
    for umlaut, ascii_ in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, ascii_)
    return "".join(char for char in text if char.isalnum())


HEADER_ALIASES: dict[str, str] = {
    normalize_header(alias): key for key, aliases in _ALIASES.items() for alias in aliases
}


class PeopleFileError(Exception):
    """The file cannot be read as an HR export; the message says why, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class PeopleTable:
    """A file's data rows as text, with the columns found by their headers."""

    format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    columns: dict[str, int] = field(default_factory=dict)  # key -> cell index
    headers: dict[str, str] = field(default_factory=dict)  # key -> header as written
    ignored_headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line, key -> value)

    def has(self, key: str) -> bool:
        return key in self.columns


# --- Reading bytes -----------------------------------------------------------------------------


_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_people_file(
    content: bytes, filename: str = "", *, limits: "ReadLimits | None" = None
) -> PeopleTable:
    """Read an uploaded HR export; raise PeopleFileError with a clear message if it is not one
    or goes beyond a limit (rollout/services/people_limits.py; none given: the worker's)."""
    from rollout.services.people_limits import ReadLimits, xlsx_rows

    limits = limits or ReadLimits.from_settings()
    if not content or not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise PeopleFileError(_("The file is empty."))
    limits.check_file_size(len(content))
    if content.startswith(_XLS_MAGIC):
        raise PeopleFileError(
            _(
                "This is an old Excel file (.xls). Please save it as .xlsx or as CSV "
                "and upload it again."
            )
        )
    if content.startswith(_XLSX_MAGIC):
        table = PeopleTable(format="xlsx")
        raw_rows = xlsx_rows(content, limits)
    else:
        limits.check_unpacked_size(len(content))
        lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
        limits.estimated_rows = max(lines - 1, 0)  # without the header (for the progress)
        text, encoding = _decode(content)
        delimiter, text, skipped = _sniff_delimiter(text)
        table = PeopleTable(format="csv", encoding=encoding, delimiter=delimiter)
        raw_rows = _csv_rows(text, delimiter, first_line=1 + skipped, limits=limits)
    _fill_table(table, raw_rows, limits)
    return table


def _decode(content: bytes) -> tuple[str, str]:
    """Decode with the encoding the bytes show: BOMs first, then UTF-16 by its zero bytes,
    then UTF-8, then Windows-1252. Binary files are refused by their control characters."""
    text, encoding = _decode_text(content)
    controls = sum(
        1 for char in text if unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\r\n"
    )
    if controls > max(5, len(text) // 100):
        raise PeopleFileError(_not_a_table_message())
    return text, encoding


def _decode_text(content: bytes) -> tuple[str, str]:
    if content.startswith(codecs.BOM_UTF8):
        return _strict(content[len(codecs.BOM_UTF8) :], "utf-8"), "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(content, "utf-16"), "utf-16"
    sample = content[:4000]
    if b"\x00" in sample:
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        half = len(sample) / 2
        if odd > 0.3 * half and even < 0.05 * half:
            return _strict(content, "utf-16-le"), "utf-16-le"
        if even > 0.3 * half and odd < 0.05 * half:
            return _strict(content, "utf-16-be"), "utf-16-be"
        raise PeopleFileError(_not_a_table_message())
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "latin-1"


def _strict(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as error:
        raise PeopleFileError(
            _(
                "The file looks like %(encoding)s but contains invalid characters "
                "(at byte %(position)s). Please export it again as UTF-8 CSV or XLSX."
            )
            % {"encoding": encoding.upper(), "position": error.start}
        ) from error


def _not_a_table_message() -> str:
    return _(
        "This does not look like a CSV or XLSX file. Please export the list from your HR "
        "system as CSV (comma, semicolon or tab separated) or as an Excel file (.xlsx)."
    )


def _sniff_delimiter(text: str) -> tuple[str, str, int]:
    """Excel's `sep=;` line if present, else the most frequent of `;`, `,` and tab in the
    first non-empty lines (outside quotes)."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].strip("\r")
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        return first_line[4], text.split("\n", 1)[1] if "\n" in text else "", 1
    lines = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    best, best_count = ",", 0
    for candidate in (";", ",", "\t"):
        count = max((_count_outside_quotes(line, candidate) for line in lines), default=0)
        if count > best_count:
            best, best_count = candidate, count
    return best, text, 0


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for current in line:
        if current == '"':
            quoted = not quoted
        elif current == char and not quoted:
            count += 1
    return count


def _csv_rows(
    text: str, delimiter: str, *, first_line: int = 1, limits: "ReadLimits | None" = None
) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    offset = first_line - 1
    try:
        line = first_line
        for cells in reader:
            if limits is not None and len(cells) > limits.max_columns:
                limits.check_columns(line, cells)
                cells = cells[: limits.max_columns]
            yield line, cells
            line = offset + reader.line_num + 1
    except csv.Error as error:
        raise PeopleFileError(
            _("The CSV file is malformed near line %(line)s: %(error)s")
            % {"line": offset + reader.line_num, "error": error}
        ) from error


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# --- From raw rows to a table --------------------------------------------------------------


def export_lines(rows: Iterable[list[object]]) -> Iterator[str]:
    """The people export in the one CSV dialect of every export (core.exports): BOM, the
    separator of the user's language, formulas neutralised with a leading apostrophe, which
    `clean_cell` removes again."""
    return csv_lines(rows)


def clean_cell(value: str) -> str:
    """Trim, turn no-break spaces into spaces, drop control characters, undo the export's
    guard against spreadsheet formulas (a leading apostrophe before = + - @ tab CR)."""
    value = value.replace("\u00a0", " ").strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "\t\r":
        value = value[1:]
    if any(unicodedata.category(char) == "Cc" for char in value):
        value = "".join(char for char in value if unicodedata.category(char) != "Cc").strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        value = value[1:]
    return value


def _fill_table(
    table: PeopleTable, raw_rows: Iterator[tuple[int, list[str]]], limits: "ReadLimits"
) -> None:
    from rollout.services.people_limits import CHECK_EVERY_LINES

    header_line: int | None = None
    first_seen: list[str] | None = None
    searched = 0
    lines = 0
    for line, cells in raw_rows:
        lines += 1
        if lines % CHECK_EVERY_LINES == 0:
            limits.tick(line)
        if not cells:  # a missing or empty row (the cheap path: a sheet may have many)
            continue
        if header_line is None:
            if not any(cell.strip() for cell in cells):
                continue
            for index, cell in enumerate(cells, start=1):
                limits.check_cell(line, str(index), cell)
            if first_seen is None:
                first_seen = cells
            if _map_header(table, cells):
                header_line = line
                continue
            searched += 1
            if searched >= HEADER_SEARCH_ROWS:
                break
            continue
        values = {
            key: clean_cell(cells[index]) if index < len(cells) else ""
            for key, index in table.columns.items()
        }
        if not any(values.values()):
            continue
        for key, value in values.items():
            limits.check_cell(line, table.headers[key], value)
        limits.check_rows(len(table.rows) + 1)
        table.rows.append((line, values))
        limits.rows_read = len(table.rows)
    if first_seen is None:
        raise PeopleFileError(_("The file contains no rows."))
    if header_line is None:
        found = ", ".join(f"“{clean_cell(cell)}”" for cell in first_seen if cell.strip())
        missing = ", ".join(str(COLUMN_LABELS[key]) for key in REQUIRED_COLUMNS)
        raise PeopleFileError(
            _(
                "Required columns are missing. The file needs the columns %(missing)s "
                "(for example “E-Mail”, “Vorname”, “Nachname” or “Email”, “First name”, "
                "“Last name”). Found: %(found)s."
            )
            % {"missing": missing, "found": found[:500] or "\N{EN DASH}"}
        )
    if not table.rows:
        raise PeopleFileError(_("The file has a header line but no people in it."))


def _map_header(table: PeopleTable, cells: list[str]) -> bool:
    """Map the cells of a candidate header row to columns; True if all required are there."""
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        written = clean_cell(cell.lstrip("\ufeff"))
        key = HEADER_ALIASES.get(normalize_header(written))
        if key is None or key in columns:
            if written:
                ignored.append(written)
            continue
        columns[key] = index
        headers[key] = written
    if not all(key in columns for key in REQUIRED_COLUMNS):
        return False
    table.columns, table.headers, table.ignored_headers = columns, headers, ignored
    return True
