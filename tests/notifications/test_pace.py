"""Nothing important waits for a digest: the weekly cap and the daily digest hold back
reminders only. Transactional mail (an invitation, a head's answer, a sign-in link) goes out
at once, waiting at most for the quiet hours (immediate kinds not even for those), and a kind
with attachments is never bundled into a digest. Every row that waits says why."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import policy, services
from notifications.emails import unsubscribe_token
from notifications.kinds import NotificationKind, Pace, all_kinds, register
from notifications.models import (
    Notification,
    NotificationState,
    Unsubscription,
    WaitReason,
)
from rollout.models import PhaseKind
from tests import factories
from tests.notifications.conftest import DIGESTIBLE, NOTE

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

TRANSACTIONAL = "test_transactional"
ATTACHED = "test_attached_reminder"


def _context(notification):
    return {"headline": notification.context.get("headline", "Bitte lesen"), "lines": ["Zeile"]}


def _attachments(notification):
    return [("termin.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")]


register(
    NotificationKind(
        key=TRANSACTIONAL,
        label=_("Test"),
        template="reminder",
        context=_context,
        pace=Pace.TRANSACTIONAL,
    )
)
# Stated as a digestible reminder, but it carries a file: a digest would strip it.
register(
    NotificationKind(
        key=ATTACHED,
        label=_("Test"),
        template="reminder",
        context=_context,
        attachments=_attachments,
        digestible=True,
    )
)

# Every kind the apps register, and the pace it must have. A new kind fails here until its
# author decides: may it wait for the weekly cap and the digest (a reminder), or not?
EXPECTED_PACE = {
    "account_invitation": Pace.TRANSACTIONAL,
    "department_summary": Pace.REMINDER,
    "digest": Pace.REMINDER,
    "escalation_activity": Pace.REMINDER,
    "escalation_delivery": Pace.REMINDER,
    "escalation_guideline": Pace.REMINDER,
    "escalation_workflow": Pace.REMINDER,
    "gate_exception_requested": Pace.TRANSACTIONAL,
    "goal_value_request": Pace.TRANSACTIONAL,
    "guideline_ack_link": Pace.TRANSACTIONAL,
    "guideline_ack_request": Pace.REMINDER,
    "guideline_council_decision": Pace.TRANSACTIONAL,
    "guideline_council_review": Pace.TRANSACTIONAL,
    "login_link": Pace.TRANSACTIONAL,
    "workflow_answered_on_behalf": Pace.TRANSACTIONAL,
    "champion_thanks": Pace.TRANSACTIONAL,
    "champion_thanks_post": Pace.TRANSACTIONAL,
    "password_reset": Pace.TRANSACTIONAL,
    "reminder_activity": Pace.REMINDER,
    "reminder_delivery": Pace.REMINDER,
    "reminder_guideline": Pace.REMINDER,
    "reminder_rsvp_open": Pace.REMINDER,
    "reminder_survey": Pace.REMINDER,
    "reminder_training_tomorrow": Pace.REMINDER,
    "reminder_workflow": Pace.REMINDER,
    "report_ready": Pace.TRANSACTIONAL,
    "survey_invitation": Pace.REMINDER,
    "training_cancelled": Pace.TRANSACTIONAL,
    "training_feedback": Pace.REMINDER,
    "training_invitation": Pace.TRANSACTIONAL,
    "training_promoted": Pace.TRANSACTIONAL,
    "training_trainer": Pace.TRANSACTIONAL,
    "workflow_changes_requested": Pace.TRANSACTIONAL,
    "workflow_confirmed": Pace.TRANSACTIONAL,
    "workflow_proposed": Pace.TRANSACTIONAL,
    "workflow_supplier": Pace.REMINDER,
}
# What the issue names as transactional: these must never wait for the cap or the digest.
MUST_BE_TRANSACTIONAL = {
    "workflow_changes_requested",
    "workflow_confirmed",
    "training_invitation",
    "training_cancelled",
    "training_promoted",
    "guideline_ack_link",
    "login_link",
    "password_reset",
}


def _at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def quiet(settings):
    settings.NOTIFY_QUIET_HOURS = True
    settings.NOTIFY_SEND_FROM_HOUR = 8
    settings.NOTIFY_SEND_UNTIL_HOUR = 19
    settings.NOTIFY_HOLIDAY_STATE = "BE"


def _over_the_cap(settings, person, cap: int = 2) -> None:
    """`person` has had `cap` reminders this week."""
    settings.NOTIFY_WEEKLY_CAP = cap
    for n in range(cap):
        Notification.objects.create(
            kind=NOTE,
            dedup_key=f"earlier{n}:{person.pk}",
            recipient_email=person.email,
            state=NotificationState.SENT,
            sent_at=timezone.now() - datetime.timedelta(hours=n + 1),
        )


# --- Every kind states its pace ---------------------------------------------------------------


def test_every_registered_kind_has_the_pace_its_author_chose():
    registered = {kind.key: kind for kind in all_kinds() if not kind.key.startswith("test_")}
    unknown = sorted(set(registered) - set(EXPECTED_PACE))
    assert not unknown, f"Decide the pace of {unknown} and add them to EXPECTED_PACE."
    wrong = {
        key: kind.pace for key, kind in registered.items() if kind.pace is not EXPECTED_PACE[key]
    }
    assert not wrong
    for key in MUST_BE_TRANSACTIONAL & set(registered):
        assert registered[key].transactional, key
    for kind in registered.values():
        if kind.attachments is not None:  # a digest would strip the file
            assert kind.pace is Pace.TRANSACTIONAL and not kind.digestible, kind.key
        if kind.immediate:
            assert kind.pace is Pace.TRANSACTIONAL, kind.key


def test_a_transactional_kind_cannot_be_digestible():
    with pytest.raises(ValueError, match="not digestible"):
        NotificationKind(key="x", label="x", template="x", pace=Pace.TRANSACTIONAL, digestible=True)


# --- Why and until when a row waits -----------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "opens", "reason"),
    [
        (_at(2026, 11, 24, 22), _at(2026, 11, 25, 8), WaitReason.QUIET_HOURS),  # Tuesday night
        (_at(2026, 11, 25, 6), _at(2026, 11, 25, 8), WaitReason.QUIET_HOURS),  # early morning
        (_at(2026, 11, 27, 20), _at(2026, 11, 30, 8), WaitReason.WEEKEND),  # Friday evening
        (_at(2026, 11, 28, 12), _at(2026, 11, 30, 8), WaitReason.WEEKEND),  # Saturday noon
        (_at(2026, 12, 24, 20), _at(2026, 12, 28, 8), WaitReason.HOLIDAY),  # Christmas Eve
        (_at(2026, 10, 3, 10), _at(2026, 10, 5, 8), WaitReason.WEEKEND),  # a Saturday holiday
        (_at(2026, 11, 24, 12), _at(2026, 11, 24, 12), None),  # Tuesday noon: at once
    ],
)
def test_the_sending_window_says_why_it_waits(quiet, moment, opens, reason):
    assert policy.sending_window(moment, "Europe/Berlin") == (opens, reason)
    assert policy.next_allowed(moment, "Europe/Berlin") == opens


def test_without_quiet_hours_nothing_waits(settings):
    settings.NOTIFY_QUIET_HOURS = False
    night = _at(2026, 11, 24, 23)
    assert policy.sending_window(night, "Europe/Berlin") == (night, None)


def test_a_row_held_back_by_quiet_hours_records_why(
    quiet, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(timezone, "now", lambda: _at(2026, 11, 27, 21))  # Friday 21:00
    person = factories.PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        note = services.notification_queue(kind=NOTE, to=person, dedup_key="n")
        urgent = services.notification_queue(kind=TRANSACTIONAL, to=person, dedup_key="t")
        reset = services.notification_queue(
            kind="password_reset", to=factories.UserFactory(), dedup_key="r"
        )
    for row in (note, urgent, reset):
        row.refresh_from_db()
    # A transactional kind respects the quiet hours too, unless it is immediate.
    assert (note.due_at, note.wait_reason) == (_at(2026, 11, 30, 8), WaitReason.WEEKEND)
    assert (urgent.due_at, urgent.wait_reason) == (_at(2026, 11, 30, 8), WaitReason.WEEKEND)
    assert urgent.state == NotificationState.PENDING and not urgent.via_digest
    assert reset.state == NotificationState.SENT
    assert len(mail.outbox) == 1


# --- The weekly cap and the digest hold back reminders only -----------------------------------


def test_over_the_cap_a_reminder_waits_but_transactional_mail_goes_at_once(
    settings, django_capture_on_commit_callbacks
):
    person = factories.PersonFactory()
    _over_the_cap(settings, person)
    with django_capture_on_commit_callbacks(execute=True):
        reminder = services.notification_queue(kind=NOTE, to=person, dedup_key="rem")
        answer = services.notification_queue(kind=TRANSACTIONAL, to=person, dedup_key="ans")
    reminder.refresh_from_db()
    answer.refresh_from_db()
    assert reminder.state == NotificationState.PENDING and reminder.via_digest
    assert reminder.wait_reason == WaitReason.CAP
    assert answer.state == NotificationState.SENT and not answer.via_digest
    assert len(mail.outbox) == 1


def test_transactional_mail_does_not_use_up_the_cap(settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_WEEKLY_CAP = 2
    person = factories.PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            services.notification_queue(kind=TRANSACTIONAL, to=person, dedup_key=f"t{n}")
        first = services.notification_queue(kind=NOTE, to=person, dedup_key="r1")
        second = services.notification_queue(kind=NOTE, to=person, dedup_key="r2")
        third = services.notification_queue(kind=NOTE, to=person, dedup_key="r3")
    states = []
    for row in (first, second, third):
        row.refresh_from_db()
        states.append((row.state, row.via_digest))
    assert states == [
        (NotificationState.SENT, False),
        (NotificationState.SENT, False),
        (NotificationState.PENDING, True),
    ]
    assert len(mail.outbox) == 5


def test_a_kind_with_attachments_is_never_bundled_into_a_digest(
    settings, django_capture_on_commit_callbacks
):
    person = factories.PersonFactory()
    _over_the_cap(settings, person)
    with django_capture_on_commit_callbacks(execute=True):
        row = services.notification_queue(kind=ATTACHED, to=person, dedup_key="a")
        services.notification_queue(kind=DIGESTIBLE, to=person, dedup_key="d")
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and not row.via_digest
    assert len(mail.outbox) == 1
    assert [a[0] for a in mail.outbox[0].attachments] == ["termin.ics"]
    digestible = Notification.objects.get(kind=DIGESTIBLE)
    assert digestible.via_digest and digestible.wait_reason == WaitReason.DIGEST


def test_asking_for_the_digest_only_does_not_hold_back_transactional_mail(
    django_capture_on_commit_callbacks,
):
    person = factories.PersonFactory()
    for kind in (NOTE, TRANSACTIONAL):
        Unsubscription.objects.create(email=person.email.lower(), kind=kind)
    assert unsubscribe_token(person.email, TRANSACTIONAL)  # the page offers it like any other
    with django_capture_on_commit_callbacks(execute=True):
        note = services.notification_queue(kind=NOTE, to=person, dedup_key="n")
        answer = services.notification_queue(kind=TRANSACTIONAL, to=person, dedup_key="t")
    note.refresh_from_db()
    answer.refresh_from_db()
    assert note.via_digest and note.wait_reason == WaitReason.DIGEST_ONLY
    assert answer.state == NotificationState.SENT
    assert len(mail.outbox) == 1


def test_a_training_invitation_over_the_cap_arrives_at_once_with_its_calendar_file(
    settings, django_capture_on_commit_callbacks
):
    phase = factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE)
    person = factories.PersonFactory()
    _over_the_cap(settings, person)
    with django_capture_on_commit_callbacks(execute=True):
        factories.training_session(phase=phase, people=[person])
    row = Notification.objects.get(kind="training_invitation")
    assert row.state == NotificationState.SENT and not row.via_digest
    (message,) = [m for m in mail.outbox if person.email in m.to[0]]
    assert [a[0].endswith(".ics") for a in message.attachments] == [True]


def test_a_row_put_in_the_digest_before_its_kind_was_transactional_goes_out_alone(
    django_capture_on_commit_callbacks,
):
    person = factories.PersonFactory()
    row = Notification.objects.create(
        kind=TRANSACTIONAL,
        dedup_key="legacy",
        recipient_email=person.email,
        person=person,
        via_digest=True,
        wait_reason=WaitReason.CAP,
        due_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_dispatch()
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and not row.via_digest and row.digest is None
    assert not Notification.objects.filter(kind="digest").exists()
    assert len(mail.outbox) == 1


def test_a_fresh_training_link_the_person_asked_for_goes_out_at_night(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    from guidelines.services import trainings as training_services

    phase = factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE)
    person = factories.PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        session = factories.training_session(phase=phase, people=[person])
    mail.outbox.clear()
    settings.NOTIFY_QUIET_HOURS = True
    night = _at(2026, 11, 24, 23)
    monkeypatch.setattr(timezone, "now", lambda: night)
    invitation = session.invitations.get(person=person)
    with django_capture_on_commit_callbacks(execute=True):
        row = training_services.rsvp_link_renew(invitation=invitation, now=night)
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and row.send_now
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments
