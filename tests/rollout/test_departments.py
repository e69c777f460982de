"""Department pages, the people import and export in the browser's shoes: every view tried by
the whole cast, denied POSTs write nothing, bad files never give a 500, query counts."""

import codecs
import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rollout.models import (
    Activity,
    ActivityStatus,
    Attitude,
    Department,
    ImportStatus,
    PeopleImport,
    Person,
    PhaseKind,
    Role,
)
from rollout.services.people_import import people_import_create
from tests import factories
from tests.conftest import CAST
from tests.helpers import expect_status

pytestmark = pytest.mark.django_db

MANAGER_ONLY = [
    (who, "ok" if who == "manager" else "login" if who == "anonymous" else "404") for who in CAST
]
CSV = (
    "E-Mail;Vorname;Nachname;Abteilung;Position\r\n"
    "neu.person@example.de;Nora;Neumann;Vertrieb;Innendienst\r\n"
    "kaputt;Karl;Kaputt;Vertrieb;\r\n"
)


def _english(cast, who: str):
    user = getattr(cast, who)
    user.language = "en"
    user.save(update_fields=["language"])
    return cast.client(who)


def _upload(content: bytes | str, name: str = "hr.csv") -> SimpleUploadedFile:
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _preview(cast) -> PeopleImport:
    return people_import_create(content=CSV.encode(), filename="hr.csv", by=cast.manager)


# --- Who may see what ----------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), MANAGER_ONLY)
def test_department_list_access(cast, who, expected):
    expect_status(cast.client(who).get(reverse("rollout:department_list")), expected)


@pytest.mark.parametrize(
    ("who", "expected_a", "expected_b"),
    [
        ("anonymous", "login", "login"),
        ("employee", "404", "404"),
        ("head_a", "ok", "404"),
        ("head_b", "404", "ok"),
        ("leadership", "404", "404"),
        ("manager", "ok", "ok"),
    ],
)
def test_department_detail_access(cast, who, expected_a, expected_b):
    client = cast.client(who)
    expect_status(
        client.get(reverse("rollout:department_detail", args=[cast.department_a.pk])), expected_a
    )
    expect_status(
        client.get(reverse("rollout:department_detail", args=[cast.department_b.pk])), expected_b
    )


def test_a_deputy_sees_their_department(cast):
    cast.department_b.deputy = cast.employee.person
    cast.department_b.save(update_fields=["deputy"])
    url = reverse("rollout:department_detail", args=[cast.department_b.pk])
    assert cast.client("employee").get(url).status_code == 200


@pytest.mark.parametrize(("who", "expected"), MANAGER_ONLY)
def test_people_import_page_access(cast, who, expected):
    expect_status(cast.client(who).get(reverse("rollout:people_import")), expected)


@pytest.mark.parametrize(("who", "expected"), MANAGER_ONLY)
def test_import_preview_access(cast, who, expected):
    preview = _preview(cast)
    expect_status(
        cast.client(who).get(reverse("rollout:people_import_preview", args=[preview.pk])), expected
    )


@pytest.mark.parametrize(("who", "expected"), MANAGER_ONLY)
def test_people_export_access(cast, who, expected):
    expect_status(cast.client(who).get(reverse("rollout:people_export")), expected)


@pytest.mark.parametrize(
    ("who", "expected"), [(who, "redirect" if who == "manager" else e) for who, e in MANAGER_ONLY]
)
def test_setting_head_and_deputy_is_for_the_manager_only(cast, who, expected):
    url = reverse("rollout:department_leadership", args=[cast.department_a.pk])
    response = cast.client(who).post(
        url, {"head": cast.employee.person.email, "deputy": cast.head_a.person.email}
    )
    expect_status(response, expected)
    cast.department_a.refresh_from_db()
    assert (cast.department_a.head == cast.employee.person) is (who == "manager")


@pytest.mark.parametrize(
    ("who", "expected"), [(who, "redirect" if who == "manager" else e) for who, e in MANAGER_ONLY]
)
def test_uploading_is_for_the_manager_only(cast, who, expected):
    response = cast.client(who).post(reverse("rollout:people_import"), {"file": _upload(CSV)})
    expect_status(response, expected)
    assert PeopleImport.objects.exists() is (who == "manager")


@pytest.mark.parametrize(
    ("who", "expected"), [(who, "redirect" if who == "manager" else e) for who, e in MANAGER_ONLY]
)
def test_confirming_is_for_the_manager_only(cast, who, expected):
    preview = _preview(cast)
    response = cast.client(who).post(reverse("rollout:people_import_confirm", args=[preview.pk]))
    expect_status(response, expected)
    assert Person.objects.filter(email="neu.person@example.de").exists() is (who == "manager")
    preview.refresh_from_db()
    assert (preview.status == ImportStatus.APPLIED) is (who == "manager")


