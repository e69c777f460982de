"""Issue 16 end to end, with a real worker on the real broker and a real SMTP sink: a time
change reaches the trainer (an .ics naming them CHAIR, the next SEQUENCE) and the people who
accepted keep their answer on the same day; an English person who follows the link in their
mail gets an English page although their browser asks for German. (The invitation to someone
over the weekly cap: tests/notifications/test_pace_e2e.py.)"""

import datetime
import email
import email.policy
import re
from urllib.parse import urlsplit

import icalendar
import pytest
from django.test import Client

from devtools.redis_server import publish_to
from guidelines.models import InvitationStatus
from guidelines.services import trainings as training_services
from notifications.sink import SmtpSink
from rollout.models import PhaseKind
from tests import factories
from tests.notifications.test_worker import Rig
from tests.test_worker import _wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

GERMAN_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}


@pytest.fixture
def sink():
    server = SmtpSink(keep=True).start()
    yield server
    server.stop()


@pytest.fixture
def rig(tmp_path, sink):
    rig = Rig(tmp_path, sink.port)
    yield rig
    rig.stop()


def _mails_to(sink: SmtpSink, address: str) -> list[email.message.EmailMessage]:
    parsed = [email.message_from_bytes(raw, policy=email.policy.default) for raw in sink.messages]
    return [m for m in parsed if address.lower() in str(m["To"]).lower()]


def _calendar(message) -> icalendar.Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content())


def _attendees(event) -> list:
    attendees = event.get("ATTENDEE", [])
    return attendees if isinstance(attendees, list) else [attendees]


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def test_a_time_change_reaches_the_trainer_and_keeps_the_acceptance(sink, rig):
    phase = factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE)
    user = factories.UserFactory(full_name="Tina Trainer", email="tina.trainer@example.de")
    trainer = factories.PersonFactory(
        first_name="Tina", last_name="Trainer", email=user.email, user=user, department=None
    )
    attendee = factories.PersonFactory()
    with publish_to(rig.queue):
        rig.worker()
        rig.beat("one")  # picks up a row whose hand-off failed (e.g. SQLite busy under load)
        session = factories.training_session(phase=phase, people=[attendee], trainer=trainer)
        _wait_for(
            lambda: _mails_to(sink, trainer.email) and _mails_to(sink, attendee.email),
            60,
            rig.worker_log,
        )
        invitation = session.invitations.get(person=attendee)
        training_services.invitation_respond(invitation=invitation, answer="accept")
        later = datetime.timedelta(hours=2)  # 12:00 instead of 10:00, the same day
        session, changed = training_services.training_session_update(
            session=session,
            by=None,
            starts_at=session.starts_at + later,
            ends_at=session.ends_at + later,
        )
        assert changed == ["starts_at", "ends_at"]
        _wait_for(
            lambda: (
                len(_mails_to(sink, trainer.email)) == 2
                and len(_mails_to(sink, attendee.email)) == 2
            ),
            60,
            rig.worker_log,
        )

    first, change = _mails_to(sink, trainer.email)
    assert session.title in str(first["Subject"])
    assert _calendar(first).events[0]["SEQUENCE"] == 0
    assert str(change["Subject"]) == f"Geändert: {session.title}"
    calendar = _calendar(change)
    assert calendar["METHOD"] == "PUBLISH"
    event = calendar.events[0]
    assert event["SEQUENCE"] == 1
    assert event.start == session.starts_at
    (chair,) = _attendees(event)
    assert str(chair) == f"mailto:{trainer.email}"
    assert chair.params["ROLE"] == "CHAIR" and chair.params["RSVP"] == "FALSE"
    assert "/attendance/" in _text(change)  # the trainer's way to the attendance list

    # The attendee accepted for that day: the answer stands, the calendar says so.
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    updated = _mails_to(sink, attendee.email)[1]
    assert _attendees(_calendar(updated).events[0])[0].params["PARTSTAT"] == "ACCEPTED"
    assert "noch einmal" not in _text(updated)
    assert len(sink.ids) == len(set(sink.ids))


def test_an_english_person_following_the_mailed_link_gets_an_english_page(sink, rig):
    phase = factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE)
    english = factories.PersonFactory(first_name="Emma", language="en")
    with publish_to(rig.queue):
        rig.worker()
        rig.beat("one")  # picks up a row whose hand-off failed (e.g. SQLite busy under load)
        session = factories.training_session(phase=phase, people=[english])
        _wait_for(lambda: _mails_to(sink, english.email), 60, rig.worker_log)
    (message,) = _mails_to(sink, english.email)
    assert str(message["Subject"]) == f"Invitation: {session.title}"
    accept = re.search(r"Accept: (\S+)", _text(message)).group(1)

    client = Client()
    page = client.get(_path(accept), **GERMAN_BROWSER)
    assert page.status_code == 200
    assert '<html lang="en">' in page.text and page["Content-Language"] == "en"
    assert "Yes, I will attend" in page.text
    answered = client.post(_path(accept).split("?")[0], {"answer": "accept"}, **GERMAN_BROWSER)
    shown = client.get(answered["Location"], **GERMAN_BROWSER)
    assert "Thank you, your answer is saved." in shown.text
    assert session.invitations.get(person=english).status == InvitationStatus.ACCEPTED
