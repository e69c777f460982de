"""Training sessions: invitations with .ics files parsed back, answers with capacity and
waitlist, replayed and expired links, changes and cancellation, attendance, feedback and
coverage."""

import datetime
import re
import zoneinfo

import icalendar
import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from guidelines import ics
from guidelines.models import (
    InvitationStatus,
    SessionStatus,
    TrainingFeedback,
    TrainingInvitation,
    TrainingKind,
)
from guidelines.selectors import trainings as selectors
from guidelines.services import trainings as services
from notifications.models import Notification, NotificationState
from rollout.models import PhaseKind, StakeholderRole
from rollout.selectors.core import RolloutSignals
from tests import factories

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _people(department, count, **kwargs):
    return [factories.PersonFactory(department=department, **kwargs) for _ in range(count)]


def _calendar(message) -> icalendar.Calendar:
    files = [a for a in message.attachments if a[0].endswith(".ics")]
    assert len(files) == 1, message.attachments
    content = files[0][1]
    return icalendar.Calendar.from_ical(content if isinstance(content, bytes) else content.encode())


def _mails_to(email: str) -> list:
    return [m for m in mail.outbox if any(email in to for to in m.to)]


@pytest.fixture
def phase():
    return factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE)


@pytest.fixture
def sales():
    return factories.DepartmentFactory(name="Vertrieb Süd")


