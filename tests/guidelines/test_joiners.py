"""New people are asked, leavers are accounted for (issue 15): someone who joins a department
in scope of a version in force (the people import, the admin, a walk-in) gets one request and
one email, due the version's acknowledge period after their joining; someone who leaves is
shown as left in the compliance page, its export and the report, not as missing or overdue."""

import datetime
import io

import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import formats, timezone, translation
from openpyxl import load_workbook

from guidelines.models import AcknowledgmentRequest, GuidelineVersion
from guidelines.services import guidelines as services
from notifications.models import Notification
from reports.export import figure_rows
from reports.selectors import report_figures
from rollout.models import Department, Person
from rollout.services.people_import import people_import_apply, people_import_create
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["E-Mail", "Vorname", "Nachname", "Abteilung", "Aktiv"]
PERIOD = 21


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    for row in [HEADER, *rows]:
        buffer.write(",".join(row) + "\r\n")
    return buffer.getvalue().encode("utf-8")


def _import(rows: list[list[str]], capture) -> None:
    preview = people_import_create(content=_csv(rows), filename="hr.csv", by=None)
    with capture(execute=True):
        people_import_apply(people_import=preview, by=None)


def _published_a_month_ago(departments=None) -> GuidelineVersion:
    """A version in force for 30 days whose date (21 days after publication) has passed."""
    version = factories.guideline_version("published", departments=departments)
    published = timezone.now() - datetime.timedelta(days=30)
    GuidelineVersion.objects.filter(pk=version.pk).update(
        published_at=published,
        acknowledge_by=timezone.localdate(published) + datetime.timedelta(days=PERIOD),
    )
    version.refresh_from_db()
    return version


def _mails_to(email: str) -> list:
    return [message for message in mail.outbox if email in message.to[0]]


def test_an_import_asks_a_new_person_in_scope_once_due_from_their_joining(
    cast, django_capture_on_commit_callbacks
):
    version = _published_a_month_ago(departments=[cast.department_a])
    mail.outbox.clear()
    rows = [
        ["neu@example.de", "Nora", "Neu", "Vertrieb", "ja"],
        ["draussen@example.de", "Otto", "Draußen", "Marketing", "ja"],
    ]
    _import(rows, django_capture_on_commit_callbacks)

    new = Person.objects.get(email="neu@example.de")
    request = AcknowledgmentRequest.objects.get(version=version, person=new)
    today = timezone.localdate()
    assert request.due_on == today + datetime.timedelta(days=PERIOD)
    assert request.due == request.due_on  # not the version's passed date
    messages = _mails_to("neu@example.de")
    assert len(messages) == 1
    with translation.override("de"):
        assert formats.date_format(request.due_on, "DATE_FORMAT") in messages[0].body
    # Outside the version's scope: nothing.
    outside = Person.objects.get(email="draussen@example.de")
    assert not AcknowledgmentRequest.objects.filter(person=outside).exists()
    assert _mails_to("draussen@example.de") == []

    # The same file again (and once more with a change elsewhere) asks nobody twice.
    _import(rows, django_capture_on_commit_callbacks)
    _import(
        [*rows, ["dritte@example.de", "Dora", "Dritte", "Marketing", "ja"]],
        django_capture_on_commit_callbacks,
    )
    assert AcknowledgmentRequest.objects.filter(person=new).count() == 1
    assert len(_mails_to("neu@example.de")) == 1
    assert (
        Notification.objects.filter(
            dedup_key=services.request_dedup_key(version_id=version.pk, person_id=new.pk)
        ).count()
        == 1
    )

    # The joiner is pending on the compliance page, the others of Vertrieb are overdue.
    report = cast.client("manager").get(reverse("guidelines:compliance", args=[version.pk]))
    row = next(r for r in report.context["report"].departments if r.name == "Vertrieb")
    assert (row.total, row.pending, row.overdue) == (3, 1, 2)


