"""One CSV dialect for every export (people, compliance, report figures, activities), and an
Excel workbook (XLSX) beside every CSV with the same rows.

- UTF-8 with a byte order mark, so that Excel reads umlauts correctly; CRLF line ends.
- The separator follows the user's language: `;` for German (German Excel splits on
  semicolons, and the comma is the decimal mark), `,` for English.
- Column titles in the user's language (the caller passes translatable strings; they are
  rendered in that language, also while the response streams after the view returned).
- Numbers stay numbers: never quoted, with a decimal comma for German users.
- No spreadsheet formulas from user text (CSV injection): a text cell starting with `=`, `+`,
  `-`, `@`, a tab or a carriage return gets a leading apostrophe. The people import takes it off
  again (`rollout.services.people_files.clean_cell`).

Rows are streamed in chunks of about 32 KB, so an export of 100,000 people needs neither the
memory nor one network write per line.

The workbook has the same rows: numbers and dates as typed cells (Excel sorts and sums them),
text always as text cells, so a cell starting with `=` is shown, never evaluated. It is written
row by row (openpyxl's write-only mode) into a temporary file, never held whole in memory.
"""

import csv
import datetime
import decimal
import math
import tempfile
from collections.abc import Iterable, Iterator, Sequence

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CHUNK_CHARS = 32 * 1024


def neutralise(text: str) -> str:
    """`=HYPERLINK(…)` -> `'=HYPERLINK(…)`: a spreadsheet shows such a cell as text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def is_german(language: str | None) -> bool:
    return (language or "").lower().startswith("de")


def csv_separator(language: str | None = None) -> str:
    """`;` for German users, `,` for everyone else (the active language if none is given)."""
    return ";" if is_german(language or translation.get_language()) else ","


def csv_note(language: str | None = None) -> str:
    """The line shown beside an export link: which separator and encoding the file has."""
    if is_german(language or translation.get_language()):
        return _("CSV (UTF-8) separated by semicolons, for Excel in German.")
    return _("CSV (UTF-8) separated by commas, for Excel in English.")


def _number(value: float | decimal.Decimal, german: bool) -> str:
    """12.5 -> "12,5" for German users, "12.5" for English ones; never an exponent."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        value = decimal.Decimal(repr(value))
    elif not value.is_finite():
        return ""
    text = format(value, "f")
    return text.replace(".", ",") if german else text


def csv_cell(value: object, *, german: bool) -> object:
    """One cell as the writer puts it in the file: numbers as numbers, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return value
    if isinstance(value, float | decimal.Decimal):
        return _number(value, german)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Promise):
        value = str(value)
    return neutralise(str(value))


class _Echo:
    """A file-like object whose write returns the line, for streaming the CSV writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[object]], *, language: str | None = None) -> Iterator[str]:
    """The file in chunks: the BOM, then `rows` (the column titles first). Each row is made in
    `language` (by default the one active now), also when the response is streamed later."""
    language = language or translation.get_language() or "de"
    german = is_german(language)
    writer = csv.writer(_Echo(), delimiter=";" if german else ",", lineterminator="\r\n")
    rows = iter(rows)
    buffer = [BOM]
    size = 1
    while True:
        with translation.override(language):
            try:
                row = next(rows)
            except StopIteration:
                break
            line = writer.writerow([csv_cell(value, german=german) for value in row])
        buffer.append(line)
        size += len(line)
        if size >= CHUNK_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def csv_response(
    rows: Iterable[Sequence[object]], *, filename: str, language: str | None = None
) -> StreamingHttpResponse:
    """A streamed CSV download in the dialect above; personal data, so never cached."""
    response = StreamingHttpResponse(
        csv_lines(rows, language=language), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def xlsx_cell_value(value: object) -> object:
    """One cell's value for the workbook: numbers and dates typed, everything else text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, int):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(timezone.localtime(value))
        return value.replace(microsecond=0)
    if isinstance(value, datetime.date):
        return value
    return str(value)


def xlsx_file(rows: Iterable[Sequence[object]], *, sheet: str, language: str | None = None):
    """A temporary file holding the workbook: `rows` (titles first) on one sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    language = language or translation.get_language() or "de"
    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet[:31] or "Export")
    with translation.override(language):
        for row in rows:
            cells = []
            for value in row:
                value = xlsx_cell_value(value)
                cell = WriteOnlyCell(worksheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text, also when it starts with "=": never a formula
                elif isinstance(value, datetime.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            worksheet.append(cells)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    book.save(out)
    out.seek(0)
    return out


def xlsx_response(
    rows: Iterable[Sequence[object]], *, filename: str, language: str | None = None
) -> FileResponse:
    """The workbook as a download; personal data, so never cached."""
    stem = filename.rsplit(".", 1)[0]
    response = FileResponse(
        xlsx_file(rows, sheet=stem, language=language),
        as_attachment=True,
        filename=f"{stem}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def export_response(
    rows: Iterable[Sequence[object]], *, stem: str, fmt: str, language: str | None = None
):
    """`stem.csv` or `stem.xlsx` with the same rows; any other format is not found."""
    if fmt == "csv":
        return csv_response(rows, filename=f"{stem}.csv", language=language)
    if fmt == "xlsx":
        return xlsx_response(rows, filename=f"{stem}.xlsx", language=language)
    raise Http404
