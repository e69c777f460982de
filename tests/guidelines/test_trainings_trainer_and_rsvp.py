"""Issue 16, the training parts: the .ics never asks for a calendar reply (parsed back with
icalendar); the trainer gets the invitation with an .ics naming them CHAIR, every change and
the cancellation, and the attendance link opens after sign-in; accepted answers survive a
later time on the same day but not a new day; the RSVP link records its answer with one
button, once, and shows it in the person's language."""

import datetime
import re

import icalendar
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from guidelines import ics
from guidelines.models import InvitationStatus
from guidelines.services import trainings as services
from rollout.models import PhaseKind
from tests import factories

pytestmark = pytest.mark.django_db


def _mails_to(email: str) -> list:
    return [m for m in mail.outbox if any(email in to for to in m.to)]


def _ics(message) -> tuple[icalendar.Calendar, str, str]:
    """The parsed calendar, its raw text and its MIME type."""
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    _name, content, mimetype = attachment
    raw = content.decode() if isinstance(content, bytes) else content
    return icalendar.Calendar.from_ical(raw), raw, mimetype


def _attendees(event) -> list:
    attendees = event.get("ATTENDEE", [])
    return attendees if isinstance(attendees, list) else [attendees]


def _never_asks_for_a_reply(calendar: icalendar.Calendar, raw: str) -> None:
    assert calendar["METHOD"] in ("PUBLISH", "CANCEL")
    assert "RSVP=TRUE" not in raw.upper()
    for event in calendar.events:
        for attendee in _attendees(event):
            assert attendee.params["RSVP"] == "FALSE"


@pytest.fixture
def phase():
    return factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE)


@pytest.fixture
def sales():
    return factories.DepartmentFactory(name="Vertrieb Nord")


@pytest.fixture
def trainer():
    user = factories.UserFactory(full_name="Tina Trainer", email="tina.trainer@example.de")
    return factories.PersonFactory(
        first_name="Tina", last_name="Trainer", email=user.email, user=user, department=None
    )


def _schedule(phase, capture, **kwargs):
    with capture(execute=True):
        return factories.training_session(phase=phase, **kwargs)


def _invitation_of(session, person):
    return session.invitations.select_related("person").get(person=person)


# --- Calendar replies ------------------------------------------------------------------------


def test_no_calendar_file_invites_a_reply(phase, sales, django_capture_on_commit_callbacks):
    anna = factories.PersonFactory(department=sales)
    session = _schedule(phase, django_capture_on_commit_callbacks, departments=[sales])
    (message,) = _mails_to(anna.email)
    calendar, raw, mimetype = _ics(message)
    _never_asks_for_a_reply(calendar, raw)
    assert calendar["METHOD"] == "PUBLISH" and mimetype.endswith("method=PUBLISH")
    (attendee,) = _attendees(calendar.events[0])
    assert str(attendee) == f"mailto:{anna.email}"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    # The only way to answer: the personal link, in the mail and in the event's description.
    assert "/t/training/" in str(calendar.events[0]["DESCRIPTION"])
    assert "?answer=accept" in message.body

    services.invitation_respond(invitation=_invitation_of(session, anna), answer="accept")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.training_session_cancel(session=session, reason="Raum fehlt", by=None)
    (message,) = _mails_to(anna.email)
    calendar, raw, mimetype = _ics(message)
    _never_asks_for_a_reply(calendar, raw)
    assert calendar["METHOD"] == "CANCEL" and mimetype.endswith("method=CANCEL")


# --- The trainer is part of the session -------------------------------------------------------


def test_the_trainer_gets_invitation_changes_and_cancellation(
    phase, sales, trainer, django_capture_on_commit_callbacks
):
    factories.PersonFactory(department=sales)
    session = _schedule(
        phase, django_capture_on_commit_callbacks, departments=[sales], trainer=trainer
    )
    assert not session.invitations.filter(person=trainer).exists()  # no seat for the trainer
    (message,) = _mails_to(trainer.email)
    assert message.subject == f"Sie leiten die Schulung: {session.title}"
    attendance = reverse("guidelines:training_attendance", args=[session.pk])
    assert attendance in message.body
    assert "/t/training/" not in message.body  # nothing to answer
    calendar, raw, _mimetype = _ics(message)
    _never_asks_for_a_reply(calendar, raw)
    event = calendar.events[0]
    (chair,) = _attendees(event)
    assert str(chair) == f"mailto:{trainer.email}"
    assert chair.params["ROLE"] == "CHAIR"
    assert chair.params["PARTSTAT"] == "ACCEPTED"
    assert event["SEQUENCE"] == 0
    assert str(event["UID"]) == ics.session_uid(session)

    # A change of the event reaches the trainer with the new revision.
    mail.outbox.clear()
    later = datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        session, _changed = services.training_session_update(
            session=session,
            starts_at=session.starts_at + later,
            ends_at=session.ends_at + later,
            by=None,
        )
    (message,) = _mails_to(trainer.email)
    assert message.subject == f"Geändert: {session.title}"
    calendar, raw, _mimetype = _ics(message)
    _never_asks_for_a_reply(calendar, raw)
    assert calendar.events[0]["SEQUENCE"] == 1
    assert calendar.events[0].start == session.starts_at
    assert _attendees(calendar.events[0])[0].params["ROLE"] == "CHAIR"

    # A change that is not about the event (the seats) sends the trainer nothing.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.training_session_update(session=session, capacity=12, by=None)
    assert _mails_to(trainer.email) == []

    # The cancellation.
    with django_capture_on_commit_callbacks(execute=True):
        services.training_session_cancel(session=session, reason="Trainerin krank", by=None)
    (message,) = _mails_to(trainer.email)
    assert message.subject == f"Abgesagt: {session.title}"
    assert "Trainerin krank" in message.body
    calendar, raw, _mimetype = _ics(message)
    _never_asks_for_a_reply(calendar, raw)
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.events[0]["SEQUENCE"] == 2
    assert _attendees(calendar.events[0])[0].params["ROLE"] == "CHAIR"


