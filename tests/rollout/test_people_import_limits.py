"""The people import as a denial of service, closed: tiny workbooks that claim a huge sheet,
zip bombs, too many rows, columns or characters, and files that take too long. Each is
refused (or read) quickly, with bounded memory and a message in the user's language that names
the limit, and nothing is written."""

import io
import struct
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from rollout.models import PeopleImport, Person
from rollout.services.people_files import PeopleFileError, read_people_file
from rollout.services.people_limits import ReadLimits

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>E-Mail</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Vorname</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>Nachname</t></is></c></row>'
)
PERSON_ROW = (
    '<row r="2"><c r="A2" t="inlineStr"><is><t>anna.berg@example.de</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>Anna</t></is></c>'
    '<c r="C2" t="inlineStr"><is><t>Berg</t></is></c></row>'
)


def _workbook_parts() -> dict[str, bytes]:
    """The parts of a real (openpyxl) workbook, to put a hand-made sheet into."""
    book = Workbook()
    book.active.append(["E-Mail", "Vorname", "Nachname"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _xlsx_with_sheet(sheet: bytes | None = None, *, write_sheet=None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in _workbook_parts().items():
            if name != SHEET:
                archive.writestr(name, data)
        if write_sheet is not None:
            with archive.open(SHEET, "w", force_zip64=True) as handle:
                write_sheet(handle)
        else:
            archive.writestr(SHEET, sheet)
    return out.getvalue()


def _sheet(rows: str, dimension: str = "A1:C2") -> bytes:
    return (
        f'<worksheet {NS}><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


def _zip_bomb(expanded: int = 100 * MB) -> bytes:
    """A workbook of about 300 KB whose sheet expands to `expanded` bytes of repeated rows."""
    chunk = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000

    def write(handle) -> None:
        handle.write(f"<worksheet {NS}><sheetData>{HEADER_ROW}".encode())
        written = 0
        while written < expanded:
            handle.write(chunk)
            written += len(chunk)
        handle.write(b"</sheetData></worksheet>")

    return _xlsx_with_sheet(write_sheet=write)


def _german_manager(cast) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(cast.manager)
    return client


def _upload(client: Client, content: bytes, name: str = "hr.xlsx"):
    return client.post(
        reverse("rollout:people_import"), {"file": SimpleUploadedFile(name, content)}
    )


def _refused(response, *phrases: str) -> str:
    assert response.status_code == 400, response.status_code
    body = response.content.decode()
    assert 'class="errorlist' in body
    for phrase in phrases:
        assert phrase in body, (phrase, body[body.find("errorlist") - 200 :][:1500])
    assert not PeopleImport.objects.exists()
    assert not Person.objects.filter(email="anna.berg@example.de").exists()
    return body


# --- A tiny workbook that claims a huge sheet ---------------------------------------------------


def test_a_tiny_workbook_claiming_the_whole_excel_grid_is_read_fast():
    """The finding: 1.6 KB, `<dimension ref="A1:XFD1048576"/>`, kept a worker busy until it was
    killed (openpyxl padded every row to 16,384 cells). The declared size is ignored now."""
    content = _xlsx_with_sheet(_sheet(HEADER_ROW + PERSON_ROW, "A1:XFD1048576"))
    assert len(content) < 10_000
    started = time.monotonic()
    table = read_people_file(content, "hr.xlsx")
    assert time.monotonic() - started < 1.0
    assert [values["email"] for _line, values in table.rows] == ["anna.berg@example.de"]


def test_a_tiny_workbook_with_a_cell_at_the_last_row_and_column_is_refused_fast(cast):
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    content = _xlsx_with_sheet(_sheet(HEADER_ROW + PERSON_ROW + far, "A1:XFD1048576"))
    started = time.monotonic()
    response = _upload(_german_manager(cast), content)
    elapsed = time.monotonic() - started
    _refused(response, "mehr als 250 Spalten", "Zeile 1.048.576")
    assert elapsed < 3.0, f"the request took {elapsed:.1f} s"


def test_rows_beyond_what_excel_allows_are_refused():
    beyond = '<row r="5000000"><c r="A5000000" t="inlineStr"><is><t>x</t></is></c></row>'
    started = time.monotonic()
    with translation.override("en"), pytest.raises(PeopleFileError, match="beyond line"):
        read_people_file(_xlsx_with_sheet(_sheet(HEADER_ROW + PERSON_ROW + beyond)), "hr.xlsx")
    assert time.monotonic() - started < 3.0


def test_a_huge_declared_dimension_with_many_empty_rows_stays_within_the_time_budget():
    """Empty `<row>` elements cost time, not memory: the budget stops a read that runs long."""
    empty_rows = "".join(f'<row r="{line}"/>' for line in range(3, 200_003))
    content = _xlsx_with_sheet(_sheet(HEADER_ROW + PERSON_ROW + empty_rows, "A1:XFD1048576"))
    limits = ReadLimits.from_settings(seconds=0.0)
    started = time.monotonic()
    with translation.override("de"), pytest.raises(PeopleFileError) as raised:
        read_people_file(content, "hr.xlsx", limits=limits)
    assert time.monotonic() - started < 2.0
    assert "länger als 0 Sekunden" in raised.value.message


# --- Zip bombs --------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_it_is_unpacked_with_bounded_memory(cast):
    """The finding: a 104 KB file expanding to 100 MB took 287 MB. The zip's directory is
    judged before openpyxl opens anything."""
    bomb = _zip_bomb(100 * MB)
    assert len(bomb) < 1 * MB
    client = _german_manager(cast)
    tracemalloc.start()
    try:
        started = time.monotonic()
        response = _upload(client, bomb)
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    body = _refused(response)
    assert "entpackt" in body or "gepackt" in body, body
    assert peak < 50 * MB, f"peak {peak / MB:.0f} MB"
    assert elapsed < 3.0, f"the request took {elapsed:.1f} s"


def test_the_unpacked_size_limit_names_the_limit():
    bomb = _zip_bomb(60 * MB)
    limits = ReadLimits.from_settings(max_compression_ratio=10_000)
    with translation.override("de"), pytest.raises(PeopleFileError) as raised:
        read_people_file(bomb, "hr.xlsx", limits=limits)
    assert "höchstens 50 MB" in raised.value.message
    assert "entpackt" in raised.value.message


def test_a_suspicious_compression_ratio_is_refused_below_the_size_limit():
    bomb = _zip_bomb(20 * MB)
    with translation.override("de"), pytest.raises(PeopleFileError) as raised:
        read_people_file(bomb, "hr.xlsx")
    assert "höchstens 100-fach" in raised.value.message
    assert "gepackt" in raised.value.message


def test_a_zip_directory_that_understates_the_sizes_ends_in_cannot_be_read():
    """The directory claims a small sheet; zipfile stops at the claimed size and refuses the
    member, so the lie costs neither time nor memory."""
    bomb = bytearray(_zip_bomb(20 * MB))
    # The central directory entry of the sheet: its uncompressed size is at offset 24.
    entry = next(
        offset
        for offset in _all(bomb, b"PK\x01\x02")
        if bomb[offset + 46 : offset + 46 + len(SHEET)] == SHEET.encode()
    )
    assert struct.unpack_from("<I", bomb, entry + 24)[0] > 20 * 1000 * 1000
    struct.pack_into("<I", bomb, entry + 24, 5000)
    with zipfile.ZipFile(io.BytesIO(bytes(bomb))) as archive:
        assert archive.getinfo(SHEET).file_size == 5000
    tracemalloc.start()
    try:
        with translation.override("en"), pytest.raises(PeopleFileError, match="cannot be read"):
            read_people_file(bytes(bomb), "hr.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * MB


def _all(data: bytearray, needle: bytes):
    offset = data.find(needle)
    while offset != -1:
        yield offset
        offset = data.find(needle, offset + 1)


def test_an_entity_expansion_bomb_in_a_sheet_is_refused_with_bounded_cost():
    """ "Billion laughs": expat (2.4+) stops entity amplification itself; it ends in
    "cannot be read" within a second or so and well below 100 MB."""
    entities = "".join(
        f'<!ENTITY lol{n} "{("&lol%s;" % (n - 1)) * 10 if n > 1 else "lol" * 10}">'
        for n in range(1, 10)
    )
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><worksheet {NS}><sheetData>'
        f'{HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    tracemalloc.start()
    started = time.monotonic()
    try:
        with translation.override("en"), pytest.raises(PeopleFileError, match="cannot be read"):
            read_people_file(_xlsx_with_sheet(sheet), "hr.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 3.0
    assert peak < 100 * MB


# --- Rows, columns, cells -------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    return "\r\n".join(";".join(row) for row in rows).encode()


def test_too_many_rows_are_refused_in_german(cast, settings):
    settings.PEOPLE_IMPORT_MAX_ROWS = 20
    rows = [["E-Mail", "Vorname", "Nachname"]] + [[f"p{n}@example.de", "P", "N"] for n in range(21)]
    _refused(_upload(_german_manager(cast), _csv(rows), "hr.csv"), "mehr als 20 Zeilen")


def test_too_many_rows_in_a_workbook_are_refused_in_german(cast, settings):
    settings.PEOPLE_IMPORT_MAX_ROWS = 20
    book = Workbook()
    book.active.append(["E-Mail", "Vorname", "Nachname"])
    for n in range(21):
        book.active.append([f"p{n}@example.de", "P", "N"])
    buffer = io.BytesIO()
    book.save(buffer)
    _refused(_upload(_german_manager(cast), buffer.getvalue()), "mehr als 20 Zeilen")


def test_too_many_columns_are_refused_in_german(cast):
    header = ["E-Mail", "Vorname", "Nachname"] + [f"Extra {n}" for n in range(260)]
    row = ["anna.berg@example.de", "Anna", "Berg"] + ["x"] * 260
    _refused(_upload(_german_manager(cast), _csv([header, row]), "hr.csv"), "mehr als 250 Spalten")


def test_empty_styled_cells_beyond_the_column_limit_do_not_refuse_the_file():
    cells = "".join(f'<c r="{col}2" s="0"/>' for col in ("ZZ", "AAA", "XFD"))
    row = PERSON_ROW.replace("</row>", cells + "</row>")
    table = read_people_file(_xlsx_with_sheet(_sheet(HEADER_ROW + row)), "hr.xlsx")
    assert len(table.rows) == 1


def test_an_overlong_cell_is_refused_with_its_line_and_column(cast):
    rows = [["E-Mail", "Vorname", "Nachname"], ["anna.berg@example.de", "A" * 1001, "Berg"]]
    _refused(
        _upload(_german_manager(cast), _csv(rows), "hr.csv"),
        "Zeile 2",
        "Vorname",
        "mehr als 1.000 Zeichen",
    )


def test_an_overlong_cell_in_a_column_that_is_not_imported_is_ignored():
    rows = [["E-Mail", "Vorname", "Nachname", "Notizen"], ["a@example.de", "A", "B", "n" * 5000]]
    assert len(read_people_file(_csv(rows)).rows) == 1


def test_the_upload_size_limit_is_a_setting(cast, settings):
    settings.PEOPLE_IMPORT_MAX_FILE_BYTES = 1 * MB
    content = _csv([["E-Mail", "Vorname", "Nachname"]]) + b"\r\na@example.de;A;B" * 70_000
    _refused(_upload(_german_manager(cast), content, "hr.csv"), "höchstens 1 MB")


def test_the_form_names_the_configured_limits(cast, settings):
    settings.PEOPLE_IMPORT_MAX_ROWS = 20_000
    page = _german_manager(cast).get(reverse("rollout:people_import")).content.decode()
    assert "20.000 Zeilen" in page and "250 Spalten" in page


# --- Production settings ----------------------------------------------------------------------


def test_the_limits_come_from_the_environment_in_production():
    from tests.test_settings import PRODUCTION_ENV, _manage

    probe = (
        "from django.conf import settings; "
        "print(settings.PEOPLE_IMPORT_MAX_ROWS, settings.PEOPLE_IMPORT_MAX_EXPANDED_BYTES, "
        "settings.PEOPLE_IMPORT_SYNC_MAX_ROWS, "
        "settings.CELERY_BEAT_SCHEDULE['rollout-people-imports-resume']['task'])"
    )
    result = _manage(
        "shell",
        "-c",
        probe,
        env={
            **PRODUCTION_ENV,
            "PEOPLE_IMPORT_MAX_ROWS": "20000",
            "PEOPLE_IMPORT_SYNC_MAX_ROWS": "",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        f"20000 {50 * MB} 1000 rollout.tasks.people_imports_resume"
    )
    refused = _manage("check", env={**PRODUCTION_ENV, "PEOPLE_IMPORT_MAX_ROWS": "viele"})
    assert refused.returncode != 0
    assert "PEOPLE_IMPORT_MAX_ROWS must be a whole number" in refused.stderr