@pytest.mark.parametrize(
    ("who", "expected"), [(who, "redirect" if who == "manager" else e) for who, e in MANAGER_ONLY]
)
def test_discarding_is_for_the_manager_only(cast, who, expected):
    preview = _preview(cast)
    response = cast.client(who).post(reverse("rollout:people_import_discard", args=[preview.pk]))
    expect_status(response, expected)
    preview.refresh_from_db()
    assert (preview.status == ImportStatus.DISCARDED) is (who == "manager")


def test_pages_refuse_other_methods(cast):
    client = cast.client("manager")
    preview = _preview(cast)
    assert client.post(reverse("rollout:department_list")).status_code == 405
    assert (
        client.get(reverse("rollout:people_import_confirm", args=[preview.pk])).status_code == 405
    )
    assert (
        client.get(
            reverse("rollout:department_leadership", args=[cast.department_a.pk])
        ).status_code
        == 405
    )
    preview.refresh_from_db()
    assert preview.status == ImportStatus.PREVIEW


# --- The department list and page ------------------------------------------------------------


def _activity(cast, department, *, status=ActivityStatus.PLANNED, days: int = 5) -> Activity:
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    return factories.ActivityFactory(
        phase=phase,
        status=status,
        due_date=timezone.localdate() + datetime.timedelta(days=days),
        departments=[department],
    )


def test_the_list_shows_counts_per_department(cast):
    champion = factories.PersonFactory(department=cast.department_a)
    factories.StakeholderFactory(rollout=cast.rollout, person=champion, attitude=Attitude.CHAMPION)
    factories.PersonFactory(department=cast.department_a, is_active=False)
    _activity(cast, cast.department_a)
    _activity(cast, cast.department_a, days=-3)
    _activity(cast, cast.department_a, status=ActivityStatus.DONE, days=-3)
    _activity(cast, cast.department_b, days=-1)
    response = _english(cast, "manager").get(reverse("rollout:department_list"))
    assert response.status_code == 200
    departments = {d.pk: d for d in response.context["departments"]}
    a, b = departments[cast.department_a.pk], departments[cast.department_b.pk]
    assert (a.member_count, a.open_count, a.overdue_count, a.has_champion) == (3, 2, 1, True)
    assert (b.member_count, b.open_count, b.overdue_count, b.has_champion) == (1, 1, 1, False)
    html = response.text
    assert f'id="department-{cast.department_a.pk}"' in html
    assert 'id="readiness-heatmap"' in html, "the heatmap is on the list page"
    assert reverse("rollout:people_import") in html and reverse("rollout:people_export") in html


def test_the_list_filters_by_name(cast):
    response = cast.client("manager").get(reverse("rollout:department_list"), {"q": "vert"})
    assert [d.name for d in response.context["departments"]] == ["Vertrieb"]
    assert f'id="department-{cast.department_b.pk}"' not in response.text
    assert f'id="readiness-{cast.department_b.pk}"' not in response.text


def test_the_department_page_shows_people_stakeholders_activities_and_readiness(cast):
    member = factories.PersonFactory(
        department=cast.department_a, first_name="Mia", last_name="Mitglied"
    )
    factories.StakeholderFactory(
        rollout=cast.rollout, person=member, attitude=Attitude.RESISTANT, influence=5
    )
    other_rollout = factories.RolloutFactory(
        start_date=cast.rollout.start_date - datetime.timedelta(days=400)
    )
    factories.StakeholderFactory(rollout=other_rollout, person=cast.head_a.person)
    activity = _activity(cast, cast.department_a, days=-2)
    response = _english(cast, "head_a").get(
        reverse("rollout:department_detail", args=[cast.department_a.pk])
    )
    assert response.status_code == 200
    page = response.context["page"]
    assert [s.person for s in page.stakeholders] == [member]
    assert page.activities == [activity]
    assert page.readiness.resistant_high_influence == 1
    assert page.readiness.overdue_activities == 1
    html = response.text
    assert "Mia Mitglied" in html and activity.title in html
    assert 'data-signal="resistant_high_influence"' in html
    assert "leadership-form" not in html, "a head cannot change the leadership"


