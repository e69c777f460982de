"""Reading HR exports and importing people: preview, confirmation, re-import, roundtrip."""

import codecs
import io
import random

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook

from rollout.models import Department, ImportStatus, PeopleImport, Person, Role
from rollout.selectors.departments import people_export_rows
from rollout.services.people_files import (
    MAX_ROWS,
    PeopleFileError,
    export_lines,
    normalize_header,
    read_people_file,
)
from rollout.services.people_import import (
    PeopleImportClosed,
    PeopleImportOutdated,
    people_import_apply,
    people_import_create,
    people_import_discard,
)
from tests import factories

pytestmark = pytest.mark.django_db

GERMAN = ["E-Mail", "Vorname", "Nachname", "Abteilung", "Position", "Sprache"]
ENGLISH = ["Email", "First name", "Last name", "Department", "Job title", "Language"]


def _csv(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    for row in rows:
        buffer.write(delimiter.join(row) + "\r\n")
    return buffer.getvalue().encode(encoding)


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _preview(content: bytes, filename: str = "hr.csv") -> PeopleImport:
    return people_import_create(content=content, filename=filename, by=None)


def _row(people_import: PeopleImport, line: int) -> dict:
    return next(row for row in people_import.rows if row["line"] == line)


def _counts(people_import: PeopleImport) -> dict:
    return people_import.summary["counts"]


# --- Reading files ---------------------------------------------------------------------------


def test_german_headers_semicolons_and_bom():
    content = codecs.BOM_UTF8 + _csv(
        [GERMAN, ["anna.berg@example.de", "Anna", "Berg", "Vertrieb", "Referentin", "Deutsch"]],
        delimiter=";",
    )
    table = read_people_file(content)
    assert (table.format, table.encoding, table.delimiter) == ("csv", "utf-8-sig", ";")
    assert table.headers["email"] == "E-Mail"
    line, values = table.rows[0]
    assert line == 2
    assert values["email"] == "anna.berg@example.de"
    assert values["department"] == "Vertrieb"
    assert values["language"] == "Deutsch"


def test_english_headers_with_commas_and_quotes():
    content = _csv(
        [ENGLISH, ['"Bo@Example.DE"', "Bo", "Lind", '"Sales, North"', "Sales rep", "en"]]
    )
    table = read_people_file(content)
    assert table.delimiter == ","
    _, values = table.rows[0]
    assert values["department"] == "Sales, North"
    assert values["first_name"] == "Bo"


def test_header_spellings_are_normalised():
    assert normalize_header("E-Mail-Adresse ") == "emailadresse"
    assert normalize_header("Übergeordnete Abteilung") == "uebergeordneteabteilung"
    content = _csv(
        [
            ["MAIL", "first_name", "LAST-NAME", "Übergeordnete Abteilung", "Funktion"],
            ["x@example.de", "X", "Y", "Zentrale", "Chef"],
        ]
    )
    table = read_people_file(content)
    assert set(table.columns) == {"email", "first_name", "last_name", "parent", "job_title"}


def test_windows_1252_umlauts_are_detected():
    content = _csv(
        [
            GERMAN,
            ["juergen.weiss@example.de", "Jürgen", "Weiß", "Geschäftsführung", "Leiter", "de"],
        ],
        delimiter=";",
        encoding="cp1252",
    )
    table = read_people_file(content)
    assert table.encoding == "cp1252"
    _, values = table.rows[0]
    assert (values["first_name"], values["last_name"]) == ("Jürgen", "Weiß")
    assert values["department"] == "Geschäftsführung"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_with_and_without_bom_tab_separated(encoding):
    content = _csv(
        [GERMAN, ["oezlem@example.de", "Özlem", "Çelik", "Personal", "HR", "de"]],
        delimiter="\t",
        encoding=encoding,
    )
    table = read_people_file(content)
    assert table.delimiter == "\t"
    assert table.encoding.startswith("utf-16")
    _, values = table.rows[0]
    assert values["first_name"] == "Özlem"
    assert values["last_name"] == "Çelik"


def test_a_title_line_and_excel_sep_line_are_skipped():
    content = b"sep=;\r\nMitarbeiterliste Stand 01.03.\r\n" + _csv(
        [GERMAN, ["a@example.de", "A", "B", "IT", "", ""]], delimiter=";"
    )
    table = read_people_file(content)
    assert table.delimiter == ";"
    assert len(table.rows) == 1
    assert table.rows[0][0] == 4


def test_xlsx_built_with_openpyxl():
    content = _xlsx(
        [
            ["Personalliste"],
            ["E-Mail", "Vorname", "Nachname", "Abteilung", "Personalnummer", "Aktiv"],
            ["Carla@Example.de", "Carla", "Conrad", "Marketing", 4711, True],
            [None, None, None, None, None, None],
            ["dirk@example.de", "Dirk", "Dahl", "Marketing", 4712.0, False],
        ]
    )
    table = read_people_file(content, "people.xlsx")
    assert table.format == "xlsx"
    assert table.ignored_headers == ["Personalnummer"]
    assert [line for line, _ in table.rows] == [3, 5]
    assert table.rows[0][1]["active"] == "ja"
    assert table.rows[1][1]["active"] == "nein"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (codecs.BOM_UTF8 + b"\r\n\r\n", "empty"),
        (b"E-Mail;Vorname;Nachname\r\n", "no people"),
        (b"Name;Telefon\r\nAnna;123\r\n", "Required columns are missing"),
        (random.Random(3).randbytes(3000), "does not look like"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "does not look like"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old Excel"),
        (b"PK\x03\x04" + b"not really a zip" * 20, "Excel file cannot be read"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "invalid characters"),
    ],
    ids=[
        "empty",
        "only-bom",
        "header-only",
        "missing-columns",
        "random-bytes",
        "png",
        "xls",
        "broken-xlsx",
        "broken-utf16",
    ],
)
def test_unreadable_files_get_a_clear_message(content, message):
    with pytest.raises(PeopleFileError) as raised:
        read_people_file(content)
    assert message in raised.value.message


