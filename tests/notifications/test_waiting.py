"""Quiet hours are visible: the outbox says when a waiting row goes out and why ("wird um
08:00 verschickt (Ruhezeit)"), pages that say a mail is on its way say when it waits, and the
manager sends a waiting row now (once, however often the button is pressed)."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from notifications import services
from notifications.models import Notification, NotificationState, WaitReason
from notifications.waiting import sending_note, wait_note, when_text
from tests import factories
from tests.notifications.conftest import DIGESTIBLE, NOTE

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TUESDAY_6AM = datetime.datetime(2026, 11, 24, 6, tzinfo=BERLIN)
FRIDAY_9PM = datetime.datetime(2026, 11, 27, 21, tzinfo=BERLIN)


@pytest.fixture
def quiet(settings):
    settings.NOTIFY_QUIET_HOURS = True
    settings.NOTIFY_SEND_FROM_HOUR = 8
    settings.NOTIFY_SEND_UNTIL_HOUR = 19
    settings.NOTIFY_HOLIDAY_STATE = "BE"
    settings.NOTIFY_DIGEST_HOUR = 8


@pytest.fixture
def clock(monkeypatch):
    """Set the clock: `clock(moment)`."""

    def set_to(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


def _queue(kind, person, key, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = services.notification_queue(kind=kind, to=person, dedup_key=key)
    row.refresh_from_db()
    return row


def _outbox(cast):
    response = cast.client("manager").get(reverse("notifications:outbox"))
    assert response.status_code == 200
    return response.text


def test_when_in_words():
    with translation.override("de"), timezone.override(BERLIN):
        now = TUESDAY_6AM
        assert when_text(now.replace(hour=8), now=now) == "um 08:00"
        assert when_text(now + datetime.timedelta(days=1, hours=2), now=now) == "morgen um 08:00"
        assert when_text(now + datetime.timedelta(days=6), now=now) == "am 30.11.2026 um 06:00"


def test_the_outbox_says_when_and_why_a_row_waits(
    cast, quiet, clock, django_capture_on_commit_callbacks
):
    clock(TUESDAY_6AM)
    row = _queue(NOTE, factories.PersonFactory(), "early", django_capture_on_commit_callbacks)
    assert row.wait_reason == WaitReason.QUIET_HOURS
    page = _outbox(cast)
    assert f'id="wait-{row.pk}">wird um 08:00 verschickt (Ruhezeit)<' in page
    assert reverse("notifications:send_now", args=[row.pk]) in page
    assert "Jetzt senden" in page


def test_the_outbox_names_weekend_digest_and_weekly_limit(
    cast, quiet, clock, settings, django_capture_on_commit_callbacks
):
    clock(FRIDAY_9PM)
    weekend = _queue(NOTE, factories.PersonFactory(), "fri", django_capture_on_commit_callbacks)
    digest = _queue(
        DIGESTIBLE, factories.PersonFactory(), "dig", django_capture_on_commit_callbacks
    )
    clock(TUESDAY_6AM.replace(hour=10))
    settings.NOTIFY_WEEKLY_CAP = 1
    busy = factories.PersonFactory()
    _queue(NOTE, busy, "first", django_capture_on_commit_callbacks)
    capped = _queue(NOTE, busy, "second", django_capture_on_commit_callbacks)
    assert (weekend.wait_reason, digest.wait_reason, capped.wait_reason) == (
        WaitReason.WEEKEND,
        WaitReason.DIGEST,
        WaitReason.CAP,
    )
    page = _outbox(cast)
    # Seen on Tuesday: the Friday rows went out meanwhile in real life; the words still say
    # when they were due, the times in the viewer's zone.
    assert f'id="wait-{capped.pk}">geht morgen um 08:00 mit der täglichen Sammel-E-Mail' in page
    assert "(Wochenlimit erreicht)" in page
    with translation.override("de"), timezone.override(BERLIN):
        friday = FRIDAY_9PM
        assert (
            wait_note(weekend, now=friday) == "wird am 30.11.2026 um 08:00 verschickt (Wochenende)"
        )
        assert wait_note(digest, now=friday) == (
            "geht am 30.11.2026 um 08:00 mit der täglichen Sammel-E-Mail hinaus"
        )


def test_a_failed_attempt_waiting_for_its_retry_says_so(cast):
    person = factories.PersonFactory()
    row = Notification.objects.create(
        kind=NOTE,
        dedup_key="retry",
        recipient_email=person.email,
        due_at=timezone.now() + datetime.timedelta(minutes=5),
        attempts=1,
        last_error="SMTPConnectError",
    )
    with translation.override("de"):
        assert wait_note(row).startswith("wird um ")
        assert wait_note(row).endswith("erneut versucht (nach einem Fehler)")


def test_pages_saying_mail_is_on_its_way_say_when_it_waits(quiet, clock, settings):
    with translation.override("de"), timezone.override(BERLIN):
        clock(TUESDAY_6AM)
        assert sending_note(kind="training_invitation", count=3) == (
            "Die E-Mails werden um 08:00 verschickt (Ruhezeit)."
        )
        assert sending_note(kind="workflow_proposed") == (
            "Die E-Mail wird um 08:00 verschickt (Ruhezeit)."
        )
        assert sending_note(kind="login_link") == ""  # immediate: at once, whatever the hour
        clock(FRIDAY_9PM)
        assert sending_note(kind="training_cancelled", count=2) == (
            "Die E-Mails werden am 30.11.2026 um 08:00 verschickt (Wochenende)."
        )
        clock(TUESDAY_6AM.replace(hour=10))
        assert sending_note(kind="training_invitation", count=3) == ""
        settings.NOTIFY_QUIET_HOURS = False
        clock(FRIDAY_9PM)
        assert sending_note(kind="training_invitation") == ""


def test_send_now_sends_a_waiting_row_once(cast, quiet, clock, django_capture_on_commit_callbacks):
    clock(TUESDAY_6AM)
    person = factories.PersonFactory()
    row = _queue(NOTE, person, "night", django_capture_on_commit_callbacks)
    assert row.state == NotificationState.PENDING and mail.outbox == []
    client = cast.client("manager")
    url = reverse("notifications:send_now", args=[row.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url)
        second = client.post(url)  # a double click
    assert first.status_code == second.status_code == 302
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and row.send_now
    assert len(mail.outbox) == 1 and person.email in mail.outbox[0].to[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_dispatch()
        client.post(url)
    assert len(mail.outbox) == 1


def test_send_now_takes_a_row_out_of_the_digest(
    cast, quiet, clock, django_capture_on_commit_callbacks
):
    clock(TUESDAY_6AM.replace(hour=10))
    row = _queue(DIGESTIBLE, factories.PersonFactory(), "dig", django_capture_on_commit_callbacks)
    assert row.via_digest
    client = cast.client("manager")
    url = reverse("notifications:send_now", args=[row.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, HTTP_HX_REQUEST="true")
        again = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == again.status_code == 200
    assert f'id="send-now-{row.pk}"' in response.text and "<html" not in response.text
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and not row.via_digest
    assert len(mail.outbox) == 1
    # The digest at 08:00 next day has nothing left to bundle.
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_dispatch(now=timezone.now() + datetime.timedelta(days=1))
    assert not Notification.objects.filter(kind="digest").exists()


@pytest.mark.parametrize("who", ["head_a", "leadership", "employee"])
def test_only_the_manager_sends_now(cast, who, quiet, clock, django_capture_on_commit_callbacks):
    clock(TUESDAY_6AM)
    row = _queue(NOTE, factories.PersonFactory(), "night", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client(who).post(reverse("notifications:send_now", args=[row.pk]))
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.state == NotificationState.PENDING and not row.send_now and mail.outbox == []


@pytest.mark.parametrize(
    ("env", "quiet"),
    [
        ({"DEBUG": "true"}, False),  # make run: the demo sends at once
        ({"DEBUG": "true", "NOTIFY_QUIET_HOURS": "true"}, True),  # unless set
        (
            {
                "DEBUG": "false",
                "SECRET_KEY": "pace-" + "x7Qp2mZr9LwB4vKd8TnY3hFs6GjC1aEu5oRi0VbN",
                "ALLOWED_HOSTS": "changehub.example",
                "EMAIL_URL": "smtp://127.0.0.1:2525",
            },
            True,
        ),
    ],
)
def test_quiet_hours_are_off_in_debug_unless_set(env, quiet):
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "NOTIFY_QUIET_HOURS")}
    script = "from django.conf import settings; print(settings.NOTIFY_QUIET_HOURS)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "changehub.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == str(quiet), result.stderr[-2000:]


def _flash(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_the_pages_that_send_mail_say_when_it_waits(cast, quiet, clock):
    """At 06:00 the manager cancels a session and proposes a workflow: the messages say the
    mails go out at 08:00 (quiet hours); at 10:00 they say nothing more."""
    from rollout.models import PhaseKind

    clock(TUESDAY_6AM)
    factories.PersonFactory(department=cast.department_a)
    session = factories.training_session(
        phase=cast.rollout.phases.get(kind=PhaseKind.MOVE), departments=[cast.department_a]
    )
    client = cast.client("manager")
    cancelled = client.post(
        reverse("guidelines:training_cancel", args=[session.pk]), {"reason": "Krank"}, follow=True
    )
    assert "Die E-Mails werden um 08:00 verschickt (Ruhezeit)." in _flash(cancelled)
    workflow = factories.ContentWorkflowFactory(
        department=cast.department_a, title="Eventfotos", by=cast.manager
    )
    proposed = client.post(reverse("rollout:workflow_propose", args=[workflow.pk]), follow=True)
    assert "Die E-Mail wird um 08:00 verschickt (Ruhezeit)." in _flash(proposed)
    clock(TUESDAY_6AM.replace(hour=10))
    other = factories.ContentWorkflowFactory(
        department=cast.department_b, title="Messe", by=cast.manager
    )
    at_once = client.post(reverse("rollout:workflow_propose", args=[other.pk]), follow=True)
    text = _flash(at_once)
    assert "Abteilungsleitung" in text and "verschickt" not in text