def test_the_manager_sets_head_and_deputy_and_they_get_the_role(cast):
    new_head_user = factories.UserFactory(roles=[Role.EMPLOYEE])
    new_head = factories.PersonFactory(
        email=new_head_user.email, user=new_head_user, department=cast.department_b
    )
    deputy = factories.PersonFactory(department=cast.department_b)
    client = cast.client("manager")
    url = reverse("rollout:department_leadership", args=[cast.department_b.pk])
    response = client.post(url, {"head": new_head.email.upper(), "deputy": deputy.email})
    assert response.status_code == 302
    cast.department_b.refresh_from_db()
    assert (cast.department_b.head, cast.department_b.deputy) == (new_head, deputy)
    assert new_head_user.groups.filter(name=Role.DEPARTMENT_HEAD.value).exists()
    detail = reverse("rollout:department_detail", args=[cast.department_b.pk])
    assert cast.client("manager").get(detail).status_code == 200
    from django.test import Client

    head_client = Client()
    head_client.force_login(new_head_user)
    assert head_client.get(detail).status_code == 200
    assert cast.department_b.history.first().history_user == cast.manager
    assert client.post(url, {"head": "", "deputy": ""}).status_code == 302
    cast.department_b.refresh_from_db()
    assert cast.department_b.head is None and cast.department_b.deputy is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"head": "niemand@example.de", "deputy": ""}, "Nobody with this email address"),
        ({"head": "kein-email", "deputy": ""}, "valid email"),
        ({"head": "SAME", "deputy": "SAME"}, "someone other than the head"),
    ],
)
def test_bad_leadership_input_is_explained_and_kept(cast, data, message):
    person = cast.employee.person
    data = {key: person.email if value == "SAME" else value for key, value in data.items()}
    client = _english(cast, "manager")
    url = reverse("rollout:department_leadership", args=[cast.department_a.pk])
    response = client.post(url, data)
    assert response.status_code == 400
    assert message in response.text
    assert f'value="{data["head"]}"' in response.text
    cast.department_a.refresh_from_db()
    assert cast.department_a.head == cast.head_a.person


# --- Import through the pages ----------------------------------------------------------------


def test_upload_shows_a_preview_and_confirm_writes_it(cast):
    client = _english(cast, "manager")
    response = client.post(reverse("rollout:people_import"), {"file": _upload(CSV)})
    assert response.status_code == 302
    preview = PeopleImport.objects.get()
    assert response["Location"] == reverse("rollout:people_import_preview", args=[preview.pk])
    assert not Person.objects.filter(email="neu.person@example.de").exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'id="import-line-3"' in page.text
    assert "“kaputt” is not a valid email address." in page.text
    assert 'data-count="create">1<' in page.text and 'data-count="reject">1<' in page.text
    rejected = client.get(response["Location"], {"show": "reject"})
    assert 'id="import-line-3"' in rejected.text and 'id="import-line-2"' not in rejected.text

    confirm = reverse("rollout:people_import_confirm", args=[preview.pk])
    done = client.post(confirm, follow=True)
    assert done.status_code == 200
    assert "Import applied: 1 people added" in done.text
    nora = Person.objects.get(email="neu.person@example.de")
    assert nora.department == cast.department_a
    again = client.post(confirm, follow=True)
    assert "already been applied" in again.text
    assert Person.objects.filter(email="neu.person@example.de").count() == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x00\x01\x02\x03" * 200, "junk.csv", "does not look like a CSV or XLSX file"),
        (b"Name;Telefon\r\nAnna;0815\r\n", "wrong.csv", "Required columns are missing"),
        (b"", "empty.csv", "The submitted file is empty"),
        (b"PK\x03\x04garbage" * 10, "broken.xlsx", "Excel file cannot be read"),
        (b"E-Mail;Vorname;Nachname\n" + b"x" * (5 * 1024 * 1024), "big.csv", "too big"),
    ],
    ids=["binary", "missing-columns", "empty", "broken-xlsx", "too-big"],
)
def test_malformed_files_get_a_message_on_the_form(cast, content, name, message):
    response = _english(cast, "manager").post(
        reverse("rollout:people_import"), {"file": _upload(content, name)}
    )
    assert response.status_code == 400
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert not PeopleImport.objects.exists()


def test_upload_without_a_file_is_explained(cast):
    response = _english(cast, "manager").post(reverse("rollout:people_import"), {})
    assert response.status_code == 400
    assert "This field is required" in response.text


def test_a_stale_preview_is_flagged_and_refused(cast):
    client = _english(cast, "manager")
    older = _preview(cast)
    newer = _preview(cast)
    client.post(reverse("rollout:people_import_confirm", args=[newer.pk]))
    page = client.get(reverse("rollout:people_import_preview", args=[older.pk]))
    assert "Another import was applied after this preview" in page.text
    response = client.post(reverse("rollout:people_import_confirm", args=[older.pk]), follow=True)
    assert "Another import was applied" in response.text
    older.refresh_from_db()
    assert older.status == ImportStatus.PREVIEW


