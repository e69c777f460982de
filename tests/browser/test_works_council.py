"""In Chromium, German: a member of the works council signs in with their own login, finds
the version sent to the council, reads what changed and approves it; the page re-opened shows
the approval with its date and works agreement (issue 15)."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from guidelines.models import VersionStatus
from guidelines.services import guidelines as services
from rollout.models import Role
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_works_council_approves_from_its_own_login(page: Page, live_server):
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    browser_user("wilma@example.de", "Wilma Werkrat", Role.WORKS_COUNCIL)
    version = factories.guideline_version("draft")
    services.version_submit(version=version, by=manager)

    sign_in(page, live_server, "wilma@example.de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Betriebsrat")
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_contain_text("Betriebsrat")
    page.locator(f"#waiting-{version.pk} a").click()
    expect(page.locator("#version-status")).to_have_class(
        f"status-badge status-{VersionStatus.REVIEW}"
    )
    expect(page.locator("#council-changes")).to_be_visible()

    today = timezone.localdate()
    expect(page.get_by_label("Vom Betriebsrat freigegeben am")).to_have_value(today.isoformat())
    page.get_by_label("Referenz der Betriebsvereinbarung").fill("BV 2026/11 Social Media")
    page.locator("#council-approve").click()
    expect(page.locator(".messages")).to_contain_text("Freigegeben")

    page.reload()
    expect(page.locator("#version-status")).to_have_class(
        f"status-badge status-{VersionStatus.APPROVED}"
    )
    expect(page.locator("#version-reference")).to_have_text("BV 2026/11 Social Media")
    expect(page.locator("#version-approved")).to_contain_text(str(today.year))
    expect(page.locator("#council-decide")).to_have_count(0)
    expect(page.locator("#council-history")).to_contain_text("Wilma Werkrat")
    assert violations == []
