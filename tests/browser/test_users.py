"""In a German Chromium: the manager invites a person from the directory, gives them the
leadership role on their page, and finds it kept when opening the page again from the list."""

import pytest
from playwright.sync_api import Page, expect

from notifications.models import Notification
from rollout.models import AccountEvent, Role, User
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_invites_a_person_and_makes_them_leadership(page: Page, live_server):
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    factories.PersonFactory(
        first_name="Nora",
        last_name="Neumann",
        email="nora.neumann@example.de",
        user=None,
        department=factories.DepartmentFactory(name="Vertrieb"),
    )
    sign_in(page, live_server, manager.email)

    page.get_by_role("navigation").get_by_role("link", name="Benutzer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benutzer")
    page.get_by_role("link", name="Person einladen").click()

    page.get_by_label("Person aus dem Verzeichnis").select_option(
        label="Nora Neumann <nora.neumann@example.de>, Vertrieb"
    )
    page.get_by_role("button", name="Einladen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Nora Neumann")
    expect(page.locator("#messages")).to_contain_text("hat jetzt ein Login")
    expect(page.locator("#user-status")).to_contain_text("Eingeladen")

    roles = page.get_by_role("group", name="Rollen von Nora Neumann")
    roles.get_by_label("Geschäftsführung").check()
    page.get_by_role("button", name="Rollen speichern").click()
    expect(page.locator("#messages")).to_contain_text(
        "Die Rollen von Nora Neumann sind gespeichert"
    )

    # Opened again from the list: the role is kept and in the history.
    page.get_by_role("navigation").get_by_role("link", name="Benutzer").click()
    row = page.locator("#user-table tr", has_text="Nora Neumann")
    expect(row).to_contain_text("Geschäftsführung")
    row.get_by_role("link", name="Nora Neumann").click()
    expect(
        page.get_by_role("group", name="Rollen von Nora Neumann").get_by_label("Geschäftsführung")
    ).to_be_checked()
    expect(page.locator("#user-history")).to_contain_text("Rolle vergeben: Geschäftsführung")
    expect(page.locator("#user-history")).to_contain_text("von Mara Manager")

    nora = User.objects.get(email="nora.neumann@example.de")
    assert nora.roles == {Role.LEADERSHIP.value}
    assert nora.person.email == "nora.neumann@example.de"
    assert AccountEvent.objects.filter(user=nora).count() == 2
    assert Notification.objects.filter(kind="account_invitation", user=nora).count() == 1
    assert violations == []