def test_missing_columns_message_names_what_was_found():
    with pytest.raises(PeopleFileError) as raised:
        read_people_file(_csv([["E-Mail", "Vorname", "Abteilung"], ["a@b.de", "A", "IT"]]))
    assert "“Abteilung”" in raised.value.message
    assert "Last name" in raised.value.message


def test_too_big_and_too_many_rows_are_refused():
    with pytest.raises(PeopleFileError, match="too big"):
        read_people_file(b"E-Mail;Vorname;Nachname\n" + b"x" * (5 * 1024 * 1024))
    lines = ["E-Mail;Vorname;Nachname"] + [f"p{n}@example.de;P;N" for n in range(MAX_ROWS + 1)]
    with pytest.raises(PeopleFileError, match="more than"):
        read_people_file("\n".join(lines).encode())


# --- Row verdicts ------------------------------------------------------------------------------


def test_rows_are_checked_one_by_one_with_reasons():
    existing = factories.PersonFactory(
        email="vera.vogel@example.de",
        first_name="Vera",
        last_name="Vogel",
        job_title="Assistenz",
        language="de",
        department=factories.DepartmentFactory(name="Einkauf"),
    )
    content = _csv(
        [
            GERMAN,
            ["neu@example.de", "Nina", "Neu", "Vertrieb", "Vertrieb Innendienst", "de"],  # 2
            ["VERA.VOGEL@example.de", "Vera", "Vogel", "einkauf", "Teamleitung", ""],  # 3
            ["kein-at-zeichen", "Kai", "Kaputt", "IT", "", ""],  # 4
            ["neu@example.de", "Nina", "Doppelt", "IT", "", ""],  # 5
            ["ohne.vorname@example.de", "", "Leer", "IT", "", ""],  # 6
            ["fr@example.de", "Fabienne", "Fr", "IT", "", "Französisch"],  # 7
            [existing.email, "Vera", "Vogel", "Einkauf", "Assistenz", "Deutsch"],  # 8 (dup)
        ],
        delimiter=";",
    )
    preview = _preview(content)
    assert _row(preview, 2)["action"] == "create"
    vera = _row(preview, 3)
    assert vera["action"] == "update"
    assert vera["changes"] == {"job_title": ["Assistenz", "Teamleitung"]}, (
        "department matched ignoring case; an empty language leaves it as it is"
    )
    assert _row(preview, 4)["action"] == "reject"
    assert "not a valid email address" in _row(preview, 4)["errors"][0]
    assert _row(preview, 5)["action"] == "reject"
    assert "also appears on line 2" in _row(preview, 5)["errors"][0]
    assert "first name is missing" in _row(preview, 6)["errors"][0]
    assert "Unknown language" in _row(preview, 7)["errors"][0]
    assert "also appears on line 3" in _row(preview, 8)["errors"][0]
    assert _counts(preview) == {"create": 1, "update": 1, "unchanged": 0, "reject": 5}
    assert preview.summary["departments"] == [
        {"name": "Vertrieb", "action": "create", "changes": {}}
    ]