def _schedule(phase, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return factories.training_session(phase=phase, **kwargs)


# --- Invitations and the calendar file --------------------------------------------------------


def test_invitation_email_has_a_parseable_ics(phase, sales, django_capture_on_commit_callbacks):
    anna, *_ = _people(sales, 2, first_name="Anna")
    anna.language = "en"
    anna.save(update_fields=["language"])
    trainer = factories.PersonFactory(first_name="Tina", last_name="Trainer", department=None)
    session = _schedule(
        phase, django_capture_on_commit_callbacks, departments=[sales], trainer=trainer
    )
    assert session.invitations.count() == 2
    # Two invitations, and the trainer's copy of the invitation (about the session).
    assert Notification.objects.filter(kind="training_invitation").count() == 3
    message = _mails_to(anna.email)[0]
    assert message.subject == f"Invitation: {session.title}"  # in Anna's language
    calendar = _calendar(message)
    assert calendar["METHOD"] == "PUBLISH"  # never asks the no-reply organizer for a reply
    event = calendar.events[0]
    assert str(event["UID"]) == f"training-{session.uid}@changehub"
    assert event["SEQUENCE"] == 0
    assert event.start == session.starts_at
    assert str(event.start.tzinfo) == "Europe/Berlin"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{anna.email}"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    # The answer links are in the mail body and work without a password.
    link = re.search(r"/t/training/([^/]+)/\?answer=accept", message.body)
    pk = services.invitation_id_from_token(
        link.group(1), salt=services.RSVP_SALT, max_age=services.RSVP_MAX_AGE
    )
    assert pk == session.invitations.get(person=anna).pk


def test_the_trainer_is_not_invited(phase, sales, django_capture_on_commit_callbacks):
    trainer, other = _people(sales, 2)
    session = _schedule(
        phase, django_capture_on_commit_callbacks, departments=[sales], trainer=trainer
    )
    assert list(session.invitations.values_list("person", flat=True)) == [other.pk]


def test_audience_from_roles_and_people_once_each(phase, sales):
    champion = factories.PersonFactory(department=None)
    factories.StakeholderFactory(
        rollout=phase.rollout, person=champion, role=StakeholderRole.CHAMPION
    )
    member = factories.PersonFactory(department=sales)
    factories.PersonFactory(department=sales, is_active=False)
    session = factories.training_session(
        phase=phase, departments=[sales], roles=[StakeholderRole.CHAMPION], people=[member]
    )
    invited = set(session.invitations.values_list("person", flat=True))
    assert invited == {champion.pk, member.pk}
    # Inviting again invites nobody twice.
    assert services.training_invite_audience(session=session) == 0
    assert session.invitations.count() == 2


@pytest.mark.parametrize(
    ("day", "hour", "utc_hour"),
    [
        (datetime.date(2027, 3, 27), 10, 9),  # Saturday before the change: CET, UTC+1
        (datetime.date(2027, 3, 28), 10, 8),  # the change night is over: CEST, UTC+2
        (datetime.date(2027, 10, 31), 10, 9),  # back to CET
    ],
)
def test_dst_boundary_in_the_calendar_file(phase, day, hour, utc_hour):
    person = factories.PersonFactory()
    starts = datetime.datetime.combine(day, datetime.time(hour), tzinfo=BERLIN)
    session = services.training_session_create(
        phase=phase,
        title="Webinar",
        kind=TrainingKind.WEBINAR,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        online_url="https://meet.example.de/x",
        people=[person],
    )
    content = ics.session_calendar(session, invitation=session.invitations.get())
    assert f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T{hour:02d}0000" in content.decode()
    event = icalendar.Calendar.from_ical(content).events[0]
    assert event.start.astimezone(datetime.UTC).hour == utc_hour
    assert event.start == session.starts_at


def test_session_form_rejects_a_time_in_the_spring_gap(cast):
    from guidelines.forms.trainings import SessionForm

    phase = cast.rollout.phases.get(kind=PhaseKind.MOVE)
    form = SessionForm(
        {
            "kind": "workshop",
            "title": "Nachts",
            "phase": phase.pk,
            "date": "2027-03-28",
            "start_time": "02:30",
            "end_time": "04:00",
            "room": "A",
            "departments": [cast.department_a.pk],
        },
        rollout=cast.rollout,
    )
    assert not form.is_valid()
    assert "start_time" in form.errors


# --- Answers, capacity, waitlist --------------------------------------------------------------


def _invitations(session):
    return list(session.invitations.select_related("person").order_by("person__email"))


def test_waitlist_and_promotion_on_decline(phase, sales, django_capture_on_commit_callbacks):
    _people(sales, 3)
    session = _schedule(phase, django_capture_on_commit_callbacks, departments=[sales], capacity=2)
    first, second, third = _invitations(session)
    for invitation in (first, second):
        assert services.invitation_respond(invitation=invitation, answer="accept")[1]
    third, changed = services.invitation_respond(invitation=third, answer="accept")
    assert changed and third.status == InvitationStatus.WAITLISTED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_respond(invitation=second, answer="decline")
    third.refresh_from_db()
    assert third.status == InvitationStatus.ACCEPTED
    assert third.waitlisted_at is None
    promoted = _mails_to(third.person.email)
    assert len(promoted) == 1
    calendar = _calendar(promoted[0])
    assert calendar.events[0]["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert session.invitations.filter(status=InvitationStatus.ACCEPTED).count() == 2


def test_the_same_answer_twice_changes_nothing(phase, sales):
    _people(sales, 1)
    session = factories.training_session(phase=phase, departments=[sales], capacity=1)
    (invitation,) = _invitations(session)
    invitation, changed = services.invitation_respond(invitation=invitation, answer="accept")
    responded = invitation.responded_at
    again, changed_again = services.invitation_respond(invitation=invitation, answer="accept")
    assert changed and not changed_again
    assert again.responded_at == responded


def test_no_answers_after_the_start_or_cancellation(phase, sales):
    _people(sales, 1)
    session = factories.training_session(phase=phase, departments=[sales])
    (invitation,) = _invitations(session)
    with pytest.raises(ValidationError):
        services.invitation_respond(
            invitation=invitation,
            answer="accept",
            now=session.starts_at + datetime.timedelta(minutes=1),
        )
    services.training_session_cancel(session=session, reason="Krank", by=None)
    with pytest.raises(ValidationError):
        services.invitation_respond(invitation=invitation, answer="accept")


def test_more_seats_promote_from_the_waitlist(phase, sales):
    _people(sales, 2)
    session = factories.training_session(phase=phase, departments=[sales], capacity=1)
    first, second = _invitations(session)
    services.invitation_respond(invitation=first, answer="accept")
    services.invitation_respond(invitation=second, answer="accept")
    session, changed = services.training_session_update(session=session, capacity=2, by=None)
    assert changed == ["capacity"]
    second.refresh_from_db()
    assert second.status == InvitationStatus.ACCEPTED
    assert session.sequence == 0  # seats are not part of the calendar event


# --- Signed links: replay and expiry ----------------------------------------------------------


def test_rsvp_link_get_shows_and_post_answers(client, phase, sales):
    _people(sales, 1)
    session = factories.training_session(phase=phase, departments=[sales])
    (invitation,) = _invitations(session)
    url = reverse("guidelines:training_rsvp", args=[services.rsvp_token(invitation)])
    response = client.get(f"{url}?answer=accept")
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.INVITED  # a mail scanner's GET does nothing
    response = client.post(url, {"answer": "accept"}, follow=True)
    assert response.status_code == 200
    assert 'id="rsvp-saved"' in response.text
    replay = client.post(url, {"answer": "accept"}, follow=True)
    assert replay.status_code == 200
    assert 'id="rsvp-unchanged"' in replay.text
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED


def test_a_forged_link_is_404(client):
    url = reverse("guidelines:training_rsvp", args=["17:forged:signature"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "accept"}).status_code == 404


def test_expired_link_offers_a_fresh_one(
    client, phase, sales, settings, django_capture_on_commit_callbacks
):
    _people(sales, 1)
    session = factories.training_session(phase=phase, departments=[sales])
    (invitation,) = _invitations(session)
    old = timezone.now() - services.RSVP_MAX_AGE - datetime.timedelta(days=1)
    signer = signing.TimestampSigner(salt=services.RSVP_SALT)
    token = _token_at(signer, invitation.pk, old)
    url = reverse("guidelines:training_rsvp", args=[token])
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 410
    assert "renew-submit" in response.text
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.INVITED
    mail.outbox.clear()
    renew = reverse("guidelines:training_rsvp_renew", args=[token])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(renew).status_code == 200
        assert client.post(renew).status_code == 200  # pressed twice: one mail
    assert len(mail.outbox) == 1
    fresh = re.search(r"/t/training/([^/]+)/\?answer=accept", mail.outbox[0].body).group(1)
    assert fresh != token
    pk = services.invitation_id_from_token(
        fresh, salt=services.RSVP_SALT, max_age=services.RSVP_MAX_AGE
    )
    assert pk == invitation.pk


def _token_at(signer, value, when):
    from unittest import mock

    with mock.patch("time.time", return_value=when.timestamp()):
        return signer.sign(str(value))


# --- Changes and cancellation ---------------------------------------------------------------


def test_time_change_resends_with_a_higher_sequence(
    phase, sales, django_capture_on_commit_callbacks
):
    accepted, declined = _people(sales, 2)
    session = _schedule(phase, django_capture_on_commit_callbacks, departments=[sales])
    by_person = {i.person_id: i for i in session.invitations.all()}
    services.invitation_respond(invitation=by_person[accepted.pk], answer="accept")
    services.invitation_respond(invitation=by_person[declined.pk], answer="decline")
    mail.outbox.clear()
    later = datetime.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        session, changed = services.training_session_update(
            session=session,
            starts_at=session.starts_at + later,
            ends_at=session.ends_at + later,
            by=None,
        )
    assert set(changed) == {"starts_at", "ends_at"}
    assert session.sequence == 1
    assert _mails_to(declined.email) == []
    (message,) = _mails_to(accepted.email)
    event = _calendar(message).events[0]
    assert event["SEQUENCE"] == 1
    assert event.start == session.starts_at
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    # Saving the same values again changes nothing and sends nothing.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _same, changed = services.training_session_update(
            session=session, starts_at=session.starts_at, by=None
        )
    assert changed == [] and mail.outbox == []


def test_an_outdated_pending_invitation_is_not_sent(phase, sales):
    _people(sales, 1)
    session = factories.training_session(phase=phase, departments=[sales])  # not sent yet
    services.training_session_update(session=session, title="Neuer Titel", by=None)
    from notifications.services import notifications_send

    ids = list(Notification.objects.order_by("pk").values_list("pk", flat=True))
    notifications_send(ids=ids)
    states = dict(Notification.objects.values_list("dedup_key", "state"))
    assert sorted(states.values()) == [NotificationState.CANCELLED, NotificationState.SENT]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith("Neuer Titel")


def test_cancellation_sends_method_cancel(phase, sales, django_capture_on_commit_callbacks):
    accepted, declined = _people(sales, 2)
    session = _schedule(phase, django_capture_on_commit_callbacks, departments=[sales])
    by_person = {i.person_id: i for i in session.invitations.all()}
    services.invitation_respond(invitation=by_person[accepted.pk], answer="accept")
    services.invitation_respond(invitation=by_person[declined.pk], answer="decline")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        session, changed = services.training_session_cancel(
            session=session, reason="Trainerin krank", by=None
        )
        _again, changed_again = services.training_session_cancel(
            session=session, reason="Nochmal", by=None
        )
    assert changed and not changed_again
    assert session.status == SessionStatus.CANCELLED and session.sequence == 1
    assert _mails_to(declined.email) == []
    (message,) = _mails_to(accepted.email)
    assert "Trainerin krank" in message.body
    calendar = _calendar(message)
    assert calendar["METHOD"] == "CANCEL"
    event = calendar.events[0]
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["UID"]) == f"training-{session.uid}@changehub"
    with pytest.raises(ValidationError):
        services.training_session_update(session=session, title="x", by=None)


