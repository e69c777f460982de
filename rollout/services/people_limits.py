"""What reading one uploaded HR export may cost, checked before and while it is read.

A hostile or broken file must not keep a web worker busy or fill its memory. So, in this
order:

1. the upload's size (PEOPLE_IMPORT_MAX_FILE_BYTES), before anything else;
2. for XLSX, the zip's directory, before openpyxl opens a single member: at most
   PEOPLE_IMPORT_MAX_EXPANDED_BYTES unpacked in all, no member above 1 MB that expands more
   than PEOPLE_IMPORT_MAX_COMPRESSION_RATIO times (a zip bomb), not too many members. The
   sizes in the directory are binding: Python's zipfile stops at the declared size and refuses
   a member whose content does not match it, so a lying directory ends in "cannot be read";
3. while reading (openpyxl in read-only streaming mode, the sheet's declared `<dimension>`
   ignored: a tiny file may claim A1:XFD1048576), each row: at most PEOPLE_IMPORT_MAX_ROWS
   people, PEOPLE_IMPORT_MAX_COLUMNS columns with content and PEOPLE_IMPORT_MAX_CELL_CHARS
   characters in a cell that is imported, and a time budget.

In the web request the budget is short and small files only are read there
(PEOPLE_IMPORT_SYNC_MAX_ROWS, PEOPLE_IMPORT_SYNC_MAX_BYTES): a file beyond them, or a read
that runs out of the request's time, raises `PeopleFileNeedsWorker`, and the worker reads it
with a longer budget, after which it is refused with a message that names the limit.
"""

import io
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from rollout.services.people_files import PeopleFileError, _cell_text

MB = 1024 * 1024
# Members below this size are not judged by their compression ratio (tiny XML parts of any
# workbook compress very well).
RATIO_MIN_BYTES = MB
# A workbook has a dozen parts; thousands of them are no HR export.
MAX_ZIP_MEMBERS = 1000
# The last row Excel allows; a sheet claiming rows beyond it is not an Excel file.
EXCEL_MAX_ROWS = 1_048_576
# The clock and the progress callback are consulted every this many lines (empty ones too).
CHECK_EVERY_LINES = 256


class PeopleFileNeedsWorker(Exception):
    """The file is too large (or too slow) to be read within the web request; nothing is wrong
    with it yet. The worker reads it."""