def test_a_replaced_trainer_loses_the_event_and_the_new_one_gets_it(
    phase, sales, trainer, django_capture_on_commit_callbacks
):
    session = _schedule(
        phase, django_capture_on_commit_callbacks, departments=[sales], trainer=trainer
    )
    successor = factories.PersonFactory(first_name="Udo", department=None)  # no account
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.training_session_update(session=session, trainer=successor, by=None)
    (gone,) = _mails_to(trainer.email)
    assert gone.subject == f"Nicht mehr Ihre Schulung: {session.title}"
    calendar, raw, _mimetype = _ics(gone)
    _never_asks_for_a_reply(calendar, raw)
    assert calendar["METHOD"] == "CANCEL"
    assert str(calendar.events[0]["UID"]) == ics.session_uid(session)
    (new,) = _mails_to(successor.email)
    assert new.subject == f"Sie leiten die Schulung: {session.title}"
    assert "/attendance/" not in new.body  # no account: the manager ticks attendance
    assert _attendees(_ics(new)[0].events[0])[0].params["ROLE"] == "CHAIR"

    # Back to the first trainer: invited again, though nothing else changed.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.training_session_update(session=session, trainer=trainer, by=None)
    (again,) = _mails_to(trainer.email)
    assert again.subject == f"Sie leiten die Schulung: {session.title}"
    assert len(_mails_to(successor.email)) == 1


def test_a_trainer_who_left_gets_nothing(phase, sales, django_capture_on_commit_callbacks):
    gone = factories.PersonFactory(department=None, is_active=False)
    _schedule(phase, django_capture_on_commit_callbacks, departments=[sales], trainer=gone)
    assert _mails_to(gone.email) == []


def test_the_attendance_link_opens_the_list_after_sign_in(
    phase, sales, trainer, django_capture_on_commit_callbacks
):
    session = _schedule(
        phase, django_capture_on_commit_callbacks, departments=[sales], trainer=trainer
    )
    (message,) = _mails_to(trainer.email)
    link = re.search(r"https?://\S+(/trainings/\d+/attendance/)", message.body).group(1)
    login = reverse("login")

    # With the password.
    client = Client()
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == f"{login}?next={link}"
    response = client.post(
        login,
        {"username": trainer.email, "password": factories.DEFAULT_PASSWORD, "next": link},
    )
    assert response.status_code == 302 and response["Location"] == link
    page = client.get(link)
    assert page.status_code == 200
    assert session.title in page.text

    # Without a password: the login page's "sign-in link" keeps where the trainer was going.
    mail.outbox.clear()
    client = Client()
    login_page = client.get(client.get(link)["Location"])
    offer = re.search(r'href="([^"]+)" id="login-link-offer"', login_page.text).group(1)
    assert offer.startswith(reverse("rollout:login_link_request"))
    with django_capture_on_commit_callbacks(execute=True):
        request_page = client.get(offer.replace("&amp;", "&"))
        assert f'value="{link}"' in request_page.text
        client.post(offer, {"email": trainer.email, "next": link})
    (sign_in,) = _mails_to(trainer.email)
    path = re.search(r"https?://\S+(/accounts/sign-in-link/\S+/)", sign_in.body).group(1)
    assert client.get(path).status_code == 200  # one button: nothing used yet
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == link
    assert client.get(link).status_code == 200


# --- Answers after a change -----------------------------------------------------------------