def test_series_one_copy_per_department(phase, sales):
    hr = factories.DepartmentFactory(name="Personal Nord")
    _people(sales, 1)
    _people(hr, 2)
    session = factories.training_session(phase=phase, people=[factories.PersonFactory()])
    copies = services.training_series_create(
        session=session, departments=[sales, hr], interval_days=7, by=None
    )
    assert len(copies) == 2
    assert [c.starts_at - session.starts_at for c in copies] == [
        datetime.timedelta(days=7),
        datetime.timedelta(days=14),
    ]
    assert {c.uid for c in copies} | {session.uid} == {c.uid for c in [*copies, session]}
    assert sorted(c.invitations.count() for c in copies) == [1, 2]
    # A double submit creates nothing more.
    again = services.training_series_create(
        session=session, departments=[sales, hr], interval_days=7, by=None
    )
    assert again == []


# --- Attendance, walk-ins, feedback, coverage -------------------------------------------------


def test_attendance_walk_in_and_feedback_once(
    phase, sales, django_capture_on_commit_callbacks, client
):
    _people(sales, 1)
    session = factories.training_session(phase=phase, departments=[sales])
    (invitation,) = _invitations(session)
    invitation, changed = services.attendance_set(invitation=invitation, attended=True, by=None)
    assert changed
    assert not services.attendance_set(invitation=invitation, attended=True, by=None)[1]
    walk_in, created = services.attendance_add_walk_in(
        session=session, by=None, first_name="Wanda", last_name="Walkin", email="W@Example.de"
    )
    assert created and walk_in.is_walk_in and walk_in.attended
    assert walk_in.person.email == "w@example.de"
    again, created_again = services.attendance_add_walk_in(
        session=session, by=None, first_name="Wanda", last_name="Walkin", email="w@example.de"
    )
    assert not created_again and again.pk == walk_in.pk
    # The feedback request waits for the end of the session.
    feedback_rows = Notification.objects.filter(kind="training_feedback")
    assert feedback_rows.count() == 2
    assert all(row.due_at == session.ends_at for row in feedback_rows)
    url = reverse("guidelines:training_feedback", args=[services.feedback_token(invitation)])
    assert client.post(url, {"rating": 4, "comment": "Gut"}).status_code == 302
    assert client.post(url, {"rating": 1, "comment": "Doch nicht"}).status_code == 200
    assert TrainingFeedback.objects.get().rating == 4
    page = selectors.session_page(session=session)
    assert page.average_rating == 4.0
    assert selectors.trainer_results(rollout=phase.rollout) == []  # no trainer


