"""Respecting the person: quiet hours, weekends, German public holidays per federal state, the
recipient's time zone, the weekly cap, the daily digest, unsubscribing."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import policy, services
from notifications.emails import unsubscribe_token
from notifications.models import Notification, NotificationState, Unsubscription
from tests import factories
from tests.notifications.conftest import DIGESTIBLE, NOTE, OPTIONAL

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _at(*args, zone=BERLIN) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=zone)


@pytest.fixture
def quiet(settings):
    settings.NOTIFY_QUIET_HOURS = True
    settings.NOTIFY_SEND_FROM_HOUR = 8
    settings.NOTIFY_SEND_UNTIL_HOUR = 19
    settings.NOTIFY_HOLIDAY_STATE = "BY"


def test_night_moves_to_the_next_morning(quiet):
    # Tuesday 2026-11-24 22:00 -> Wednesday 08:00
    assert policy.next_allowed(_at(2026, 11, 24, 22), "Europe/Berlin") == _at(2026, 11, 25, 8)
    assert policy.next_allowed(_at(2026, 11, 24, 6), "Europe/Berlin") == _at(2026, 11, 24, 8)
    noon = _at(2026, 11, 24, 12)
    assert policy.next_allowed(noon, "Europe/Berlin") == noon


def test_weekends_and_state_holidays_are_quiet(quiet, settings):
    # Friday 2026-12-25 (Christmas) evening -> Monday 28th (the 26th is a holiday, then Sunday)
    assert policy.next_allowed(_at(2026, 12, 24, 20), "Europe/Berlin") == _at(2026, 12, 28, 8)
    # Epiphany (6 January) is a holiday in Bavaria, not in Berlin.
    epiphany = _at(2027, 1, 6, 10)
    assert policy.next_allowed(epiphany, "Europe/Berlin") == _at(2027, 1, 7, 8)
    settings.NOTIFY_HOLIDAY_STATE = "BE"
    assert policy.next_allowed(epiphany, "Europe/Berlin") == epiphany


def test_the_recipients_time_zone_counts(quiet):
    # 09:00 in Berlin is 03:00 in New York: wait for 08:00 there.
    moment = _at(2026, 11, 24, 9)
    new_york = zoneinfo.ZoneInfo("America/New_York")
    assert policy.next_allowed(moment, "America/New_York") == _at(2026, 11, 24, 8, zone=new_york)


def test_a_mail_at_night_waits_but_a_password_reset_does_not(
    quiet, django_capture_on_commit_callbacks, monkeypatch
):
    night = _at(2026, 11, 24, 23)
    monkeypatch.setattr(timezone, "now", lambda: night)
    person = factories.PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        row = services.notification_queue(kind=NOTE, to=person, dedup_key="n")
        reset = services.notification_queue(
            kind="password_reset", to=factories.UserFactory(), dedup_key="r"
        )
    row.refresh_from_db()
    reset.refresh_from_db()
    assert row.state == NotificationState.PENDING
    assert row.due_at == _at(2026, 11, 25, 8)
    assert reset.state == NotificationState.SENT
    assert len(mail.outbox) == 1


def test_over_the_weekly_cap_mails_wait_for_the_digest(
    settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_WEEKLY_CAP = 2
    person = factories.PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            services.notification_queue(kind=NOTE, to=person, dedup_key=f"cap{n}")
    assert len(mail.outbox) == 2
    waiting = Notification.objects.filter(via_digest=True, state=NotificationState.PENDING)
    assert waiting.count() == 2
    # The digest bundles both into one mail when it is due.
    later = waiting.first().due_at + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_dispatch(now=later)
    # The dispatch ran "later" than the real clock: bring the digest to now.
    Notification.objects.filter(kind="digest").update(due_at=timezone.now(), claimed_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_dispatch()
    assert len(mail.outbox) == 3
    digest = Notification.objects.get(kind="digest")
    assert digest.state == NotificationState.SENT
    assert digest.items.count() == 2
    assert set(digest.items.values_list("state", flat=True)) == {NotificationState.DIGESTED}
    assert mail.outbox[2].subject.startswith("ChangeHub: heute 2")


def test_digestible_kinds_are_bundled_once_per_day(settings, django_capture_on_commit_callbacks):
    person = factories.PersonFactory()
    other = factories.PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            services.notification_queue(
                kind=DIGESTIBLE, to=person, dedup_key=f"d{n}", context={"headline": f"Punkt {n}"}
            )
        services.notification_queue(kind=DIGESTIBLE, to=other, dedup_key="o")
    assert mail.outbox == []
    rows = Notification.objects.filter(kind=DIGESTIBLE)
    due = rows.first().due_at
    assert all(r.due_at == due and r.via_digest for r in rows)
    assert timezone.localtime(due).hour == settings.NOTIFY_DIGEST_HOUR
    # Two dispatchers (a beat run twice) at digest time: one digest per person.
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_dispatch(now=due)
        services.notifications_dispatch(now=due)
    # The dispatch ran "later" than the real clock: bring the digest to now.
    Notification.objects.filter(kind="digest").update(due_at=timezone.now(), claimed_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_dispatch()
    assert sorted(len(m.to) for m in mail.outbox) == [1, 1]
    bodies = {m.to[0]: m.body for m in mail.outbox}
    mine = next(body for to, body in bodies.items() if person.email in to)
    assert all(f"Punkt {n}" in mine for n in range(3))


def test_optional_mails_carry_one_click_unsubscribe(django_capture_on_commit_callbacks):
    person = factories.PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_queue(kind=OPTIONAL, to=person, dedup_key="opt1")
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://changehub.example/notifications/unsubscribe/")
    assert url in mail.outbox[0].body
    path = url.removeprefix("https://changehub.example")
    # A mail program's one-click POST: no session, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Unsubscription.objects.filter(email=person.email.lower(), kind=OPTIONAL).exists()
    with django_capture_on_commit_callbacks(execute=True):
        later = services.notification_queue(kind=OPTIONAL, to=person, dedup_key="opt2")
    later.refresh_from_db()
    assert later.state == NotificationState.CANCELLED
    assert len(mail.outbox) == 1


def test_mandatory_kinds_fall_back_to_the_digest(django_capture_on_commit_callbacks):
    person = factories.PersonFactory()
    client = Client()
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(person.email, NOTE)])
    page = client.get(url)
    assert page.status_code == 200 and "Sammel-E-Mail" in page.text
    assert not Unsubscription.objects.exists()  # GET changes nothing
    client.post(url)
    client.post(url)  # a double click
    assert Unsubscription.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        row = services.notification_queue(kind=NOTE, to=person, dedup_key="m1")
    row.refresh_from_db()
    assert row.state == NotificationState.PENDING and row.via_digest
    assert mail.outbox == []


def test_a_forged_unsubscribe_token_is_404():
    token = unsubscribe_token("a@example.de", NOTE)
    assert Client().get(reverse("notifications:unsubscribe", args=[token + "x"])).status_code == 404
    unknown = unsubscribe_token("a@example.de", "no_such_kind")
    assert Client().post(reverse("notifications:unsubscribe", args=[unknown])).status_code == 404
    assert not Unsubscription.objects.exists()


def test_mails_are_rendered_in_the_recipients_language(django_capture_on_commit_callbacks):
    user = factories.UserFactory(language="en")
    german = factories.PersonFactory(language="de")
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_queue(kind=NOTE, to=user, dedup_key="en")
        services.notification_queue(kind=NOTE, to=german, dedup_key="de")
    english_mail = next(m for m in mail.outbox if user.email in m.to[0])
    german_mail = next(m for m in mail.outbox if german.email in m.to[0])
    assert '<html lang="en">' in english_mail.alternatives[0].content
    assert '<html lang="de">' in german_mail.alternatives[0].content