def test_preview_writes_nothing_but_the_import():
    before = (Person.objects.count(), Department.objects.count())
    preview = _preview(_csv([GERMAN, ["a@example.de", "A", "B", "Neu", "", ""]]))
    assert preview.status == ImportStatus.PREVIEW
    assert (Person.objects.count(), Department.objects.count()) == before
    assert PeopleImport.objects.count() == 1


def test_too_long_values_are_rejected():
    preview = _preview(_csv([GERMAN, ["a@example.de", "A" * 81, "B", "IT", "", ""]]))
    assert "too long" in _row(preview, 2)["errors"][0]


# --- Apply ------------------------------------------------------------------------------------


def test_confirm_writes_exactly_the_previewed_changes():
    sales = factories.DepartmentFactory(name="Vertrieb")
    vera = factories.PersonFactory(
        email="vera@example.de",
        first_name="Vera",
        last_name="Vogel",
        job_title="Assistenz",
        language="en",
        department=sales,
    )
    untouched = factories.PersonFactory(email="olaf@example.de", department=sales)
    preview = _preview(
        _csv(
            [
                ["E-Mail", "Vorname", "Nachname", "Abteilung", "Position"],
                ["vera@example.de", "Vera", "Vogel", "Vertrieb", "Teamleitung"],
                ["nina@example.de", "Nina", "Neu", "Marketing", "Redakteurin"],
                ["bad", "X", "Y", "Marketing", ""],
            ]
        )
    )
    manager = factories.UserFactory(roles=[Role.MANAGER])
    people_import_apply(people_import=preview, by=manager)

    vera.refresh_from_db()
    assert vera.job_title == "Teamleitung"
    assert vera.language == "en", "no language column: left as it was"
    nina = Person.objects.get(email="nina@example.de")
    assert (nina.first_name, nina.last_name, nina.department.name) == ("Nina", "Neu", "Marketing")
    assert nina.job_title == "Redakteurin" and nina.language == "de" and nina.is_active
    assert not Person.objects.filter(email="bad").exists()
    assert Person.objects.count() == 3
    assert untouched.__class__.objects.get(pk=untouched.pk).job_title == untouched.job_title
    assert sorted(Department.objects.values_list("name", flat=True)) == ["Marketing", "Vertrieb"]
    preview.refresh_from_db()
    assert preview.status == ImportStatus.APPLIED and preview.applied_at is not None
    history = nina.history.first()
    assert history.history_type == "+" and history.history_user == manager
    assert vera.history.first().history_type == "~"


def test_confirming_twice_applies_once():
    preview = _preview(_csv([GERMAN, ["a@example.de", "A", "B", "IT", "", ""]]))
    people_import_apply(people_import=preview, by=None)
    stale_copy = PeopleImport.objects.get(pk=preview.pk)
    stale_copy.status = ImportStatus.PREVIEW  # as a second, concurrent request would see it
    with pytest.raises(PeopleImportClosed):
        people_import_apply(people_import=stale_copy, by=None)
    assert Person.objects.filter(email="a@example.de").count() == 1
    assert Person.history.filter(email="a@example.de").count() == 1


def test_discarded_import_cannot_be_applied():
    preview = _preview(_csv([GERMAN, ["a@example.de", "A", "B", "IT", "", ""]]))
    people_import_discard(people_import=preview, by=None)
    with pytest.raises(PeopleImportClosed):
        people_import_apply(people_import=preview, by=None)
    assert not Person.objects.filter(email="a@example.de").exists()


def test_an_older_preview_cannot_be_applied_after_a_newer_import():
    older = _preview(_csv([GERMAN, ["a@example.de", "A", "Alt", "IT", "", ""]]))
    newer = _preview(_csv([GERMAN, ["a@example.de", "A", "Neu", "IT", "", ""]]))
    people_import_apply(people_import=newer, by=None)
    with pytest.raises(PeopleImportOutdated):
        people_import_apply(people_import=older, by=None)
    assert Person.objects.get(email="a@example.de").last_name == "Neu"
    older.refresh_from_db()
    assert older.status == ImportStatus.PREVIEW