def test_feedback_only_for_attendees(client, phase, sales):
    _people(sales, 1)
    session = factories.training_session(phase=phase, departments=[sales])
    (invitation,) = _invitations(session)
    url = reverse("guidelines:training_feedback", args=[services.feedback_token(invitation)])
    assert client.get(url).status_code == 404
    with pytest.raises(ValidationError):
        services.feedback_submit(invitation=invitation, rating=5, comment="")


def test_trainer_results(phase, sales):
    trainer = factories.PersonFactory(department=None)
    _people(sales, 3)
    for _ in range(2):
        session = factories.training_session(phase=phase, departments=[sales], trainer=trainer)
        for invitation, rating in zip(_invitations(session), (5, 4, 3), strict=True):
            services.attendance_set(invitation=invitation, attended=True, by=None)
            services.feedback_submit(invitation=invitation, rating=rating, comment="")
    (result,) = selectors.trainer_results(rollout=phase.rollout)
    assert (result.trainer, result.sessions, result.attended, result.feedback) == (
        trainer,
        2,
        6,
        6,
    )
    assert result.average_rating == 4.0


def test_coverage_figures(phase, sales):
    hr = factories.DepartmentFactory(name="Personal West")
    sales_people = _people(sales, 4)
    _people(hr, 2)
    factories.PersonFactory(department=sales, is_active=False)
    workshop = factories.training_session(phase=phase, departments=[sales, hr])
    elearning = factories.training_session(
        phase=phase, departments=[hr], kind=TrainingKind.ELEARNING
    )
    by_person = {i.person_id: i for i in workshop.invitations.all()}
    for person in sales_people[:3]:
        services.attendance_set(invitation=by_person[person.pk], attended=True, by=None)
    for invitation in elearning.invitations.all():  # e-learning does not count
        services.attendance_set(invitation=invitation, attended=True, by=None)
    counts = selectors.coverage_by_department(rollout_id=phase.rollout_id)
    assert counts[sales.pk] == (3, 4)
    assert counts[hr.pk] == (0, 2)
    share = RolloutSignals(phase.rollout_id).training_coverage
    assert (share.part, share.whole) == (3, 6)
    assert share.percent == 50
    # Another rollout's trainings do not count here.
    other = factories.RolloutFactory().phases.first()
    assert selectors.coverage_by_department(rollout_id=other.rollout_id)[sales.pk] == (0, 4)
    # A cancelled session's attendance does not count.
    services.training_session_cancel(session=workshop, reason="Abgesagt", by=None)
    assert selectors.coverage_by_department(rollout_id=phase.rollout_id)[sales.pk] == (0, 4)


