"""With DEBUG on (as in `make run`), a form sent with htmx that the server refuses with 400
shows its errors in place: the page stays, styled, with what was typed."""

import pytest
from playwright.sync_api import Page, expect

from rollout.models import CommunicationItem, Role
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_empty_communication_item_shows_its_errors_in_place_with_debug_on(
    page: Page, live_server, settings
):
    settings.DEBUG = True
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    rollout = factories.RolloutFactory(name="Social Media 2027")
    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/communication/")
    heading = page.get_by_role("heading", level=1)
    title = heading.inner_text()
    page.locator("details.comm-new > summary").click()
    form = page.locator("#communication-form")
    form.locator("#id_message").fill("Social Media in der Vertriebsrunde vorstellen")
    form.locator("#communication-add").click()  # no date, no channel
    expect(form.locator(".errorlist").first).to_be_visible()
    expect(heading).to_have_text(title)  # the page is still there, not an error fragment
    expect(page.locator("header.topbar")).to_be_visible()
    expect(form.locator("#id_message")).to_have_value(
        "Social Media in der Vertriebsrunde vorstellen"
    )
    assert page.locator("link[rel=stylesheet]").count() >= 1
    assert page.locator("script[src*='django-htmx']").count() == 0
    assert CommunicationItem.objects.count() == 0
    assert violations == []
