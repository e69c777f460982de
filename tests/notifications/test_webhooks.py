"""The second channel: department summaries posted to a Teams/Slack incoming webhook, tested
against a real local HTTP server; off unless switched on; once per department and day."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from core import outbound
from notifications import webhooks
from notifications.models import (
    Channel,
    DepartmentChannel,
    Notification,
    NotificationState,
    WebhookKind,
)
from notifications.services import notification_queue, notifications_dispatch
from tests import factories
from tests.notifications.conftest import NOTE

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(monkeypatch):
    """A local incoming-webhook endpoint recording each JSON body; `hook.fail` answers 500.
    It stands in for the chat service on the internet, so its loopback address is let through
    the public-address check here (tests/notifications/test_webhook_addresses.py tests it)."""
    monkeypatch.setattr(outbound, "is_public_address", lambda address: True)
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if server.fail:
                self.send_response(500)
            else:
                received.append(json.loads(body))
                self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.fail = False
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _activity_in(department, django_capture_on_commit_callbacks):
    person = factories.PersonFactory(department=department)
    with django_capture_on_commit_callbacks(execute=True):
        notification_queue(kind=NOTE, to=person, dedup_key=f"n{person.pk}")


@pytest.mark.parametrize("kind", [WebhookKind.SLACK, WebhookKind.TEAMS])
def test_a_department_summary_is_posted_once(hook, kind, django_capture_on_commit_callbacks):
    department = factories.DepartmentFactory(name="Vertrieb")
    _activity_in(department, django_capture_on_commit_callbacks)
    DepartmentChannel.objects.create(department=department, kind=kind, url=hook.url, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.department_summaries_queue() == 1
        assert webhooks.department_summaries_queue() == 0  # the beat twice on one day
    assert len(hook.received) == 1
    body = hook.received[0]
    text = body["text"]
    assert "Vertrieb" in text and ": 1" in text
    assert ("@type" in body) == (kind == WebhookKind.TEAMS)
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert row.state == NotificationState.SENT


def test_channels_are_off_by_default(hook, django_capture_on_commit_callbacks):
    department = factories.DepartmentFactory()
    _activity_in(department, django_capture_on_commit_callbacks)
    DepartmentChannel.objects.create(department=department, kind=WebhookKind.SLACK, url=hook.url)
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.department_summaries_queue() == 0
    assert hook.received == []


def test_a_failing_webhook_is_retried(hook, settings, django_capture_on_commit_callbacks):
    department = factories.DepartmentFactory()
    _activity_in(department, django_capture_on_commit_callbacks)
    DepartmentChannel.objects.create(
        department=department, kind=WebhookKind.SLACK, url=hook.url, enabled=True
    )
    hook.fail = True
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.department_summaries_queue()
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    row.refresh_from_db()
    assert row.state == NotificationState.PENDING and row.attempts == 1
    assert row.last_error == "Der Chat-Dienst hat die Nachricht nicht angenommen."
    hook.fail = False
    Notification.objects.filter(pk=row.pk).update(due_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        notifications_dispatch()
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and len(hook.received) == 1