def test_invitation_is_unique_per_person_and_session(phase, sales):
    from django.db import IntegrityError

    (person,) = _people(sales, 1)
    session = factories.training_session(phase=phase, departments=[sales])
    with pytest.raises(IntegrityError):
        TrainingInvitation.objects.create(session=session, person=person)


def test_the_trainer_gets_the_attendance_link(phase, sales, django_capture_on_commit_callbacks):
    user = factories.UserFactory(full_name="Tina Trainer")
    trainer = factories.PersonFactory(email=user.email, user=user, department=None)
    without_account = factories.PersonFactory(department=None)
    _people(sales, 1)
    session = _schedule(
        phase, django_capture_on_commit_callbacks, departments=[sales], trainer=trainer
    )
    (message,) = _mails_to(trainer.email)
    assert reverse("guidelines:training_attendance", args=[session.pk]) in message.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.training_session_update(session=session, trainer=without_account, by=None)
    # No account: the invitation with its .ics, but no attendance link (the manager ticks).
    (message,) = _mails_to(without_account.email)
    assert "/attendance/" not in message.body
    assert _calendar(message)["METHOD"] == "PUBLISH"


def test_feedback_email_after_the_session(phase, sales, django_capture_on_commit_callbacks):
    """Ticked during the session: the request waits for the end (see above); ticked after
    the end: it goes out at once, with a signed feedback link."""
    (person,) = _people(sales, 1)
    ended = timezone.now() - datetime.timedelta(hours=1)
    session = _schedule(
        phase,
        django_capture_on_commit_callbacks,
        departments=[sales],
        starts_at=ended - datetime.timedelta(hours=2),
        ends_at=ended,
    )
    (invitation,) = _invitations(session)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_set(invitation=invitation, attended=True, by=None)
    (message,) = _mails_to(person.email)
    link = re.search(r"/t/training-feedback/([^/]+)/", message.body)
    pk = services.invitation_id_from_token(
        link.group(1), salt=services.FEEDBACK_SALT, max_age=services.FEEDBACK_MAX_AGE
    )
    assert pk == invitation.pk