def test_export_is_german_excel_csv_and_imports_back_unchanged(cast):
    cast.department_a.parent = cast.department_b
    cast.department_a.save(update_fields=["parent"])
    factories.PersonFactory(department=cast.department_a, job_title="+49 Hotline", language="en")
    client = cast.client("manager")
    response = client.get(reverse("rollout:people_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert content.startswith(codecs.BOM_UTF8)
    header = content[3:].split(b"\r\n")[0].decode()
    assert header == (
        "E-Mail;Vorname;Nachname;Abteilung;Position;Sprache;Vorgesetzte Abteilung;"
        "Leitung;Stellvertretung;Aktiv"
    )
    assert content.count(b"\r\n") == Person.objects.count() + 1
    upload = client.post(reverse("rollout:people_import"), {"file": _upload(content, "x.csv")})
    assert upload.status_code == 302
    preview = PeopleImport.objects.get()
    assert preview.summary["counts"] == {
        "create": 0,
        "update": 0,
        "unchanged": Person.objects.count(),
        "reject": 0,
    }
    assert preview.summary["departments"] == []


def test_export_needs_one_query_for_the_people(cast, django_assert_num_queries):
    factories.PersonFactory.create_batch(30, department=cast.department_a)
    client = cast.client("manager")
    with CaptureQueriesContext(connection) as small_queries:
        small = b"".join(client.get(reverse("rollout:people_export")).streaming_content)
    factories.PersonFactory.create_batch(120, department=cast.department_b)
    with CaptureQueriesContext(connection) as large_queries:
        large = b"".join(client.get(reverse("rollout:people_export")).streaming_content)
    assert large.count(b"\r\n") > small.count(b"\r\n")
    assert len(small_queries) == len(large_queries)


# --- Query counts at two sizes ---------------------------------------------------------------


def _grow(cast, departments: int, people_each: int, activities: int) -> None:
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    created = [
        Department(name=f"Abteilung {Department.objects.count()}-{n}") for n in range(departments)
    ]
    Department.objects.bulk_create(created)
    targets = [cast.department_a, *created]
    people = Person.objects.bulk_create(
        [
            Person(
                first_name="P",
                last_name=f"{index}",
                email=f"p{Person.objects.count()}-{index}@example.de",
                department=targets[index % len(targets)],
            )
            for index in range(people_each * len(targets))
        ]
    )
    for index, person in enumerate(people[: len(targets) * 2]):
        factories.StakeholderFactory(
            rollout=cast.rollout, person=person, attitude=1 + index % 5, influence=1 + index % 5
        )
    for index in range(activities):
        activity = factories.ActivityFactory(
            phase=phase,
            owner=people[index % len(people)],
            due_date=timezone.localdate() - datetime.timedelta(days=index % 3),
        )
        activity.departments.set(targets[index % len(targets) :][:3])


def _queries(client, url: str, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        ("manager", "department_list"),
        ("manager", "department_detail"),
        ("head_a", "department_detail"),
        ("manager", "people_import"),
    ],
)
def test_query_count_does_not_grow_with_the_data(cast, who, url_name):
    args = [cast.department_a.pk] if url_name == "department_detail" else []
    url = reverse(f"rollout:{url_name}", args=args)
    client = cast.client(who)
    _grow(cast, departments=2, people_each=2, activities=3)
    small = _queries(client, url)
    _grow(cast, departments=200, people_each=5, activities=60)
    large = _queries(client, url)
    assert small == large, f"{url}: {small} queries with little data, {large} with more"
    assert large <= 13  # 12, and the survey readiness of the heatmap


def test_import_preview_query_count_does_not_grow_with_the_file(cast):
    client = cast.client("manager")

    def preview_for(count: int) -> str:
        lines = ["E-Mail;Vorname;Nachname;Abteilung"] + [
            f"q{count}-{n}@example.de;Q;{n};Abteilung {n % 9}" for n in range(count)
        ]
        created = people_import_create(
            content="\n".join(lines).encode(), filename="q.csv", by=cast.manager
        )
        return reverse("rollout:people_import_preview", args=[created.pk])

    small = _queries(client, preview_for(5))
    large_url = preview_for(900)
    large = _queries(client, large_url)
    assert small == large
    # No write since the last request: the navigation's rollout may come from the cache.
    assert _queries(client, large_url, {"show": "create", "page": 4}) <= small
    assert large <= 10


def test_group_for_department_heads_exists_after_leadership_change(cast):
    Group.objects.filter(name=Role.DEPARTMENT_HEAD.value).delete()
    person_user = factories.UserFactory()
    person = factories.PersonFactory(email=person_user.email, user=person_user)
    cast.client("manager").post(
        reverse("rollout:department_leadership", args=[cast.department_a.pk]),
        {"head": person.email, "deputy": ""},
    )
    assert person_user.groups.filter(name=Role.DEPARTMENT_HEAD.value).exists()
