"""Oversized and malformed requests: a clean 4xx with a message, never a 500, nothing written.
Also hostile query strings on the filtered list pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout.services.people_files import MAX_FILE_BYTES
from tests.bad_input.strategies import hostile_text
from tests.bad_input.world import row_counts

TOO_BIG_MESSAGE = "The request could not be processed"


def test_a_too_large_form_post_gets_a_400_page_with_a_message(cast, settings):
    client = cast.client("manager")
    before = row_counts()
    body = "name=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = client.generic(
        "POST",
        reverse("rollout:rollout_create"),
        body.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert TOO_BIG_MESSAGE in response.text
    assert "Die Anfrage konnte nicht verarbeitet werden" in response.text
    assert row_counts() == before


def test_too_many_fields_get_a_400_page(cast, settings):
    client = cast.client("manager")
    before = row_counts()
    body = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 5))
    response = client.generic(
        "POST",
        reverse("guidelines:create"),
        body.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert TOO_BIG_MESSAGE in response.text
    assert row_counts() == before


def test_too_many_files_get_a_400_page(cast, settings):
    client = cast.client("manager")
    before = row_counts()
    files = [
        SimpleUploadedFile(f"f{n}.csv", b"a")
        for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    ]
    response = client.post(reverse("rollout:people_import"), {"file": files})
    assert response.status_code == 400
    assert row_counts() == before


def test_a_too_large_upload_gets_the_form_message(cast):
    client = cast.client("manager")
    before = row_counts()
    content = b"E-Mail;Vorname;Nachname\r\n" + b"a@example.de;A;B\r\n" * (MAX_FILE_BYTES // 17 + 10)
    response = client.post(
        reverse("rollout:people_import"), {"file": SimpleUploadedFile("hr.csv", content)}
    )
    assert response.status_code == 400
    assert "too big" in response.text or "zu groß" in response.text
    assert row_counts() == before


@pytest.mark.parametrize(
    "body",
    [
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc',
        b"not multipart at all",
        b"--x--",
        b"--x\r\n\r\n\r\n--x--",
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="\x00.csv"'
        b"\r\n\r\nabc\r\n--x--",
    ],
)
def test_bad_multipart_never_crashes(cast, body):
    client = cast.client("manager")
    before = row_counts()
    for content_type in ("multipart/form-data; boundary=x", "multipart/form-data"):
        response = client.generic(
            "POST", reverse("rollout:people_import"), body, content_type=content_type
        )
        assert response.status_code in (400, 403), response.status_code
        assert response.content.strip()
        assert row_counts() == before


def test_invalid_utf8_in_the_query_string_never_crashes(cast):
    client = cast.client("manager")
    for url in (
        reverse("rollout:department_list"),
        reverse("rollout:plan", args=[cast.rollout.pk]),
        reverse("rollout:stakeholder_map", args=[cast.rollout.pk]),
        reverse("rollout:communication_plan", args=[cast.rollout.pk]),
        reverse("rollout:workflow_list"),
        reverse("guidelines:list"),
    ):
        response = client.generic("GET", url, QUERY_STRING="q=%ff%fe%00&page=%c3%28&status=\xff")
        assert response.status_code in (200, 400), (url, response.status_code)


def test_huge_headers_and_bad_hosts_never_crash(cast):
    client = cast.client("manager")
    url = reverse("rollout:rollout_list")
    for headers in (
        {"HTTP_ACCEPT_LANGUAGE": "de-" + "x" * 100_000},
        {"HTTP_ACCEPT_LANGUAGE": "\x00;q=abc, *;q=-1"},
        {"HTTP_X_FORWARDED_FOR": "1.2.3.4, " * 10_000},
        {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://" + "x" * 50_000},
        {"HTTP_REFERER": "\x00" * 1000},
        {"HTTP_USER_AGENT": "x" * 100_000},
    ):
        assert client.get(url, **headers).status_code == 200, headers
    bad_host = Client().get(url, HTTP_HOST="evil.example.com\x00")
    assert bad_host.status_code == 400
    cookie = Client()
    cookie.cookies["sessionid"] = "x" * 150
    cookie.cookies["csrftoken"] = "\x7f" * 100
    assert cookie.get(url).status_code == 302  # to sign in: the session is unknown


FILTERED_PAGES = [
    ("rollout:department_list", False),
    ("rollout:plan", True),
    ("rollout:stakeholder_map", True),
    ("rollout:communication_plan", True),
    ("rollout:workflow_list", False),
    ("guidelines:list", False),
    ("guidelines:training_list", True),
    ("notifications:outbox", False),
]
FILTER_NAMES = [
    "q", "page", "status", "department", "owner", "kind", "phase", "show", "attitude", "role",
    "influence", "unowned", "cell", "sort", "month", "from", "to", "state",
]  # fmt: skip


@pytest.mark.parametrize(("name", "with_rollout"), FILTERED_PAGES)
def test_hostile_filters_never_crash_a_list(cast, name, with_rollout):
    client = cast.client("manager")
    url = reverse(name, args=[cast.rollout.pk] if with_rollout else [])

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=st.dictionaries(st.sampled_from(FILTER_NAMES), hostile_text, max_size=5))
    def check(query):
        query = {key: value[:3000] for key, value in query.items()}  # a URL, not a body
        response = client.get(url, query)
        assert response.status_code in (200, 400), response.status_code

    check()