def test_moving_a_person_into_scope_asks_them_moving_within_scope_does_not(
    cast, django_capture_on_commit_callbacks
):
    version = _published_a_month_ago(departments=[cast.department_a])
    mover = factories.PersonFactory(department=cast.department_b, email="wechsel@example.de")
    mail.outbox.clear()
    _import(
        [
            ["wechsel@example.de", mover.first_name, mover.last_name, "Vertrieb", "ja"],
            # Already asked in Vertrieb, moves on to Personal: keeps the one request.
            [cast.employee.email, "Emil", "Employee", "Personal", "ja"],
        ],
        django_capture_on_commit_callbacks,
    )
    request = AcknowledgmentRequest.objects.get(version=version, person=mover)
    assert request.due_on == timezone.localdate() + datetime.timedelta(days=PERIOD)
    assert len(_mails_to("wechsel@example.de")) == 1
    assert AcknowledgmentRequest.objects.filter(person=cast.employee.person).count() == 1
    assert _mails_to(cast.employee.email) == []


def test_many_joiners_are_asked_in_a_few_queries(
    cast, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    _published_a_month_ago()  # everyone
    _published_a_month_ago(departments=[cast.department_a])
    people = Person.objects.bulk_create(
        Person(first_name="V", last_name=f"N{n}", email=f"p{n}@example.de", department_id=None)
        for n in range(300)
    )
    Person.objects.filter(pk__in=[p.pk for p in people[:100]]).update(department=cast.department_a)
    # 2 versions + 2 scopes, 2 inserts, the new requests, the outbox's few: never per person.
    with django_assert_max_num_queries(14):
        created = services.acknowledgment_requests_for_joiners(
            [p.pk for p in people], timezone.localdate()
        )
    assert created == 300 + 100
    assert Notification.objects.filter(kind=services.KIND_ACK_REQUEST).count() >= 400
    again = services.acknowledgment_requests_for_joiners(
        [p.pk for p in people], timezone.localdate()
    )
    assert again == 0


def test_a_person_created_or_moved_in_the_admin_is_asked(cast, django_capture_on_commit_callbacks):
    version = _published_a_month_ago(departments=[cast.department_a])
    admin = site._registry[Person]
    request = RequestFactory().post("/")
    request.user = cast.manager
    person = Person(first_name="Ada", last_name="Admin", email="ada@example.de")
    with django_capture_on_commit_callbacks(execute=True):
        admin.save_model(request, person, form=None, change=False)
    assert not AcknowledgmentRequest.objects.filter(person=person).exists()  # no department
    person.department = cast.department_a
    with django_capture_on_commit_callbacks(execute=True):
        admin.save_model(request, person, form=None, change=True)
    assert AcknowledgmentRequest.objects.filter(version=version, person=person).count() == 1
    assert len(_mails_to("ada@example.de")) == 1


def _leave(cast, capture) -> None:
    """Emil leaves through the import."""
    _import([[cast.employee.email, "Emil", "Employee", "Vertrieb", "nein"]], capture)


def test_a_leaver_is_shown_as_left_in_compliance_csv_and_report(
    cast, django_capture_on_commit_callbacks
):
    version = _published_a_month_ago()
    _leave(cast, django_capture_on_commit_callbacks)
    client = cast.client("manager")
    url = reverse("guidelines:compliance", args=[version.pk])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    report = response.context["report"]
    row = next(r for r in report.departments if r.name == "Vertrieb")
    assert (row.total, row.overdue, row.left) == (1, 1, 1)  # the head overdue, Emil left
    assert report.overall.left == 1 and report.left_total == 1
    assert cast.employee.person not in {item.person for item in report.missing}
    html = response.content.decode()
    assert 'id="compliance-left"' in html and "ausgeschieden" in html
    assert "1 gefragte Person ist ausgeschieden" in html
    assert f'id="left-{cast.employee.person.pk}"' in html
    assert f'id="missing-{cast.employee.person.pk}"' not in html

    csv = b"".join(
        client.get(
            reverse("guidelines:compliance_csv", args=[version.pk]), HTTP_ACCEPT_LANGUAGE="de"
        ).streaming_content
    ).decode()
    line = next(line for line in csv.splitlines() if cast.employee.email in line)
    assert "ausgeschieden" in line and "überfällig" not in line
    xlsx = client.get(
        reverse("guidelines:compliance_export", args=[version.pk, "xlsx"]),
        HTTP_ACCEPT_LANGUAGE="de",
    )
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    row = next(r for r in sheet.iter_rows(values_only=True) if cast.employee.email in r)
    assert "ausgeschieden" in row

    figures = report_figures(rollout=cast.rollout)
    assert figures.acknowledgment_left == 1
    assert figures.acknowledged.whole == 4  # the five asked, without Emil
    assert ("guideline_left", "<5") in [(row[2], row[3]) for row in figure_rows(figures)]


def test_the_report_counts_five_leavers_in_figures(cast, django_capture_on_commit_callbacks):
    _published_a_month_ago()
    Person.objects.bulk_create(
        Person(first_name="V", last_name=f"N{n}", email=f"l{n}@example.de") for n in range(5)
    )
    services.acknowledgment_requests_for_joiners(
        list(Person.objects.filter(email__startswith="l").values_list("pk", flat=True)),
        timezone.localdate(),
    )
    Person.objects.filter(email__startswith="l").update(is_active=False)
    figures = report_figures(rollout=cast.rollout)
    assert figures.acknowledgment_left == 5 and not figures.acknowledgment_left_hidden
    assert ("guideline_left", 5) in [(row[2], row[3]) for row in figure_rows(figures)]


@pytest.mark.parametrize("size", [1, 4])
def test_compliance_with_leavers_runs_a_fixed_number_of_queries(
    cast, manager_client, django_assert_num_queries, size
):
    version = factories.guideline_version("published")
    for n in range(size * 3):
        department = Department.objects.create(name=f"Abteilung {size}-{n}")
        for m in range(size):
            person = factories.PersonFactory(department=department, is_active=bool(m % 2))
            AcknowledgmentRequest.objects.create(version=version, person=person)
    url = reverse("guidelines:compliance", args=[version.pk])
    # session, user, roles (+ nav), version, grouped counts, missing people, people who left
    with django_assert_num_queries(7):
        response = manager_client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert response.context["report"].left_total == size * 3 * (size - size // 2)


def test_a_joiner_to_a_changed_version_reads_it_as_new_not_as_changed(
    cast, django_capture_on_commit_callbacks
):
    first = factories.guideline_version("published")
    factories.guideline_version("published", guideline=first.guideline, body="# Neu\n\nAnders.")
    mail.outbox.clear()
    _import(
        [["neu@example.de", "Nora", "Neu", "Vertrieb", "ja"]], django_capture_on_commit_callbacks
    )
    (message,) = _mails_to("neu@example.de")
    assert "gilt jetzt für Sie" in message.body
    assert "geändert" not in message.subject + message.body
    assert "Geändert." not in message.body  # the change summary is for those who know v1


def test_a_walk_in_new_in_the_directory_is_asked_by_a_version_for_everyone(
    cast, django_capture_on_commit_callbacks
):
    from guidelines.services.trainings import attendance_add_walk_in

    version = _published_a_month_ago()
    session = factories.training_session(by=cast.manager)
    with django_capture_on_commit_callbacks(execute=True):
        attendance_add_walk_in(
            session=session, by=cast.manager, first_name="Wanda", last_name="W", email="w@x.de"
        )
    walk_in = Person.objects.get(email="w@x.de")
    request = AcknowledgmentRequest.objects.get(version=version, person=walk_in)
    assert request.due_on == timezone.localdate() + datetime.timedelta(days=PERIOD)
