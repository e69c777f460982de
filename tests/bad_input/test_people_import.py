"""The CSV/XLSX people import fed random bytes, wrong encodings, huge cells, formulas and many
columns: a clear message or a preview, never a 500, nothing partial written."""

import io
import unicodedata

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rollout.models import Person
from tests.bad_input.strategies import hostile_text
from tests.bad_input.world import row_counts

HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
IMPORT = "/people/import/"
HEADER = ["E-Mail", "Vorname", "Nachname", "Abteilung", "Funktion", "Sprache", "Aktiv"]


def _upload(client, content: bytes, name: str):
    return client.post(
        reverse("rollout:people_import"), {"file": SimpleUploadedFile(name, content)}
    )


def _check_answer(response, before: dict) -> None:
    """A preview (redirect) or a 400 page with a message; on a refusal nothing is written."""
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        body = response.content.decode()
        assert 'role="alert"' in body or "errorlist" in body, body[:1000]
        assert row_counts() == before


@pytest.mark.django_db
def test_random_bytes_get_a_message(cast):
    client = cast.client("manager")

    @HYPOTHESIS
    @given(
        content=st.one_of(
            st.binary(max_size=3000),
            st.binary(max_size=3000).map(lambda b: b"PK\x03\x04" + b),
            st.binary(max_size=3000).map(lambda b: b"\xd0\xcf\x11\xe0" + b),
            st.binary(max_size=300).map(lambda b: b"\xff\xfe" + b),
            st.binary(max_size=300).map(lambda b: b"\xef\xbb\xbfE-Mail;Vorname;Nachname\n" + b),
        ),
        name=st.sampled_from(["hr.csv", "hr.xlsx", "hr.txt", "hr", "../../etc/x.csv"]),
    )
    def check(content, name):
        before = row_counts()
        _check_answer(_upload(client, content, name), before)

    check()


def _cells():
    return st.one_of(
        hostile_text,
        st.sampled_from(['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "'=1", "\t=1"]),
    )


def _encode(rows: list[list[str]], encoding: str, delimiter: str) -> bytes:
    text = "\r\n".join(
        delimiter.join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows
    )
    return text.encode(encoding, errors="replace")


def _xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        # openpyxl refuses control characters itself; a spreadsheet cannot hold them either
        sheet.append(["".join(c for c in cell if unicodedata.category(c) != "Cc") for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_hostile_cells_are_refused_or_imported_cleanly(cast):
    client = cast.client("manager")
    outcomes = {"previewed": 0, "applied": 0}

    @HYPOTHESIS
    @given(
        rows=st.lists(
            st.tuples(
                st.one_of(
                    st.integers(0, 10**6).map(lambda n: f"person{n}@example.de"), hostile_text
                ),
                _cells(),
                _cells(),
                _cells(),
                _cells(),
                _cells(),
                _cells(),
            ).map(list),
            min_size=1,
            max_size=5,
        ),
        extra_columns=st.integers(min_value=0, max_value=300),
        encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "xlsx"]),
        delimiter=st.sampled_from([";", ",", "\t"]),
    )
    # One clean row among the hostile ones, so that the written path always runs too.
    @example(
        rows=[["anna.berg@example.de", "Anna", "Berg", "Vertrieb", "=1+1", "de", "ja"]],
        extra_columns=3,
        encoding="utf-8-sig",
        delimiter=";",
    )
    def check(rows, extra_columns, encoding, delimiter):
        header = HEADER + [f"Extra {n}" for n in range(extra_columns)]
        rows = [row + ["x"] * extra_columns for row in rows]
        if encoding == "xlsx":
            content, name = _xlsx([header, *rows]), "hr.xlsx"
        else:
            content, name = _encode([header, *rows], encoding, delimiter), "hr.csv"
        before = row_counts()
        response = _upload(client, content, name)
        _check_answer(response, before)
        if response.status_code != 302:
            return
        outcomes["previewed"] += 1
        preview = client.get(response["Location"])
        assert preview.status_code == 200
        people_before = Person.objects.count()
        confirm = client.post(response["Location"] + "confirm/")
        assert confirm.status_code in (200, 302, 400), confirm.status_code
        outcomes["applied"] += Person.objects.count() > people_before
        names = Person.objects.values_list("first_name", "last_name", "job_title")
        for values in names:
            for value in values:
                assert not any(unicodedata.category(c) == "Cc" for c in value), values

    check()
    # The property ran through both paths: files refused and files written.
    assert outcomes["previewed"] and outcomes["applied"], outcomes
