"""End to end with the real worker and the SMTP sink (issue 16, "done when"): a supplier gets
the late-delivery reminder through the outbox, follows the link in the mail, and closes the
open request on their page with exactly one delivery row, however often they press."""

import datetime
import email
import email.policy
import re

import pytest
from django.test import Client
from django.utils import timezone

from devtools.redis_server import publish_to
from notifications.models import Notification, NotificationState
from notifications.rules.scan import reminders_scan
from rollout.models import ContentDelivery
from rollout.services import workflows as services
from rollout.services.workflows import Terms
from tests import factories
from tests.notifications.test_pace_e2e import rig_factory, sink  # noqa: F401 (fixtures)
from tests.test_worker import _wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _mails_to(sink, address: str) -> list:  # noqa: F811
    parsed = [email.message_from_bytes(raw, policy=email.policy.default) for raw in sink.messages]
    return [m for m in parsed if address.lower() in str(m["To"]).lower()]


def test_a_supplier_closes_an_open_request_from_the_mail_with_one_row(
    cast,
    sink,  # noqa: F811
    rig_factory,  # noqa: F811
    settings,
):
    settings.SITE_URL = "https://changehub.example"
    workflow = factories.ContentWorkflowFactory(
        department=cast.department_a, title="Eventfotos", by=cast.manager
    )
    lisa = factories.PersonFactory(department=cast.department_a, language="de")
    services.workflow_edit(
        workflow=workflow,
        terms=Terms(
            content="Fotos",
            trigger="Jede Messe",
            turnaround_hours=24,
            channel="email",
            suppliers=(lisa,),
        ),
        by=cast.manager,
    )
    request, _created = services.delivery_log(
        workflow=workflow,
        description="Fotos vom Sommerfest",
        requested_at=timezone.now() - datetime.timedelta(hours=30),
        supplier=lisa,
        by=cast.manager,
    )
    rig = rig_factory(sink.port, SITE_URL="https://changehub.example")
    with publish_to(rig.queue):
        rig.worker()
        reminders_scan(now=timezone.now())
        _wait_for(lambda: _mails_to(sink, lisa.email), 60, rig.worker_log)
    (message,) = _mails_to(sink, lisa.email)
    assert "Fotos vom Sommerfest" in str(message["Subject"])
    body = message.get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"https://changehub\.example(/supply/\S+/)", body).group(1)
    row = Notification.objects.get(kind="reminder_delivery", person=lisa)
    assert row.state == NotificationState.SENT
    client = Client()
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200 and "Fotos vom Sommerfest" in page.text
    for _attempt in range(3):  # a double click and a reload of the POST
        assert client.post(path, {"close": request.pk}).status_code == 302
    assert ContentDelivery.objects.count() == 1
    request.refresh_from_db()
    assert request.delivered_at is not None
    assert "Nichts ist offen" in client.get(path, HTTP_ACCEPT_LANGUAGE="de").text
