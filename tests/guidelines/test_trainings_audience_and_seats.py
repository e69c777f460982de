"""Issue 16, trainings: people taken out of a session's audience get a cancellation with
METHOD:CANCEL; waitlisted people are told their place (mail and RSVP page); lowering the seats
below the acceptances asks the manager, on the edit page, who moves to the waitlist."""

import re
import zoneinfo

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from guidelines.models import InvitationStatus, TrainingInvitation
from guidelines.services import trainings as services
from notifications.models import Notification, NotificationState
from rollout.models import PhaseKind
from tests import factories

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


def _mails_to(email: str) -> list:
    return [m for m in mail.outbox if any(email in to for to in m.to)]


def _calendar(message) -> icalendar.Calendar:
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    return icalendar.Calendar.from_ical(attachment[1])


def _of(session, person) -> TrainingInvitation:
    return session.invitations.select_related("person").get(person=person)


@pytest.fixture
def phase():
    return factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE)


@pytest.fixture
def sales():
    return factories.DepartmentFactory(name="Vertrieb Nord")


@pytest.fixture
def service():
    return factories.DepartmentFactory(name="Kundendienst")


# --- Taken out of the audience ----------------------------------------------------------------


def test_people_taken_out_of_the_audience_get_a_cancellation(
    phase, sales, service, django_capture_on_commit_callbacks
):
    stays = factories.PersonFactory(department=sales)
    accepted = factories.PersonFactory(department=service, language="en")
    declined = factories.PersonFactory(department=service)
    waiting = factories.PersonFactory(department=service)
    with django_capture_on_commit_callbacks(execute=True):
        session = factories.training_session(phase=phase, departments=[sales, service], capacity=2)
    services.invitation_respond(invitation=_of(session, accepted), answer="accept")
    services.invitation_respond(invitation=_of(session, declined), answer="decline")
    services.invitation_respond(invitation=_of(session, stays), answer="accept")
    services.invitation_respond(invitation=_of(session, waiting), answer="accept")
    assert _of(session, waiting).status == InvitationStatus.WAITLISTED
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        session, changed = services.training_session_update(
            session=session, by=None, departments=[sales]
        )
    assert changed == ["audience"]
    assert list(session.invitations.values_list("person", flat=True)) == [stays.pk]
    message = _mails_to(accepted.email)
    assert len(message) == 1
    assert message[0].subject == f"No longer invited: {session.title}"  # in their language
    assert "its audience has changed" in message[0].body
    calendar = _calendar(message[0])
    assert calendar["METHOD"] == "CANCEL"
    event = calendar.events[0]
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == f"training-{session.uid}@changehub"
    assert str(event["ATTENDEE"]) == f"mailto:{accepted.email}"
    (german,) = _mails_to(waiting.email)
    assert german.subject == f"Nicht mehr eingeladen: {session.title}"
    assert _mails_to(declined.email) == []  # nothing in their calendar to take out
    assert _mails_to(stays.email) == []  # nothing changed for them

    # Saved again: nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        services.training_session_update(session=session, by=None, departments=[sales])
    assert len(_mails_to(accepted.email)) == 1


def test_a_person_taken_out_frees_the_seat_for_the_waitlist(
    phase, sales, service, django_capture_on_commit_callbacks
):
    leaving = factories.PersonFactory(department=service)
    waiting = factories.PersonFactory(department=sales)
    with django_capture_on_commit_callbacks(execute=True):
        session = factories.training_session(phase=phase, departments=[sales, service], capacity=1)
    services.invitation_respond(invitation=_of(session, leaving), answer="accept")
    services.invitation_respond(invitation=_of(session, waiting), answer="accept")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.training_session_update(session=session, by=None, departments=[sales])
    assert _of(session, waiting).status == InvitationStatus.ACCEPTED
    assert [m.subject for m in _mails_to(waiting.email)] == [
        f"Sie haben einen Platz: {session.title}"
    ]


def test_a_person_put_back_is_invited_again_and_the_pending_cancellation_withdrawn(
    phase, sales, service, settings
):
    person = factories.PersonFactory(department=service)
    session = factories.training_session(phase=phase, departments=[sales, service])
    services.training_session_update(session=session, by=None, departments=[sales])
    cancellation = Notification.objects.get(kind="training_cancelled", person=person)
    assert cancellation.state == NotificationState.PENDING  # not sent yet (no commit here)
    services.training_session_update(session=session, by=None, departments=[sales, service])
    assert _of(session, person).status == InvitationStatus.INVITED
    from notifications.emails import NotificationObsolete, notification_message

    with pytest.raises(NotificationObsolete):
        notification_message(cancellation)


def test_attendees_and_walk_ins_keep_their_row(phase, sales, service):
    attended = factories.PersonFactory(department=service)
    session = factories.training_session(phase=phase, departments=[sales, service])
    services.attendance_set(invitation=_of(session, attended), attended=True, by=None)
    walk_in, _created = services.attendance_add_walk_in(
        session=session, by=None, first_name="Wanda", last_name="Walk", email="wanda@example.de"
    )
    services.training_session_update(session=session, by=None, departments=[sales])
    assert set(session.invitations.values_list("pk", flat=True)) == {
        _of(session, attended).pk,
        walk_in.pk,
    }
    assert not Notification.objects.filter(kind="training_cancelled").exists()