def test_demo_trainings_are_created_once():
    from devtools.demo_trainings import seed_trainings
    from guidelines.models import TrainingSession

    rollout = factories.RolloutFactory(name="Demo")
    manager = factories.UserFactory()
    factories.PersonFactory(email=manager.email, user=manager, department=None)
    departments = {
        name: factories.DepartmentFactory(name=name)
        for name in ("Vertrieb", "Marketing", "Personal")
    }
    for department in departments.values():
        _people(department, 6)
    assert seed_trainings(rollout_name="Demo", departments=departments, manager=manager) == 3
    assert seed_trainings(rollout_name="Demo", departments=departments, manager=manager) == 0
    assert TrainingSession.objects.filter(phase__rollout=rollout).count() == 3
    assert TrainingFeedback.objects.exists()
    assert TrainingInvitation.objects.filter(status=InvitationStatus.WAITLISTED).count() == 2


def test_maybe_from_a_seat_promotes_the_waitlist(phase, sales):
    _people(sales, 2)
    session = factories.training_session(phase=phase, departments=[sales], capacity=1)
    first, second = _invitations(session)
    services.invitation_respond(invitation=first, answer="accept")
    services.invitation_respond(invitation=second, answer="accept")
    services.invitation_respond(invitation=first, answer="maybe")
    second.refresh_from_db()
    assert second.status == InvitationStatus.ACCEPTED
    # A waitlisted person who declines frees no seat and promotes nobody.
    services.invitation_respond(invitation=first, answer="accept")
    first.refresh_from_db()
    assert first.status == InvitationStatus.WAITLISTED
    services.invitation_respond(invitation=first, answer="decline")
    second.refresh_from_db()
    assert second.status == InvitationStatus.ACCEPTED


def test_training_coverage_gate_criterion(phase, sales):
    from rollout.models import CriterionKind, GateCriterion
    from rollout.selectors.core import rollout_dashboard

    members = _people(sales, 4)
    GateCriterion.objects.create(
        phase=phase, kind=CriterionKind.TRAINING_COVERAGE, threshold=50, position=9
    )
    session = factories.training_session(phase=phase, departments=[sales])

    def state():
        summary = next(
            s for s in rollout_dashboard(rollout=phase.rollout).phases if s.phase == phase
        )
        return next(c for c in summary.criteria if c.criterion.kind == "training_coverage")

    assert (state().value, state().is_met) == (0, False)
    for person in members[:2]:
        invitation = session.invitations.get(person=person)
        services.attendance_set(invitation=invitation, attended=True, by=None)
    criterion = state()
    assert (criterion.value, criterion.is_met, criterion.part, criterion.whole) == (50, True, 2, 4)