@dataclass
class ReadLimits:
    """The limits of one read. `for_request()` and `for_worker()` take them from settings."""

    max_file_bytes: int
    max_expanded_bytes: int
    max_compression_ratio: int
    max_rows: int
    max_columns: int
    max_cell_chars: int
    seconds: float | None = None
    # In the request: hand the file to the worker (PeopleFileNeedsWorker) instead of refusing
    # it when it runs out of time or is larger than these.
    defer: bool = False
    defer_above_rows: int | None = None
    defer_above_bytes: int | None = None
    # Called with (rows read so far, estimated rows or 0) every CHECK_EVERY_LINES lines.
    progress: Callable[[int, int], None] | None = None
    estimated_rows: int = 0
    rows_read: int = 0
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def from_settings(cls, **overrides: object) -> "ReadLimits":
        values: dict[str, object] = {
            "max_file_bytes": settings.PEOPLE_IMPORT_MAX_FILE_BYTES,
            "max_expanded_bytes": settings.PEOPLE_IMPORT_MAX_EXPANDED_BYTES,
            "max_compression_ratio": settings.PEOPLE_IMPORT_MAX_COMPRESSION_RATIO,
            "max_rows": settings.PEOPLE_IMPORT_MAX_ROWS,
            "max_columns": settings.PEOPLE_IMPORT_MAX_COLUMNS,
            "max_cell_chars": settings.PEOPLE_IMPORT_MAX_CELL_CHARS,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @classmethod
    def for_request(cls) -> "ReadLimits":
        return cls.from_settings(
            seconds=settings.PEOPLE_IMPORT_REQUEST_SECONDS,
            defer=True,
            defer_above_rows=settings.PEOPLE_IMPORT_SYNC_MAX_ROWS,
            defer_above_bytes=settings.PEOPLE_IMPORT_SYNC_MAX_BYTES,
        )

    @classmethod
    def for_worker(cls, progress: Callable[[int, int], None] | None = None) -> "ReadLimits":
        return cls.from_settings(seconds=settings.PEOPLE_IMPORT_WORKER_SECONDS, progress=progress)

    # --- checks ---------------------------------------------------------------------------

    def check_file_size(self, size: int) -> None:
        if size > self.max_file_bytes:
            raise PeopleFileError(
                _("The file is too big: at most %(size)s MB are allowed.")
                % {"size": number(self.max_file_bytes // MB)}
            )

    def check_unpacked_size(self, size: int) -> None:
        """The request hands files above PEOPLE_IMPORT_SYNC_MAX_BYTES to the worker."""
        if self.defer and self.defer_above_bytes is not None and size > self.defer_above_bytes:
            raise PeopleFileNeedsWorker

    def tick(self, line: int) -> None:
        """Every CHECK_EVERY_LINES lines: the clock, the sheet's size and the progress."""
        if line > EXCEL_MAX_ROWS:
            raise PeopleFileError(
                _(
                    "The sheet has rows beyond line %(max)s, more than Excel allows. Please "
                    "save it again in Excel or as CSV."
                )
                % {"max": number(EXCEL_MAX_ROWS)}
            )
        if self.seconds is not None and time.monotonic() - self.started > self.seconds:
            if self.defer:
                raise PeopleFileNeedsWorker
            raise PeopleFileError(
                _(
                    "Reading the file took longer than %(seconds)s seconds and was stopped. "
                    "Please save it as CSV or split it into smaller files."
                )
                % {"seconds": number(int(self.seconds))}
            )
        if self.progress is not None:
            self.progress(self.rows_read, self.estimated_rows)

    def check_rows(self, rows: int) -> None:
        """Before the row number `rows` (counting people, not empty lines) is taken."""
        if self.defer and self.defer_above_rows is not None and rows > self.defer_above_rows:
            raise PeopleFileNeedsWorker
        if rows > self.max_rows:
            raise PeopleFileError(
                _("The file has more than %(max)s rows. Please split it into smaller files.")
                % {"max": number(self.max_rows)}
            )

    def check_columns(self, line: int, cells: list) -> None:
        """Cells beyond the column limit may exist (styled, empty); content there may not."""
        if len(cells) > self.max_columns and any(
            cell not in (None, "") for cell in cells[self.max_columns :]
        ):
            raise PeopleFileError(
                _(
                    "The file has more than %(max)s columns (line %(line)s). Please remove the "
                    "columns that are not needed, or export only the listed ones."
                )
                % {"max": number(self.max_columns), "line": number(line)}
            )

    def check_cell(self, line: int, column: str, value: str) -> None:
        if len(value) > self.max_cell_chars:
            raise PeopleFileError(
                _(
                    "Line %(line)s, column “%(column)s”: the cell has more than %(max)s "
                    "characters. Please shorten it."
                )
                % {"line": number(line), "column": column[:80], "max": number(self.max_cell_chars)}
            )


def number(value: int) -> str:
    """12000 -> "12.000" for German, "12,000" for English."""
    return formats.number_format(value, force_grouping=True)


# --- XLSX --------------------------------------------------------------------------------------


def _unreadable() -> PeopleFileError:
    return PeopleFileError(
        _("The Excel file cannot be read. Please save it again as .xlsx or as CSV.")
    )


def check_zip(content: bytes, limits: ReadLimits) -> int:
    """Judge the workbook by its zip directory alone; returns its unpacked size."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise _unreadable() from error
    if len(members) > MAX_ZIP_MEMBERS:
        raise _unreadable()
    total = 0
    for member in members:
        total += member.file_size
        if (
            member.file_size > RATIO_MIN_BYTES
            and member.file_size > limits.max_compression_ratio * max(member.compress_size, 1)
        ):
            raise PeopleFileError(
                _(
                    "The Excel file is packed suspiciously tightly: one of its parts expands "
                    "%(ratio)s times, at most %(max)s times are allowed. It was not opened. "
                    "Please save it again in Excel or as CSV."
                )
                % {
                    "ratio": number(member.file_size // max(member.compress_size, 1)),
                    "max": number(limits.max_compression_ratio),
                }
            )
    if total > limits.max_expanded_bytes:
        raise PeopleFileError(
            _(
                "The Excel file is too big when unpacked: %(size)s MB, at most %(max)s MB are "
                "allowed. It was not opened. Please save it as CSV or split it."
            )
            % {"size": number(-(-total // MB)), "max": number(limits.max_expanded_bytes // MB)}
        )
    return total


def xlsx_rows(content: bytes, limits: ReadLimits) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows as text, streamed (openpyxl read-only mode), within the limits."""
    limits.check_unpacked_size(check_zip(content, limits))
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(
            io.BytesIO(content), read_only=True, data_only=True, keep_links=False
        )
    except Exception as error:  # openpyxl raises many kinds of errors for broken files
        raise _unreadable() from error
    try:
        if not workbook.worksheets:
            raise PeopleFileError(_("The Excel file has no worksheet."))
        sheet = workbook.worksheets[0]
        declared = sheet.max_row or 0
        limits.estimated_rows = max(declared - 1, 0) if declared <= limits.max_rows + 1 else 0
        # Not trusted: with it, openpyxl pads every row (and every missing row) to the declared
        # width. Without it a row is as wide as its last cell, and a missing row is empty.
        sheet.reset_dimensions()
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if not values:  # a missing row: skipped here, the cheapest place
                if line % CHECK_EVERY_LINES == 0:
                    limits.tick(line)
                continue
            if len(values) > limits.max_columns:
                limits.check_columns(line, list(values))
                values = values[: limits.max_columns]
            yield line, [_cell_text(value) for value in values]
    except (PeopleFileError, PeopleFileNeedsWorker):
        raise
    except Exception as error:
        raise _unreadable() from error
    finally:
        workbook.close()
