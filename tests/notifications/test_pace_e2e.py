"""End to end with a real worker and a real SMTP sink: a training invitation to someone over
the weekly cap arrives at once with its .ics; in quiet hours it waits, the outbox says why,
and the manager's "send now" sends it once however often it is pressed."""

import datetime
import email
import email.policy
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from devtools.redis_server import publish_to
from notifications.models import Notification, NotificationState, WaitReason
from notifications.sink import SmtpSink
from rollout.models import PhaseKind
from tests import factories
from tests.notifications.test_worker import Rig
from tests.test_worker import _wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sink():
    server = SmtpSink(keep=True).start()
    yield server
    server.stop()


@pytest.fixture
def rig_factory(tmp_path):
    rigs = []

    def make(smtp_port: int, **env: str) -> Rig:
        rig = Rig(tmp_path, smtp_port, **env)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.stop()


def _mails_to(sink: SmtpSink, address: str) -> list[email.message.EmailMessage]:
    parsed = [email.message_from_bytes(raw, policy=email.policy.default) for raw in sink.messages]
    return [m for m in parsed if address.lower() in str(m["To"]).lower()]


def _calendar_files(message) -> list:
    return [
        part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"
    ]


def _over_the_cap(person, cap: int) -> None:
    for n in range(cap):
        Notification.objects.create(
            kind="reminder_activity",
            dedup_key=f"earlier{n}:{person.pk}",
            recipient_email=person.email,
            state=NotificationState.SENT,
            sent_at=timezone.now() - datetime.timedelta(hours=n + 1),
        )


def test_an_invitation_over_the_weekly_cap_arrives_at_once_with_its_ics(sink, rig_factory):
    phase = factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE)
    person = factories.PersonFactory()
    _over_the_cap(person, 2)
    rig = rig_factory(sink.port, NOTIFY_WEEKLY_CAP="2", NOTIFY_DIGEST_ENABLED="true")
    with publish_to(rig.queue):
        rig.worker()
        session = factories.training_session(phase=phase, people=[person])
        _wait_for(lambda: _mails_to(sink, person.email), 60, rig.worker_log)
    (message,) = _mails_to(sink, person.email)
    assert session.title in str(message["Subject"])
    assert len(_calendar_files(message)) == 1
    row = Notification.objects.get(kind="training_invitation", person=person)
    assert row.state == NotificationState.SENT and not row.via_digest
    assert not Notification.objects.filter(kind="digest").exists()


def _quiet_now_env() -> dict[str, str]:
    """Quiet hours that hold back mail right now: the sending window opens in two hours."""
    hour = timezone.localtime().hour
    start = (hour + 2) % 24
    return {
        "NOTIFY_QUIET_HOURS": "true",
        "NOTIFY_SEND_FROM_HOUR": str(start),
        "NOTIFY_SEND_UNTIL_HOUR": str(start + 1),
        "NOTIFY_QUIET_WEEKENDS": "false",
        "NOTIFY_QUIET_HOLIDAYS": "false",
    }


def test_in_quiet_hours_the_outbox_says_why_and_send_now_sends_once(cast, sink, rig_factory):
    phase = factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE)
    person = factories.PersonFactory()
    rig = rig_factory(sink.port, **_quiet_now_env())
    client = cast.client("manager")
    with publish_to(rig.queue):
        rig.worker()
        factories.training_session(phase=phase, people=[person])
        row = Notification.objects.get(kind="training_invitation", person=person)

        def held_back() -> bool:
            row.refresh_from_db()
            return row.wait_reason == WaitReason.QUIET_HOURS

        _wait_for(held_back, 60, rig.worker_log)
        assert row.state == NotificationState.PENDING and row.due_at > timezone.now()
        page = client.get(reverse("notifications:outbox")).text
        assert f'id="wait-{row.pk}">wird ' in page and "verschickt (Ruhezeit)" in page
        url = reverse("notifications:send_now", args=[row.pk])
        assert client.post(url).status_code == 302
        assert client.post(url).status_code == 302  # a double click
        _wait_for(lambda: _mails_to(sink, person.email), 60, rig.worker_log)
        time.sleep(3)  # a second send, if there were one, would arrive meanwhile
        assert client.post(url).status_code == 302
    (message,) = _mails_to(sink, person.email)
    assert len(_calendar_files(message)) == 1
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and row.send_now
    assert len(sink.ids) == len(set(sink.ids)) == 1