def test_a_changed_role_audience_also_withdraws(phase, sales):
    champion = factories.PersonFactory(department=None)
    factories.StakeholderFactory(rollout=phase.rollout, person=champion, role="champion")
    session = factories.training_session(phase=phase, departments=[sales], roles=["champion"])
    assert session.invitations.filter(person=champion).exists()
    session, changed = services.training_session_update(session=session, by=None, audience_roles=[])
    assert "audience_roles" in changed
    assert not session.invitations.filter(person=champion).exists()
    assert Notification.objects.filter(kind="training_cancelled", person=champion).count() == 1


# --- The waitlist place -------------------------------------------------------------------------


def test_the_rsvp_page_tells_the_waitlist_place(phase, sales):
    people = [factories.PersonFactory(department=sales) for _ in range(3)]
    session = factories.training_session(phase=phase, departments=[sales], capacity=1)
    for person in people:
        services.invitation_respond(invitation=_of(session, person), answer="accept")
    third = _of(session, people[2])
    url = reverse("guidelines:training_rsvp", args=[services.rsvp_token(third)])
    page = Client().get(url, **GERMAN).text
    place = re.search(r'id="waitlist-place">(.*?)</strong>', page).group(1)
    assert place == "Sie sind Nummer 2 auf der Warteliste."
    # The first on the waitlist takes the seat: the third moves up.
    services.invitation_respond(invitation=_of(session, people[0]), answer="decline")
    page = Client().get(url, **GERMAN).text
    assert "Sie sind Nummer 1 auf der Warteliste." in page


