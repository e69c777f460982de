"""In Chromium: the manager proposes a content workflow; the department head, who has no
password, signs in through the one-time link from the email, requests a change; the manager
revises; the head confirms; the dashboard shows the workflow confirmed."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from rollout.models import (
    ContentWorkflow,
    Role,
    WorkflowAction,
    WorkflowEvent,
    WorkflowState,
)
from tests import factories
from tests.browser.helpers import PASSWORD, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _send_at_any_hour(settings):
    settings.NOTIFY_QUIET_HOURS = False


def _mail_to(address: str) -> mail.EmailMessage:
    found = [message for message in mail.outbox if address in message.to[0]]
    assert found, f"no mail to {address}: {[m.to for m in mail.outbox]}"
    return found[-1]


def test_head_confirms_a_workflow_after_one_change(page: Page, browser, live_server):
    violations = watch_csp(page)
    rollout = factories.RolloutFactory(name="Social Media 2027")
    manager = factories.UserFactory(
        email="mara@example.de", full_name="Mara Manager", password=PASSWORD, roles=[Role.MANAGER]
    )
    factories.PersonFactory(
        email=manager.email, user=manager, first_name="Mara", last_name="Manager", department=None
    )
    events = factories.DepartmentFactory(name="Veranstaltungen")
    # The head is in the directory only: no account, no password.
    head = factories.PersonFactory(
        first_name="Hanna", last_name="Haupt", email="hanna.haupt@example.de", department=events
    )
    events.head = head
    events.save(update_fields=["head"])
    factories.PersonFactory(
        first_name="Lisa", last_name="Liefer", email="lisa.liefer@example.de", department=events
    )

    # The manager writes the workflow and proposes it.
    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/workflows/")
    page.locator("#new-workflow-department").select_option(label="Veranstaltungen")
    page.locator("#new-workflow-form button").click()
    page.locator("#id_title").fill("Eventfotos")
    page.locator("#id_content").fill("5-10 Fotos im Querformat")
    page.locator("#id_trigger").fill("Jedes Firmenevent")
    page.locator("#id_suppliers").fill("lisa.liefer@example.de")
    page.locator("#id_turnaround").fill("24")
    page.locator("#id_channel_detail").fill("social@example.de")
    page.locator("#workflow-save").click()
    expect(page.locator("#workflow-heading")).to_have_text("Eventfotos")
    page.locator("#workflow-propose").click()
    expect(page.locator("#workflow-state [data-state]")).to_have_attribute("data-state", "proposed")
    workflow = ContentWorkflow.objects.get(title="Eventfotos")

    # The head signs in through the one-time link in the email, in a browser of their own.
    message = _mail_to("hanna.haupt@example.de")
    login_url = re.search(r"https?://\S+/accounts/sign-in-link/\S+/", message.body).group(0)
    login_path = login_url.split("://", 1)[1].split("/", 1)[1]
    head_context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    head_page = head_context.new_page()
    head_violations = watch_csp(head_page)
    head_page.goto(f"{live_server.url}/{login_path}")
    head_page.locator("#login-link-submit").click()
    expect(head_page.locator("#workflow-heading")).to_have_text("Eventfotos")

    # ... and requests a change on "My department", in place.
    head_page.goto(f"{live_server.url}/my-department/")
    card = head_page.locator(f"#workflow-card-{workflow.pk}")
    card.locator(f"#changes-comment-{workflow.pk}").fill(
        "Bitte 48 Stunden, am Wochenende geht es nicht"
    )
    card.locator(f"#changes-{workflow.pk}").click()
    expect(card.locator("[data-state]").first).to_have_attribute("data-state", "changes_requested")
    expect(head_page.locator("#messages .message")).to_have_count(1)
    # Focus stays on the answered card, and the message is announced (aria-live region).
    expect(card.locator("h4")).to_be_focused()
    # A used link does not sign in again.
    other = browser.new_context(locale="de-DE")
    other_page = other.new_page()
    other_page.goto(f"{live_server.url}/{login_path}")
    expect(other_page.locator("#login-link-submit")).to_have_count(0)
    other.close()

    # The manager sees the request and revises.
    assert "Bitte 48 Stunden" in _mail_to("mara@example.de").body
    page.goto(f"{live_server.url}/workflows/{workflow.pk}/")
    expect(page.locator("#change-request")).to_contain_text("Bitte 48 Stunden")
    page.locator("#workflow-edit-link").click()
    page.locator("#id_turnaround").fill("48")
    page.locator("#workflow-save").click()
    page.locator("#workflow-propose").click()
    expect(page.locator("#decision")).to_be_visible()
    # What changed, field by field: 24 hours became 2 days.
    expect(page.locator("#diff-2 del")).to_have_text(re.compile(r"^24\b"))
    expect(page.locator("#diff-2 ins")).to_have_text(re.compile(r"^2\b"))

    # The head confirms the revision.
    head_page.goto(f"{live_server.url}/my-department/")
    card = head_page.locator(f"#workflow-card-{workflow.pk}")
    card.locator(f"#confirm-{workflow.pk}").click()
    expect(card.locator("[data-state]").first).to_have_attribute("data-state", "confirmed")

    # The dashboard's heatmap shows the department's workflow confirmed.
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/")
    cell = page.locator(f"#readiness-{events.pk} td[data-signal=content_workflow]")
    expect(cell).to_have_attribute("data-level", "good")
    expect(cell).to_contain_text("1")

    workflow.refresh_from_db()
    assert workflow.confirmed_revision.number == 2
    assert workflow.confirmed_revision.state == WorkflowState.CONFIRMED
    assert list(
        WorkflowEvent.objects.filter(workflow=workflow)
        .order_by("at", "pk")
        .values_list("action", flat=True)
    ) == [
        WorkflowAction.CREATED,
        WorkflowAction.PROPOSED,
        WorkflowAction.CHANGES_REQUESTED,
        WorkflowAction.REVISED,
        WorkflowAction.PROPOSED,
        WorkflowAction.CONFIRMED,
    ]
    confirmed = WorkflowEvent.objects.get(workflow=workflow, action=WorkflowAction.CONFIRMED)
    head.refresh_from_db()
    assert confirmed.by == head.user
    assert confirmed.on_behalf_of is None
    head_context.close()
    assert violations == []
    assert head_violations == []