def test_answers_survive_a_time_change_but_not_a_new_day(
    phase, sales, django_capture_on_commit_callbacks
):
    accepted, maybe, declined, waiting = (
        factories.PersonFactory(department=sales) for _ in range(4)
    )
    session = _schedule(phase, django_capture_on_commit_callbacks, departments=[sales], capacity=1)
    for person, answer in (
        (accepted, "accept"),
        (maybe, "maybe"),
        (declined, "decline"),
        (waiting, "accept"),
    ):
        services.invitation_respond(invitation=_invitation_of(session, person), answer=answer)

    def statuses():
        return dict(session.invitations.values_list("person_id", "status"))

    before = statuses()
    assert before[waiting.pk] == InvitationStatus.WAITLISTED

    # Two hours later on the same day: every answer stays.
    mail.outbox.clear()
    later = datetime.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        session, _changed = services.training_session_update(
            session=session,
            starts_at=session.starts_at + later,
            ends_at=session.ends_at + later,
            by=None,
        )
    assert statuses() == before
    (message,) = _mails_to(accepted.email)
    assert message.subject == f"Geändert: {session.title}"
    assert _attendees(_ics(message)[0].events[0])[0].params["PARTSTAT"] == "ACCEPTED"

    # A new day: everyone who had not declined answers again; the declined get nothing.
    mail.outbox.clear()
    next_day = datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        session, _changed = services.training_session_update(
            session=session,
            starts_at=session.starts_at + next_day,
            ends_at=session.ends_at + next_day,
            by=None,
        )
    after = statuses()
    assert after[declined.pk] == InvitationStatus.DECLINED
    for person in (accepted, maybe, waiting):
        assert after[person.pk] == InvitationStatus.INVITED
        (message,) = _mails_to(person.email)
        assert message.subject == f"Neuer Tag: {session.title}"
        assert "Bitte antworten Sie für den neuen Tag noch einmal." in message.body
        assert "?answer=accept" in message.body
        calendar, raw, _mimetype = _ics(message)
        _never_asks_for_a_reply(calendar, raw)
        assert _attendees(calendar.events[0])[0].params["PARTSTAT"] == "NEEDS-ACTION"
    assert _mails_to(declined.email) == []
    assert not session.invitations.filter(waitlisted_at__isnull=False).exists()


# --- RSVP in one click ------------------------------------------------------------------------


def _rsvp_url(invitation) -> str:
    return reverse("guidelines:training_rsvp", args=[services.rsvp_token(invitation)])


def _buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit"[^>]*id="(answer-[a-z]+)"', html)


@pytest.mark.parametrize(
    ("language", "answer", "button", "shown"),
    [
        ("de", "accept", "Ja, ich nehme teil", "Zugesagt"),
        ("en", "accept", "Yes, I will attend", "Accepted"),
        ("de", "decline", "Nein, ich kann nicht teilnehmen", "Abgesagt"),
        ("en", "maybe", "Maybe, I am not sure yet", "Maybe"),
    ],
)
def test_the_mail_link_records_its_answer_with_one_button(
    phase, sales, language, answer, button, shown
):
    person = factories.PersonFactory(department=sales, language=language)
    session = factories.training_session(phase=phase, departments=[sales])
    invitation = _invitation_of(session, person)
    url = _rsvp_url(invitation)
    client = Client(HTTP_ACCEPT_LANGUAGE="de" if language == "en" else "en")

    # The mail scanner's GET (and the person's): one button, the answer of the link only.
    page = client.get(f"{url}?answer={answer}")
    assert page.status_code == 200
    assert _buttons(page.text) == [f"answer-{answer}"]
    assert button in page.text
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.INVITED and invitation.responded_at is None

    # The one click: recorded, and the page shows the recorded answer in the person's language.
    response = client.post(url, {"answer": answer})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?done=saved"
    page = client.get(response["Location"])
    assert 'id="rsvp-saved"' in page.text
    status = re.search(r'id="rsvp-status">.*?<strong>(.*?)</strong>', page.text).group(1)
    assert status == shown
    invitation.refresh_from_db()
    answered_at = invitation.responded_at
    assert answered_at is not None

    # A reload and a double click record nothing more.
    assert client.get(response["Location"]).status_code == 200
    second = client.post(url, {"answer": answer})
    assert second["Location"] == f"{url}?done=same"
    assert 'id="rsvp-unchanged"' in client.get(second["Location"]).text
    invitation.refresh_from_db()
    assert invitation.responded_at == answered_at
    # The mail link opened again shows the answer instead of the button.
    again = client.get(f"{url}?answer={answer}")
    assert f'id="answer-{answer}" class="button"' not in again.text
    assert "rsvp-confirm" not in again.text


def test_a_double_click_on_accept_takes_one_seat(phase, sales):
    first, second = (factories.PersonFactory(department=sales) for _ in range(2))
    session = factories.training_session(phase=phase, departments=[sales], capacity=1)
    client = Client()
    url = _rsvp_url(_invitation_of(session, first))
    for _ in range(2):
        client.post(url, {"answer": "accept"})
    services.invitation_respond(invitation=_invitation_of(session, second), answer="accept")
    statuses = dict(session.invitations.values_list("person_id", "status"))
    assert statuses == {
        first.pk: InvitationStatus.ACCEPTED,
        second.pk: InvitationStatus.WAITLISTED,
    }


def test_a_link_with_an_unknown_answer_offers_the_three(phase, sales):
    person = factories.PersonFactory(department=sales)
    session = factories.training_session(phase=phase, departments=[sales])
    page = Client().get(f"{_rsvp_url(_invitation_of(session, person))}?answer=yes-please")
    assert page.status_code == 200
    assert _buttons(page.text) == ["answer-accept", "answer-maybe", "answer-decline"]