def test_a_changed_session_tells_the_waitlisted_their_place(
    phase, sales, django_capture_on_commit_callbacks
):
    seated, waiting = (
        factories.PersonFactory(department=sales),
        factories.PersonFactory(department=sales, language="en"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        session = factories.training_session(phase=phase, departments=[sales], capacity=1)
    services.invitation_respond(invitation=_of(session, seated), answer="accept")
    services.invitation_respond(invitation=_of(session, waiting), answer="accept")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.training_session_update(session=session, by=None, room="Raum 3.01")
    (message,) = _mails_to(waiting.email)
    assert "You are number 1 on the waitlist." in message.body
    assert 'id="waitlist-place"' in message.alternatives[0][0]
    assert "waitlist" not in _mails_to(seated.email)[0].body.split("Accept:")[0]


# --- Fewer seats than acceptances ----------------------------------------------------------------


def _accepted_session(phase, sales, n: int, capacity: int):
    people = [factories.PersonFactory(department=sales) for _ in range(n)]
    session = factories.training_session(phase=phase, departments=[sales], capacity=capacity)
    for person in people:
        services.invitation_respond(invitation=_of(session, person), answer="accept")
    return session, [_of(session, person) for person in people]


def test_fewer_seats_need_the_choice_of_who_moves(phase, sales):
    session, invitations = _accepted_session(phase, sales, 3, 3)
    with pytest.raises(ValidationError) as refused:
        services.training_session_update(session=session, by=None, capacity=1)
    assert "to_waitlist" in refused.value.message_dict
    with pytest.raises(ValidationError):  # one chosen, two needed
        services.training_session_update(
            session=session, by=None, capacity=1, to_waitlist=[invitations[0].pk]
        )
    session.refresh_from_db()
    assert session.capacity == 3  # nothing written
    assert session.invitations.filter(status=InvitationStatus.ACCEPTED).count() == 3


def test_the_chosen_move_to_the_front_of_the_waitlist_and_are_told(
    phase, sales, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session, (first, second, third) = _accepted_session(phase, sales, 3, 3)
    late = factories.PersonFactory(department=sales)
    services.training_invite_audience(session=session)
    services.invitation_respond(invitation=_of(session, late), answer="accept")
    assert _of(session, late).status == InvitationStatus.WAITLISTED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        session, changed = services.training_session_update(
            session=session, by=None, capacity=1, to_waitlist=[third.pk, second.pk]
        )
    assert changed == ["capacity"]
    order = list(
        session.invitations.filter(status=InvitationStatus.WAITLISTED)
        .order_by("waitlisted_at", "pk")
        .values_list("person_id", flat=True)
    )
    assert order == [second.person_id, third.person_id, late.pk]
    assert _of(session, first.person).status == InvitationStatus.ACCEPTED
    (message,) = _mails_to(second.person.email)
    assert message.subject == f"Warteliste: {session.title}"
    assert "Sie sind Nummer 1 auf der Warteliste." in message.body
    assert _calendar(message).events[0]["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert "Sie sind Nummer 2 auf der Warteliste." in _mails_to(third.person.email)[0].body
    assert _mails_to(first.person.email) == []
    # The one already waiting only gets the invitation that had not gone out yet.
    assert [m.subject for m in _mails_to(late.email)] == [f"Einladung: {session.title}"]


def _edit_data(session, **overrides) -> dict:
    start = session.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
    end = session.ends_at.astimezone(start.tzinfo)
    data = {
        "kind": session.kind,
        "title": session.title,
        "description": session.description,
        "phase": session.phase_id,
        "date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "room": session.room,
        "capacity": str(session.capacity),
        "departments": [d.pk for d in session.audience_departments.all()],
    }
    data.update(overrides)
    return data


def test_the_edit_page_asks_who_moves_to_the_waitlist(cast, django_capture_on_commit_callbacks):
    phase = cast.rollout.phases.get(kind=PhaseKind.MOVE)
    with django_capture_on_commit_callbacks(execute=True):
        session, (first, second, _third) = _accepted_session(phase, cast.department_a, 3, 3)
    mail.outbox.clear()
    client = cast.client("manager")
    url = reverse("guidelines:training_edit", args=[session.pk])

    # Step 1: fewer seats; the page comes back asking who moves, nothing is written.
    response = client.post(url, _edit_data(session, capacity="2"), **GERMAN)
    assert response.status_code == 400
    page = response.text
    assert 'id="waitlist-choice"' in page
    assert "Weniger Plätze als Zusagen: 1 Person kommt auf die Warteliste" in page
    assert page.count('name="to_waitlist"') == 3
    assert first.person.full_name in page
    session.refresh_from_db()
    assert session.capacity == 3

    # Step 2: the choice is made; saved, and a double submit changes nothing more.
    data = _edit_data(session, capacity="2", to_waitlist=[second.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, **GERMAN)
    assert response.status_code == 302
    assert _of(session, second.person).status == InvitationStatus.WAITLISTED
    detail = client.get(response["Location"], **GERMAN).text
    assert "1 Person ist an den Anfang der Warteliste gekommen" in detail
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, data, **GERMAN)
    assert again.status_code == 302
    assert session.invitations.filter(status=InvitationStatus.WAITLISTED).count() == 1
    assert len(_mails_to(second.person.email)) == 1


def test_the_edit_page_without_excess_shows_no_choice(cast):
    phase = cast.rollout.phases.get(kind=PhaseKind.MOVE)
    session, _invitations = _accepted_session(phase, cast.department_a, 2, 3)
    client = cast.client("manager")
    url = reverse("guidelines:training_edit", args=[session.pk])
    assert 'id="waitlist-choice"' not in client.get(url, **GERMAN).text
    response = client.post(url, _edit_data(session, capacity="2"), **GERMAN)
    assert response.status_code == 302


def test_the_old_answer_link_of_someone_taken_out_says_the_invitation_is_withdrawn(
    phase, sales, service
):
    person = factories.PersonFactory(department=service)
    session = factories.training_session(phase=phase, departments=[sales, service])
    token = services.rsvp_token(_of(session, person))
    services.training_session_update(session=session, by=None, departments=[sales])
    url = reverse("guidelines:training_rsvp", args=[token])
    page = Client().get(f"{url}?answer=accept", **GERMAN)
    assert page.status_code == 410
    assert "Diese Einladung wurde zurückgezogen" in page.text
    assert Client().post(url, {"answer": "accept"}, **GERMAN).status_code == 410
    renew = reverse("guidelines:training_rsvp_renew", args=[token])
    assert Client().post(renew, **GERMAN).status_code == 410
    assert not session.invitations.filter(person=person).exists()


def test_people_leaving_the_audience_count_as_free_seats_in_the_choice(
    cast, django_capture_on_commit_callbacks
):
    phase = cast.rollout.phases.get(kind=PhaseKind.MOVE)
    with django_capture_on_commit_callbacks(execute=True):
        session, (first, second) = _accepted_session(phase, cast.department_a, 2, 3)
        leaving = factories.PersonFactory(department=cast.department_b)
        session, _changed = services.training_session_update(
            session=session, by=None, departments=[cast.department_a, cast.department_b]
        )
    services.invitation_respond(invitation=_of(session, leaving), answer="accept")
    client = cast.client("manager")
    url = reverse("guidelines:training_edit", args=[session.pk])
    # Department B leaves and the seats go from 3 to 2: the two who stay fit, no choice.
    data = _edit_data(session, capacity="2", departments=[cast.department_a.pk])
    response = client.post(url, data, **GERMAN)
    assert response.status_code == 302
    assert not session.invitations.filter(person=leaving).exists()
    assert session.invitations.filter(status=InvitationStatus.ACCEPTED).count() == 2
    # Down to 1 seat: only the two who stay are offered, and one of them is chosen.
    response = client.post(url, _edit_data(session, capacity="1"), **GERMAN)
    assert response.status_code == 400
    assert response.text.count('name="to_waitlist"') == 2
    data = _edit_data(session, capacity="1", to_waitlist=[first.pk])
    assert client.post(url, data, **GERMAN).status_code == 302
    assert _of(session, first.person).status == InvitationStatus.WAITLISTED
    assert _of(session, second.person).status == InvitationStatus.ACCEPTED
