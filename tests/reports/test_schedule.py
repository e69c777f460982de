"""The manager sets when the leadership pack goes out by itself, in which language and to whom;
the daily beat task honours it, once per period, and leadership reads it on the reports page."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import services
from reports.models import Frequency, PackLanguages, Report, ReportSchedule
from rollout.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2027, 3, 10)
THURSDAY = datetime.date(2027, 3, 11)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def board(cast):
    """A second leadership member who reads English."""
    user = factories.UserFactory(
        roles=[Role.LEADERSHIP], full_name="Bob Board", language="en", email="bob@example.de"
    )
    factories.PersonFactory(email=user.email, user=user, first_name="Bob", last_name="Board")
    return user


def _url(cast):
    return reverse("reports:report_schedule", args=[cast.rollout.pk])


def _save(client, cast, **fields):
    data = {
        "frequency": "weekly",
        "day_of_month": "1",
        "weekday": "2",
        "languages": "en",
        **fields,
    }
    return client.post(_url(cast), data)


def test_the_manager_sets_a_weekly_english_pack_for_one_person_and_the_form_shows_it_again(
    cast, board
):
    client = cast.client("manager")
    response = _save(client, cast, recipients=[board.pk])
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get(rollout=cast.rollout)
    assert (schedule.frequency, schedule.weekday, schedule.languages) == ("weekly", 2, "en")
    assert list(schedule.recipients.all()) == [board]
    page = client.get(_url(cast)).content.decode()
    assert 'value="weekly" required id="id_frequency_2" checked' in page or (
        'value="weekly"' in page and "checked" in page
    )
    assert f'value="{board.pk}" id="id_recipients_' in page and "checked" in page
    summary = client.get(reverse("reports:report_list", args=[cast.rollout.pk])).content.decode()
    assert "jeden Mittwoch um 06:00" in summary and "auf Englisch" in summary
    assert "Bob Board" in summary
    # Saving again changes the same row.
    assert _save(client, cast, recipients=[board.pk], weekday="4").status_code == 302
    assert ReportSchedule.objects.get().weekday == 4


def test_the_weekly_pack_goes_out_on_its_weekday_once_and_only_to_the_chosen_person(
    cast, board, django_capture_on_commit_callbacks
):
    _save(cast.client("manager"), cast, recipients=[board.pk])
    assert services.monthly_reports_queue(today=THURSDAY) == []
    with django_capture_on_commit_callbacks(execute=True):
        first = services.monthly_reports_queue(today=WEDNESDAY)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.monthly_reports_queue(today=WEDNESDAY)
    assert [r.pk for r in first] == [r.pk for r in again]
    report = Report.objects.get()
    assert report.language == "en"
    assert report.schedule_key == f"weekly:{cast.rollout.pk}:2027-W10:en"
    assert [m.to for m in mail.outbox] == [[f"Bob Board <{board.email}>"]]


def test_each_recipient_gets_the_pack_in_their_own_language(
    cast, board, django_capture_on_commit_callbacks
):
    _save(
        cast.client("manager"),
        cast,
        frequency="monthly",
        day_of_month="10",
        languages=PackLanguages.EACH,
    )
    with django_capture_on_commit_callbacks(execute=True):
        reports = services.monthly_reports_queue(today=WEDNESDAY)
    assert sorted(r.language for r in reports) == ["de", "en"]
    keys = {r.language: r.schedule_key for r in reports}
    assert keys == {
        "de": f"monthly:{cast.rollout.pk}:2027-03",
        "en": f"monthly:{cast.rollout.pk}:2027-03:en",
    }
    sent = {m.to[0].split("<")[-1].rstrip(">"): m.attachments[0][0] for m in mail.outbox}
    assert sent[board.email].startswith("progress-report-")
    assert sent[cast.leadership.email].startswith("fortschrittsbericht-")
    assert len(mail.outbox) == 2


def test_a_switched_off_pack_never_goes_out(cast):
    _save(cast.client("manager"), cast, frequency=Frequency.OFF)
    assert services.monthly_reports_queue(today=WEDNESDAY, force=True) == []
    page = cast.client("leadership").get(reverse("reports:report_list", args=[cast.rollout.pk]))
    assert "nicht automatisch verschickt" in page.content.decode()


def test_a_day_beyond_the_28th_is_refused_in_german_and_nothing_is_saved(cast):
    response = _save(cast.client("manager"), cast, frequency="monthly", day_of_month="31")
    assert response.status_code == 400
    page = response.content.decode()
    assert "kleiner oder gleich 28" in page
    assert 'value="31"' in page  # what was typed stays
    assert not ReportSchedule.objects.exists()


def test_only_people_who_read_reports_can_be_chosen(cast):
    response = _save(cast.client("manager"), cast, recipients=[cast.employee.pk])
    assert response.status_code == 400
    assert not ReportSchedule.objects.exists()


def test_leadership_reads_the_schedule_but_cannot_change_it(cast):
    client = cast.client("leadership")
    page = client.get(reverse("reports:report_list", args=[cast.rollout.pk])).content.decode()
    assert "am 1. jedes Monats um 06:00" in page and "an alle aus der Geschäftsleitung" in page
    assert _url(cast) not in page
    assert client.get(_url(cast)).status_code == 404
    assert _save(client, cast).status_code == 403
    assert not ReportSchedule.objects.exists()


def test_the_reports_page_runs_a_fixed_number_of_queries(cast, board):
    client = cast.client("manager")
    url = reverse("reports:report_list", args=[cast.rollout.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _save(client, cast, recipients=[board.pk, cast.leadership.pk, cast.manager.pk])
    for number in range(5):
        Report.objects.create(rollout=cast.rollout, language="de", schedule_key=f"x{number}")
    client.get(url)  # shows (and so uses up) the "saved" message
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) <= len(few) + 1  # the saved schedule's recipients: one query
