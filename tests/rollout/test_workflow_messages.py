"""Issue 16, content workflows as heads and suppliers live them: the supplier's page with their
open requests, late-delivery escalation to the late contact first, the revised proposal mail,
the head told about a confirmation on their behalf, and the median delay of late items only.
Mail goes through the real outbox (queued rows, sent by the task after the commit)."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rollout.models import ContentDelivery
from rollout.selectors import workflows as selectors
from rollout.services import workflows as services
from rollout.services.workflows import Terms
from tests import factories

pytestmark = pytest.mark.django_db
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


def _terms(**changes) -> Terms:
    values = {
        "content": "5–10 Fotos im Querformat",  # noqa: RUF001
        "trigger": "Jede Messe",
        "turnaround_hours": 24,
        "channel": "email",
        "channel_detail": "social@example.de",
    }
    values.update(changes)
    return Terms(**values)


@pytest.fixture
def workflow(cast):
    return factories.ContentWorkflowFactory(
        department=cast.department_a, title="Eventfotos", by=cast.manager
    )


@pytest.fixture
def lisa(cast, workflow):
    person = factories.PersonFactory(
        department=cast.department_a, first_name="Lisa", last_name="Lieferant"
    )
    services.workflow_edit(workflow=workflow, terms=_terms(suppliers=(person,)), by=cast.manager)
    return person


def _request(workflow, supplier, what, *, hours_ago=2, by=None):
    return services.delivery_log(
        workflow=workflow,
        description=what,
        requested_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        supplier=supplier,
        by=by,
    )[0]


# --- 1. The supplier's page ------------------------------------------------------------------


def test_a_supplier_closes_an_open_request_with_exactly_one_delivery_row(cast, workflow, lisa):
    request = _request(workflow, lisa, "Fotos vom Sommerfest", by=cast.manager)
    path = services.supply_link_path(workflow=workflow, person=lisa)
    client = Client()
    page = client.get(path, **GERMAN)
    assert page.status_code == 200
    assert "Fotos vom Sommerfest" in page.text
    assert f'name="close" value="{request.pk}"' in page.text
    assert "Geliefert" in page.text
    response = client.post(path, {"close": request.pk}, **GERMAN)
    assert response.status_code == 302 and response["Location"] == path
    again = client.post(path, {"close": request.pk}, **GERMAN)  # double submit / reload
    assert again.status_code == 302
    assert ContentDelivery.objects.count() == 1
    request.refresh_from_db()
    assert request.delivered_at is not None
    after = client.get(path, **GERMAN)
    assert f'name="close" value="{request.pk}"' not in after.text
    assert "Nichts ist offen" in after.text


def test_logging_an_open_request_by_name_closes_it_instead_of_a_second_row(cast, workflow, lisa):
    request = _request(workflow, lisa, "Fotos vom Sommerfest")
    path = services.supply_link_path(workflow=workflow, person=lisa)
    now = timezone.localtime()
    data = {
        "description": "fotos vom sommerfest",
        "requested_at": (now - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "submission_key": str(services.new_submission_key()),
    }
    assert Client().post(path, data, **GERMAN).status_code == 200
    assert ContentDelivery.objects.count() == 1
    request.refresh_from_db()
    assert request.delivered_at is not None


def test_a_supplier_cannot_close_someone_elses_request(cast, workflow, lisa):
    other = factories.PersonFactory(department=cast.department_a)
    theirs = _request(workflow, other, "Fremde Fotos")
    path = services.supply_link_path(workflow=workflow, person=lisa)
    assert Client().post(path, {"close": theirs.pk}).status_code == 404
    assert Client().post(path, {"close": "abc"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.delivered_at is None


def test_the_page_lists_open_requests_of_every_workflow_the_person_supplies(cast, workflow, lisa):
    second = factories.ContentWorkflowFactory(
        department=cast.department_a, title="Stellenanzeigen", by=cast.manager
    )
    services.workflow_edit(workflow=second, terms=_terms(suppliers=(lisa,)), by=cast.manager)
    _request(workflow, lisa, "Fotos vom Sommerfest")
    _request(second, lisa, "Anzeige Vertrieb")
    done = _request(second, lisa, "Längst geliefert")
    services.delivery_mark_delivered(delivery=done, by=None)
    page = Client().get(services.supply_link_path(workflow=workflow, person=lisa), **GERMAN)
    assert "Fotos vom Sommerfest" in page.text and "Anzeige Vertrieb" in page.text
    assert "Längst geliefert" not in page.text


def test_the_manager_asks_a_named_supplier(cast, workflow, lisa):
    client = cast.client("manager")
    detail = client.get(reverse("rollout:workflow_detail", args=[workflow.pk]), **GERMAN)
    assert f'<option value="{lisa.pk}">' in detail.text
    now = timezone.localtime()
    response = client.post(
        reverse("rollout:delivery_create", args=[workflow.pk]),
        {
            "description": "Fotos vom Messestand",
            "requested_at": now.strftime("%Y-%m-%dT%H:%M"),
            "supplier": lisa.pk,
            "submission_key": str(services.new_submission_key()),
        },
        **GERMAN,
    )
    assert response.status_code == 302
    assert ContentDelivery.objects.get().supplier == lisa
    assert selectors.supplier_open_requests(person=lisa)[0].description == "Fotos vom Messestand"


def _supply_queries(client, path) -> int:
    assert client.get(path, **GERMAN).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, **GERMAN).status_code == 200
    return len(queries)


def test_the_supply_page_has_a_fixed_number_of_queries(cast, workflow, lisa):
    path = services.supply_link_path(workflow=workflow, person=lisa)
    client = Client()
    _request(workflow, lisa, "Eins")
    small = _supply_queries(client, path)
    for index in range(12):
        other = factories.ContentWorkflowFactory(department=cast.department_b, by=cast.manager)
        services.workflow_edit(workflow=other, terms=_terms(suppliers=(lisa,)), by=cast.manager)
        _request(other, lisa, f"Anfrage {index}", hours_ago=30)
    large = _supply_queries(client, path)
    assert small == large
    assert large <= 8


# --- 5. The median delay ----------------------------------------------------------------------


def test_the_median_delay_counts_late_items_only_and_the_page_says_so(cast, workflow):
    now = timezone.now()
    for after in (1, 2, 3, 30, 34):  # three on time, two late by 6 and 10 hours
        requested = now - datetime.timedelta(hours=100)
        services.delivery_log(
            workflow=workflow,
            description="x",
            requested_at=requested,
            delivered_at=requested + datetime.timedelta(hours=after),
        )
    figures = selectors.sla_figures(deliveries=workflow.deliveries.all())
    assert figures.median_delay_hours == 8.0
    assert figures.late_delivered == 2
    client = cast.client("manager")
    detail = client.get(reverse("rollout:workflow_detail", args=[workflow.pk]), **GERMAN)
    assert "Verspätung verspäteter Lieferungen (Median)" in detail.text
    assert "pünktliche zählen nicht" in detail.text
    overview = client.get(reverse("rollout:workflow_list"), **GERMAN)
    assert "Verspätung verspäteter Lieferungen (Median)" in overview.text
    assert 'id="median-note"' in overview.text


# --- 2. Late delivery: the late contact first, the head after --------------------------------

DAY = datetime.timedelta(days=1)


def _scan(at, capture) -> int:
    from notifications.rules.scan import reminders_scan

    with capture(execute=True):
        return reminders_scan(now=at)


def test_a_late_delivery_escalates_to_the_late_contact_first_then_the_head(
    cast, workflow, lisa, settings, django_capture_on_commit_callbacks
):
    from notifications.models import Notification, NotificationState

    settings.NOTIFY_DIGEST_ENABLED = False
    settings.SITE_URL = "https://changehub.example"
    karl = factories.PersonFactory(
        department=cast.department_a, first_name="Karl", last_name="Kontakt", language="de"
    )
    services.workflow_edit(
        workflow=workflow,
        terms=_terms(suppliers=(lisa,), escalation_contact=karl),
        by=cast.manager,
    )
    now = timezone.now()
    delivery = ContentDelivery.objects.create(
        workflow=workflow,
        description="Fotos vom Sommerfest",
        requested_at=now - 2 * DAY,
        due_at=now - datetime.timedelta(hours=1),
        supplier=lisa,
    )
    assert _scan(now, django_capture_on_commit_callbacks) == 1  # reminder 1 to Lisa
    assert _scan(now + DAY, django_capture_on_commit_callbacks) == 1  # reminder 2 to Lisa
    mail.outbox.clear()
    assert _scan(now + 2 * DAY, django_capture_on_commit_callbacks) == 1  # Karl, not the head
    escalations = Notification.objects.filter(kind="escalation_delivery").order_by("pk")
    assert [row.person_id for row in escalations] == [karl.pk]
    (message,) = mail.outbox
    assert karl.email in message.to[0]
    assert "Sie sind die Ansprechperson bei Verspätung" in message.body
    assert "/workflows/" not in message.body  # no page the contact may not open
    assert _scan(now + 2 * DAY, django_capture_on_commit_callbacks) == 0  # nothing twice
    assert _scan(now + 3 * DAY, django_capture_on_commit_callbacks) == 1  # now the head
    assert [row.person_id for row in escalations.all()] == [karl.pk, cast.head_a.person.pk]
    assert all(row.state == NotificationState.SENT for row in escalations.all())
    assert _scan(now + 6 * DAY, django_capture_on_commit_callbacks) == 0
    delivery.refresh_from_db()
    assert delivery.delivered_at is None


def test_without_a_late_contact_the_head_is_asked_at_once(
    cast, workflow, lisa, settings, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    settings.NOTIFY_DIGEST_ENABLED = False
    now = timezone.now()
    ContentDelivery.objects.create(
        workflow=workflow,
        description="Fotos",
        requested_at=now - 2 * DAY,
        due_at=now - datetime.timedelta(hours=1),
        supplier=lisa,
    )
    for days in (0, 1, 2, 3, 4):
        _scan(now + days * DAY, django_capture_on_commit_callbacks)
    escalation = Notification.objects.get(kind="escalation_delivery")
    assert escalation.person_id == cast.head_a.person.pk


# --- 3. The revised proposal mail -------------------------------------------------------------


def test_a_revised_proposal_mail_says_which_revision_and_what_changed(
    cast, workflow, lisa, django_capture_on_commit_callbacks
):
    cast.head_a.language = "de"
    cast.head_a.save(update_fields=["language"])
    cast.head_a.person.language = "de"
    cast.head_a.person.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.workflow_propose(workflow=workflow, by=cast.manager)
    first = mail.outbox[-1]
    assert "Revision" not in first.subject
    workflow.refresh_from_db()
    services.workflow_request_changes(
        workflow=workflow,
        revision_id=workflow.latest_revision_id,
        by=cast.head_a,
        comment="Bitte schneller",
    )
    services.workflow_edit(
        workflow=workflow,
        terms=_terms(suppliers=(lisa,), turnaround_hours=12, trigger="Jede Messe und Feier"),
        by=cast.manager,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        revision = services.workflow_propose(workflow=workflow, by=cast.manager)
    (message,) = [m for m in mail.outbox if cast.head_a.email in m.to[0]]
    assert revision.number == 2
    assert message.subject.startswith("Revision 2:")
    body = message.body
    assert "Dies ist Revision 2, überarbeitet seit Revision 1." in body
    assert "Sie hatten gebeten: “Bitte schneller”" in body
    assert "Turnaround" not in body  # German field names
    changed = body.split("Was sich geändert hat:")[1].split("Die ganze Revision:")[0]
    assert "Lieferfrist: 24 Stunden → 12 Stunden" in changed
    assert "24 Stunden → 12 Stunden" in changed
    assert "Jede Messe → Jede Messe und Feier" in changed
    assert "Zulieferer" not in changed  # the suppliers stayed the same
    assert "Kanal" not in changed  # the channel did not change
    html = message.alternatives[0][0]
    assert "<li><strong>" in html and "12 Stunden" in html


# --- 4. The head is told when the manager answered for them ----------------------------------


def test_the_head_is_told_when_the_manager_confirmed_on_their_behalf(
    cast, workflow, django_capture_on_commit_callbacks
):
    from notifications.models import Notification, NotificationState

    with django_capture_on_commit_callbacks(execute=True):
        services.workflow_propose(workflow=workflow, by=cast.manager)
    workflow.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.workflow_confirm(
            workflow=workflow,
            revision_id=workflow.latest_revision_id,
            by=cast.manager,
            on_behalf_reason="Am Telefon am 3. März bestätigt",
        )
    row = Notification.objects.get(kind="workflow_answered_on_behalf")
    assert row.person_id == cast.head_a.person.pk
    assert row.state == NotificationState.SENT
    (message,) = [m for m in mail.outbox if cast.head_a.email in m.to[0]]
    assert message.subject == "Für Sie bestätigt: Content-Workflow „Eventfotos“ (Vertrieb)"
    assert "Mara Manager hat Revision 1" in message.body
    assert "in Ihrem Namen" in message.body
    assert "Am Telefon am 3. März bestätigt" in message.body
    # A double submit tells the head once; the head's own answer tells nobody that way.
    with django_capture_on_commit_callbacks(execute=True):
        services.workflow_confirm(
            workflow=workflow,
            revision_id=workflow.latest_revision_id,
            by=cast.manager,
            on_behalf_reason="Am Telefon am 3. März bestätigt",
        )
    assert Notification.objects.filter(kind="workflow_answered_on_behalf").count() == 1


def test_the_heads_own_answer_sends_no_on_behalf_mail(cast, workflow):
    from notifications.models import Notification

    services.workflow_propose(workflow=workflow, by=cast.manager)
    workflow.refresh_from_db()
    services.workflow_confirm(
        workflow=workflow, revision_id=workflow.latest_revision_id, by=cast.head_a
    )
    assert not Notification.objects.filter(kind="workflow_answered_on_behalf").exists()
