"""In Chromium: sign in, see the dashboard, complete an activity inline, switch the language."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rollout.models import Activity, ActivityStatus, PhaseKind, Role
from rollout.services import activity_create
from tests import factories
from tests.browser.helpers import PASSWORD, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager():
    user = factories.UserFactory(
        email="mara@example.de", full_name="Mara Manager", password=PASSWORD, roles=[Role.MANAGER]
    )
    factories.PersonFactory(email=user.email, user=user, first_name="Mara", last_name="Manager")
    return user


def test_manager_signs_in_and_completes_an_activity_inline(page: Page, live_server, manager):
    violations = watch_csp(page)
    rollout = factories.RolloutFactory(name="Social Media 2027")
    phase = rollout.phases.get(kind=PhaseKind.UNFREEZE)
    activity = activity_create(
        phase=phase,
        title="Kick-off mit der Geschäftsführung",
        kind="meeting",
        by=None,
        due_date=timezone.localdate(),
    )

    sign_in(page, live_server, manager.email)
    # The start page is the dashboard itself (no redirect).
    assert page.url == f"{live_server.url}/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Social Media 2027")
    counter = page.locator(f"#phase-counter-{phase.pk}")
    expect(counter).to_contain_text("0 von 1")

    page.get_by_role("button", name=re.compile("Erledigt: Kick-off")).click()
    expect(page.get_by_role("button", name=re.compile("Wieder öffnen: Kick-off"))).to_be_visible()
    expect(counter).to_contain_text("1 von 1")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DONE
    assert page.url == f"{live_server.url}/", "htmx updated the page in place"
    assert violations == []


def test_language_switch_to_english_and_back(page: Page, live_server, manager):
    factories.RolloutFactory(name="Social Media 2027")
    sign_in(page, live_server, manager.email)
    expect(page.get_by_role("heading", name="Phasen")).to_be_visible()
    page.get_by_label("Sprache").select_option("en")
    page.get_by_role("button", name="Wechseln").click()
    expect(page.get_by_role("heading", name="Phases")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have been signed out")).to_be_visible()
    assert Activity.objects.count() == 0