def test_reimporting_the_same_file_changes_nothing():
    content = _csv(
        [
            [*GERMAN, "Vorgesetzte Abteilung", "Leitung", "Stellvertretung", "Aktiv"],
            [
                "lea@example.de",
                "Lea",
                "Lang",
                "Vertrieb Nord",
                "Leitung",
                "de",
                "Vertrieb",
                "lea@example.de",
                "max@example.de",
                "ja",
            ],
            [
                "max@example.de",
                "Max",
                "Mohr",
                "Vertrieb Nord",
                "Verkauf",
                "en",
                "Vertrieb",
                "lea@example.de",
                "max@example.de",
                "ja",
            ],
            ["ex@example.de", "Ex", "Weg", "vertrieb nord", "", "de", "", "", "", "nein"],
        ],
        delimiter=";",
    )
    first = _preview(content)
    assert _counts(first)["create"] == 3
    people_import_apply(people_import=first, by=None)
    second = _preview(content)
    assert _counts(second) == {"create": 0, "update": 0, "unchanged": 3, "reject": 0}
    assert second.summary["departments"] == []
    assert Department.objects.count() == 2


def test_upsert_by_email_ignores_case():
    Person.objects.create(email="Anna.Berg@Example.DE", first_name="Anna", last_name="Alt")
    preview = _preview(_csv([GERMAN, ["anna.berg@example.de", "Anna", "Berg", "", "", ""]]))
    assert _row(preview, 2)["action"] == "update"
    assert _row(preview, 2)["changes"] == {"last_name": ["Alt", "Berg"]}
    people_import_apply(people_import=preview, by=None)
    assert Person.objects.count() == 1
    assert Person.objects.get().last_name == "Berg"


def test_departments_by_name_parent_head_and_deputy_with_the_role():
    existing = factories.DepartmentFactory(name="Vertrieb")
    head_user = factories.UserFactory(email="lea@example.de", roles=[Role.EMPLOYEE])
    content = _csv(
        [
            [
                "Mail",
                "First name",
                "Last name",
                "Department",
                "Parent department",
                "Head",
                "Deputy",
            ],
            [
                "lea@example.de",
                "Lea",
                "Lang",
                "vertrieb nord",
                "VERTRIEB",
                "LEA@example.de",
                "max@example.de",
            ],
            ["max@example.de", "Max", "Mohr", "Vertrieb Nord", "", "", ""],
        ]
    )
    preview = _preview(content)
    assert preview.summary["departments"] == [
        {
            "name": "vertrieb nord",
            "action": "create",
            "changes": {
                "parent": ["", "Vertrieb"],
                "head": ["", "lea@example.de"],
                "deputy": ["", "max@example.de"],
            },
        }
    ]
    people_import_apply(people_import=preview, by=None)
    north = Department.objects.get(name__iexact="vertrieb nord")
    assert north.parent == existing
    assert north.head.email == "lea@example.de"
    assert north.deputy.email == "max@example.de"
    lea = Person.objects.get(email="lea@example.de")
    assert lea.user == head_user, "a user without directory entry gets linked"
    head_user.refresh_from_db()
    assert (
        Group.objects.get(name=Role.DEPARTMENT_HEAD.value).user_set.filter(pk=head_user.pk).exists()
    )


def test_department_problems_are_warnings_on_the_row():
    factories.PersonFactory(email="chef@example.de")
    a = factories.DepartmentFactory(name="A")
    b = factories.DepartmentFactory(name="B", parent=a)
    content = _csv(
        [
            [
                "E-Mail",
                "Vorname",
                "Nachname",
                "Abteilung",
                "Vorgesetzte Abteilung",
                "Leitung",
                "Stellvertretung",
            ],
            ["p1@example.de", "P", "Eins", "C", "", "chef@example.de", "chef@example.de"],  # 2
            ["p2@example.de", "P", "Zwei", "C", "", "p1@example.de", ""],  # 3
            ["p3@example.de", "P", "Drei", "C", "", "niemand@example.de", ""],  # 4
            ["p4@example.de", "P", "Vier", "A", "B", "", ""],  # 5
            ["p5@example.de", "P", "Fünf", "", "", "chef@example.de", ""],  # 6
            ["p6@example.de", "P", "Sechs", "D", "D", "kein-email", ""],  # 7
        ]
    )
    preview = _preview(content)
    assert "cannot also be its head" in _row(preview, 2)["warnings"][0]
    assert "line 2 already says" in _row(preview, 3)["warnings"][0]
    assert "neither in this file nor in the directory" in _row(preview, 4)["warnings"][0]
    assert "circle" in _row(preview, 5)["warnings"][0]
    assert "no department" in _row(preview, 6)["warnings"][0]
    assert "not an email address" in _row(preview, 7)["warnings"][0]
    assert "own parent" in _row(preview, 7)["warnings"][1]
    assert all(row["action"] == "create" for row in preview.rows), "warnings do not reject"
    people_import_apply(people_import=preview, by=None)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.parent is None and b.parent == a
    c = Department.objects.get(name="C")
    assert c.head.email == "chef@example.de" and c.deputy is None


