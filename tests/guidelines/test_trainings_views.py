"""Training pages: the whole cast on every view (deny: 404 for pages, 403/404 for actions,
nothing written), the trainer's attendance list, htmx toggling, and query counts at two
data sizes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guidelines.models import InvitationStatus, SessionStatus, TrainingInvitation, TrainingSession
from guidelines.services import trainings as services
from rollout.models import PhaseKind, Role
from tests import factories
from tests.conftest import CAST
from tests.helpers import expect_status

pytestmark = pytest.mark.django_db


def _denied(who: str) -> str:
    return "login" if who == "anonymous" else "404"


def _page(who: str) -> str:
    return "ok" if who == "manager" else _denied(who)


@pytest.fixture
def session(cast) -> TrainingSession:
    factories.PersonFactory(department=cast.department_a)
    return factories.training_session(
        phase=cast.rollout.phases.get(kind=PhaseKind.MOVE),
        departments=[cast.department_a],
        capacity=5,
    )


def _form_data(cast, **overrides) -> dict:
    day = datetime.date.today() + datetime.timedelta(days=10)
    data = {
        "kind": "workshop",
        "title": "LinkedIn für den Vertrieb",
        "description": "Profil, Netzwerk, erste Beiträge",
        "phase": cast.rollout.phases.get(kind=PhaseKind.MOVE).pk,
        "date": day.isoformat(),
        "start_time": "09:00",
        "end_time": "11:30",
        "room": "Schulungsraum 1",
        "capacity": "2",
        "departments": [cast.department_a.pk],
    }
    data.update(overrides)
    return data


# --- Pages for the manager only ---------------------------------------------------------------


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("name", ["training_list", "training_create", "training_trainers"])
def test_rollout_pages_are_for_the_manager(cast, session, who, name):
    response = cast.client(who).get(reverse(f"guidelines:{name}", args=[cast.rollout.pk]))
    expect_status(response, _page(who))


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("name", ["training_detail", "training_edit", "training_series"])
def test_session_pages_are_for_the_manager(cast, session, who, name):
    response = cast.client(who).get(reverse(f"guidelines:{name}", args=[session.pk]))
    expect_status(response, _page(who))
    if who == "manager" and name == "training_detail":
        assert session.title in response.text


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_schedules(cast, who):
    response = cast.client(who).post(
        reverse("guidelines:training_create", args=[cast.rollout.pk]), _form_data(cast)
    )
    expect_status(response, "redirect" if who == "manager" else _denied(who))
    assert TrainingSession.objects.count() == (1 if who == "manager" else 0)
    if who == "manager":
        session = TrainingSession.objects.get()
        assert session.capacity == 2
        # 09:00 Berlin time, whatever the season.
        local = session.starts_at.astimezone(datetime.timezone(datetime.timedelta(0)))
        assert local.hour in (7, 8)
        # head_a and the employee are in department A: invited.
        assert session.invitations.count() == 2


def test_schedule_form_errors_are_shown(cast):
    client = cast.client("manager")
    url = reverse("guidelines:training_create", args=[cast.rollout.pk])
    response = client.post(url, _form_data(cast, end_time="08:00", departments=[], room=""))
    assert response.status_code == 400
    assert TrainingSession.objects.count() == 0
    response = client.post(url, _form_data(cast, people="niemand@example.de"))
    assert response.status_code == 400
    assert "niemand@example.de" in response.text


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_edits(cast, session, who):
    data = _form_data(cast, title="Neuer Titel")
    response = cast.client(who).post(reverse("guidelines:training_edit", args=[session.pk]), data)
    expect_status(response, "redirect" if who == "manager" else _denied(who))
    session.refresh_from_db()
    assert (session.title == "Neuer Titel") == (who == "manager")
    assert session.sequence == (1 if who == "manager" else 0)


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_cancels(cast, session, who):
    response = cast.client(who).post(
        reverse("guidelines:training_cancel", args=[session.pk]), {"reason": "Krank"}
    )
    expect_status(response, "redirect" if who == "manager" else _denied(who))
    session.refresh_from_db()
    assert (session.status == SessionStatus.CANCELLED) == (who == "manager")


def test_cancel_needs_a_reason(cast, session):
    response = cast.client("manager").post(
        reverse("guidelines:training_cancel", args=[session.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_duplicates(cast, session, who):
    response = cast.client(who).post(
        reverse("guidelines:training_series", args=[session.pk]),
        {"departments": [cast.department_b.pk], "interval_days": 7},
    )
    expect_status(response, "redirect" if who == "manager" else _denied(who))
    assert TrainingSession.objects.count() == (2 if who == "manager" else 1)


# --- Attendance: the trainer or the manager ---------------------------------------------------


@pytest.fixture
def trainer(session):
    user = factories.UserFactory(roles=[Role.EMPLOYEE], full_name="Tim Trainer")
    person = factories.PersonFactory(email=user.email, user=user, department=None)
    TrainingSession.objects.filter(pk=session.pk).update(trainer=person)
    return user


def _client_for(cast, who, trainer):
    if who == "trainer":
        from django.test import Client

        client = Client()
        client.force_login(trainer)
        return client
    return cast.client(who)


@pytest.mark.parametrize("who", [*CAST, "trainer"])
def test_attendance_list_is_for_the_trainer_and_the_manager(cast, session, trainer, who):
    allowed = who in ("manager", "trainer")
    client = _client_for(cast, who, trainer)
    response = client.get(reverse("guidelines:training_attendance", args=[session.pk]))
    expect_status(response, "ok" if allowed else _denied(who))
    invitation = session.invitations.first()
    url = reverse("guidelines:training_attendance_toggle", args=[session.pk, invitation.pk])
    response = client.post(url, {"attended": "1"}, HTTP_HX_REQUEST="true")
    expect_status(response, "ok" if allowed else _denied(who))
    invitation.refresh_from_db()
    assert invitation.attended == allowed
    if allowed:
        assert f'id="attendee-{invitation.pk}"' in response.text
        assert 'aria-pressed="true"' in response.text
        assert 'id="attendance-counter"' in response.text  # out of band
    search = client.get(
        reverse("guidelines:training_walk_in_search", args=[session.pk]), {"q": "Anton"}
    )
    expect_status(search, "ok" if allowed else _denied(who))
    walk_in = client.post(
        reverse("guidelines:training_walk_in", args=[session.pk]),
        {"first_name": "Walter", "last_name": "Gast", "email": "walter@example.de"},
    )
    expect_status(walk_in, "redirect" if allowed else _denied(who))
    assert TrainingInvitation.objects.filter(person__email="walter@example.de").exists() == allowed


def test_toggle_without_htmx_redirects_and_unticks(cast, session):
    client = cast.client("manager")
    invitation = session.invitations.first()
    url = reverse("guidelines:training_attendance_toggle", args=[session.pk, invitation.pk])
    assert client.post(url, {"attended": "1"}).status_code == 302
    assert client.post(url, {"attended": "0"}).status_code == 302
    invitation.refresh_from_db()
    assert not invitation.attended


def test_an_invitation_of_another_session_is_404(cast, session):
    other = factories.training_session(
        phase=session.phase, departments=[cast.department_b], title="Andere"
    )
    invitation = other.invitations.first()
    url = reverse("guidelines:training_attendance_toggle", args=[session.pk, invitation.pk])
    assert cast.client("manager").post(url, {"attended": "1"}).status_code == 404


def test_walk_in_search_finds_people_not_on_the_list(cast, session):
    factories.PersonFactory(first_name="Gisela", last_name="Gastfreund", department=None)
    response = cast.client("manager").get(
        reverse("guidelines:training_walk_in_search", args=[session.pk]),
        {"q": "Gastfreund"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Gisela Gastfreund" in response.text


# --- Signed links are for anyone with the link ------------------------------------------------


@pytest.mark.parametrize("who", CAST)
def test_rsvp_link_works_for_anyone_holding_it(cast, session, who):
    invitation = session.invitations.first()
    url = reverse("guidelines:training_rsvp", args=[services.rsvp_token(invitation)])
    response = cast.client(who).post(url, {"answer": "accept"})
    assert response.status_code == 302 and response["Location"] == f"{url}?done=saved"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED


# --- Query counts at two data sizes -----------------------------------------------------------


def _queries(request) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code == 200
    return len(queries)


def _grow(cast, session, *, people: int, sessions: int) -> None:
    trainer = factories.PersonFactory(department=None)
    for _ in range(people):
        factories.PersonFactory(department=cast.department_a)
    services.training_invite_audience(session=session)
    for index, invitation in enumerate(session.invitations.all()):
        if index % 2:
            services.attendance_set(invitation=invitation, attended=True, by=None)
            services.feedback_submit(invitation=invitation, rating=1 + index % 5, comment="ok")
        else:
            services.invitation_respond(invitation=invitation, answer="accept")
    for _ in range(sessions):
        factories.training_session(
            phase=session.phase, departments=[cast.department_b], trainer=trainer
        )


@pytest.mark.parametrize(
    ("name", "on_session"),
    [
        ("training_list", False),
        ("training_trainers", False),
        ("training_create", False),
        ("training_detail", True),
        ("training_edit", True),
        ("training_attendance", True),
    ],
)
def test_query_counts_do_not_grow(cast, session, name, on_session):
    client = cast.client("manager")
    url = reverse(f"guidelines:{name}", args=[session.pk if on_session else cast.rollout.pk])
    _grow(cast, session, people=2, sessions=1)
    small = _queries(lambda: client.get(url))
    _grow(cast, session, people=25, sessions=8)
    large = _queries(lambda: client.get(url))
    assert small == large, f"{name}: {small} queries with little data, {large} with more"
    assert large <= 16


def test_rsvp_page_query_count(cast, session):
    invitation = session.invitations.first()
    url = reverse("guidelines:training_rsvp", args=[services.rsvp_token(invitation)])
    from django.test import Client

    client = Client()
    small = _queries(lambda: client.get(url))
    _grow(cast, session, people=20, sessions=3)
    assert _queries(lambda: client.get(url)) == small


def test_unknown_ids_are_404_for_the_manager(cast):
    client = cast.client("manager")
    for name in ("training_list", "training_create", "training_trainers"):
        assert client.get(reverse(f"guidelines:{name}", args=[99999])).status_code == 404
    for name in ("training_detail", "training_edit", "training_series", "training_attendance"):
        assert client.get(reverse(f"guidelines:{name}", args=[99999])).status_code == 404
    url = reverse("guidelines:training_cancel", args=[99999])
    assert client.post(url, {"reason": "x"}).status_code == 404


def test_a_time_change_from_the_edit_page_resends(
    cast, session, django_capture_on_commit_callbacks
):
    from django.core import mail

    invitation = session.invitations.first()
    services.invitation_respond(invitation=invitation, answer="accept")
    mail.outbox.clear()
    data = _form_data(cast, start_time="13:00", end_time="15:00", capacity="5")
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client("manager").post(
            reverse("guidelines:training_edit", args=[session.pk]), data
        )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.sequence == 1
    assert invitation.person.email in [m.to[0].split("<")[-1].rstrip(">") for m in mail.outbox]
    assert all("invite.ics" in [a[0] for a in m.attachments] for m in mail.outbox)