def test_the_deputy_who_becomes_head_leaves_the_deputy_place():
    lea = factories.PersonFactory(email="lea@example.de")
    sales = factories.DepartmentFactory(name="Vertrieb", deputy=lea)
    preview = _preview(
        _csv(
            [
                ["E-Mail", "Vorname", "Nachname", "Abteilung", "Leitung"],
                ["lea@example.de", lea.first_name, lea.last_name, "Vertrieb", "lea@example.de"],
            ]
        )
    )
    assert preview.summary["departments"][0]["changes"] == {
        "head": ["", "lea@example.de"],
        "deputy": ["lea@example.de", ""],
    }
    people_import_apply(people_import=preview, by=None)
    sales.refresh_from_db()
    assert sales.head == lea and sales.deputy is None


def test_export_then_import_changes_nothing():
    parent = factories.DepartmentFactory(name="Zentrale")
    sales = factories.DepartmentFactory(name="Vertrieb", parent=parent)
    head = factories.PersonFactory(department=sales, first_name="Jörg", last_name="Weiß")
    deputy = factories.PersonFactory(department=sales, language="en", job_title="=SUMME(A1)")
    sales.head, sales.deputy = head, deputy
    sales.save()
    factories.PersonFactory(department=None, job_title="")
    factories.PersonFactory(department=parent, is_active=False)
    content = "".join(export_lines(people_export_rows())).encode("utf-8")
    assert content.startswith(codecs.BOM_UTF8)
    assert b"'=SUMME(A1)" in content, "formulas are defused for spreadsheets"
    preview = _preview(content)
    assert _counts(preview) == {"create": 0, "update": 0, "unchanged": 4, "reject": 0}
    assert preview.summary["departments"] == []


def test_parse_and_apply_need_the_same_queries_for_small_and_large_files():
    factories.DepartmentFactory.create_batch(3)

    def rows(prefix: str, count: int, job_title: str) -> list[list[str]]:
        return [GERMAN] + [
            [f"{prefix}{n}@example.de", "V", f"N{n}", f"{prefix} {n % 7}", job_title, "de"]
            for n in range(count)
        ]

    def measure(prefix: str, count: int, job_title: str = "") -> tuple[int, int]:
        with CaptureQueriesContext(connection) as parse:
            preview = _preview(_csv(rows(prefix, count, job_title)))
        with CaptureQueriesContext(connection) as apply:
            people_import_apply(people_import=preview, by=None)
        return len(parse), len(apply)

    small = measure("klein", 8)
    large = measure("gross", 300)
    assert small == large, f"new people: small file {small} queries, large file {large}"
    small = measure("klein", 8, job_title="Neu")
    large = measure("gross", 300, job_title="Neu")
    assert small == large, f"updates: small file {small} queries, large file {large}"
    assert Person.objects.filter(job_title="Neu").count() == 308


def test_a_person_added_after_the_preview_is_updated_not_duplicated():
    preview = _preview(_csv([GERMAN, ["spaet@example.de", "Sina", "Spät", "IT", "Admin", "en"]]))
    assert _row(preview, 2)["action"] == "create"
    Person.objects.create(email="spaet@example.de", first_name="S", last_name="Alt")
    people_import_apply(people_import=preview, by=None)
    person = Person.objects.get(email="spaet@example.de")
    assert (person.first_name, person.last_name, person.job_title, person.language) == (
        "Sina",
        "Spät",
        "Admin",
        "en",
    )
    assert person.department.name == "IT"


def test_xlsx_import_end_to_end():
    content = _xlsx(
        [
            ["Email", "First name", "Last name", "Department", "Language", "Active"],
            ["x1@example.de", "Xaver", "Eins", "Lager", "English", "yes"],
            ["x2@example.de", "Xenia", "Zwei", "Lager", None, "no"],
            ["x2@example.de", "Xenia", "Doppelt", "Lager", None, None],
        ]
    )
    preview = _preview(content, "people.xlsx")
    assert _counts(preview) == {"create": 2, "update": 0, "unchanged": 0, "reject": 1}
    assert preview.summary["format"] == "xlsx"
    people_import_apply(people_import=preview, by=None)
    assert Person.objects.get(email="x1@example.de").language == "en"
    assert Person.objects.get(email="x2@example.de").is_active is False


@pytest.fixture(autouse=True)
def _english_messages():
    """The file and row messages are checked in English; the service speaks the active language."""
    with translation.override("en"):
        yield
