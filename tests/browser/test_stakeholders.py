"""In Chromium: the manager opens the stakeholder map, opens a card in the side panel, moves a
sceptic to supportive with a note, marks a champion and thanks them, all without reloading."""

import pytest
from playwright.sync_api import Page, expect

from rollout.models import Attitude, AttitudeChange, ChampionThanks, Role, StakeholderRole
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


def test_manager_moves_a_stakeholder_and_thanks_a_champion(page: Page, live_server, manager):
    violations = watch_csp(page)
    rollout = factories.RolloutFactory(name="Social Media 2027")
    sales = factories.DepartmentFactory(name="Vertrieb")
    sven = factories.StakeholderFactory(
        rollout=rollout,
        person=factories.PersonFactory(first_name="Sven", last_name="Skeptisch", department=sales),
        role=StakeholderRole.DEPARTMENT_HEAD,
        influence=4,
        attitude=Attitude.SCEPTICAL,
    )
    clara = factories.StakeholderFactory(
        rollout=rollout,
        person=factories.PersonFactory(first_name="Clara", last_name="Castell", department=sales),
        influence=3,
        attitude=Attitude.SUPPORTIVE,
    )

    sign_in(page, live_server, manager.email)
    map_url = f"{live_server.url}/rollouts/{rollout.pk}/stakeholders/"
    page.goto(map_url)
    expect(page.locator(f"#cell-4-2 #chip-{sven.pk}")).to_be_visible()
    # Sven is a sceptic with high influence: flagged.
    expect(page.locator("#stakeholder-flags")).to_contain_text("Sven Skeptisch")
    page.evaluate("window.stillTheSamePage = true")

    # Open Sven's card in the side panel.
    page.locator(f"#chip-{sven.pk}").click()
    panel = page.locator("#stakeholder-panel")
    expect(panel.locator("#card-heading")).to_have_text("Sven Skeptisch")
    expect(panel.locator("#card-heading")).to_be_focused()

    # Move him from sceptical to supportive with a note.
    panel.locator("#attitude-attitude").select_option(str(Attitude.SUPPORTIVE.value))
    panel.locator("#attitude-note").fill("Nach dem Workshop überzeugt")
    panel.locator("#attitude-submit").click()
    expect(panel.locator("#card-history li").first).to_contain_text("Nach dem Workshop überzeugt")
    expect(page.locator(f"#cell-4-4 #chip-{sven.pk}")).to_be_visible()
    expect(page.locator(f"#cell-4-2 #chip-{sven.pk}")).to_have_count(0)
    expect(page.locator("#stakeholder-flags")).not_to_contain_text("Sven Skeptisch")
    expect(page.locator("#messages .message")).to_have_count(1)

    # Mark Clara as a champion, then thank her; an empty thank-you is explained in place.
    page.locator(f"#chip-{clara.pk}").click()
    expect(panel.locator("#card-heading")).to_have_text("Clara Castell")
    panel.locator("#champion-note").fill("Zeigt den Kollegen LinkedIn")
    panel.locator("#champion-submit").click()
    expect(page.locator(f"#cell-3-5 #chip-{clara.pk}")).to_be_visible()
    expect(page.locator(f"#stakeholder-champions #champion-{clara.pk}")).to_be_visible()

    panel.locator("#thanks-submit").click()
    expect(panel.locator("#thanks-message")).to_have_attribute("aria-invalid", "true")
    panel.locator("#thanks-message").fill("Danke für die Fotos vom Messestand!")
    panel.locator("#thanks-submit").click()
    expect(panel.locator("#card-thanks")).to_contain_text("Danke für die Fotos vom Messestand!")
    expect(page.locator(f"#champion-{clara.pk}")).to_contain_text(
        "Danke für die Fotos vom Messestand!"
    )

    assert page.evaluate("window.stillTheSamePage") is True, "htmx updated the page in place"
    assert page.url == map_url
    change = AttitudeChange.objects.filter(stakeholder=sven).order_by("-pk").first()
    assert (change.from_attitude, change.to_attitude, change.note) == (
        Attitude.SCEPTICAL,
        Attitude.SUPPORTIVE,
        "Nach dem Workshop überzeugt",
    )
    assert change.changed_by == manager
    assert ChampionThanks.objects.get().stakeholder == clara
    assert violations == []


def test_card_works_as_a_page_without_javascript(browser, live_server, manager):
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    rollout = factories.RolloutFactory(name="Social Media 2027")
    sven = factories.StakeholderFactory(
        rollout=rollout,
        person=factories.PersonFactory(first_name="Sven", last_name="Skeptisch"),
        influence=4,
        attitude=Attitude.SCEPTICAL,
    )
    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/stakeholders/")
    page.locator(f"#chip-{sven.pk}").click()
    expect(page.locator("h1#card-heading")).to_have_text("Sven Skeptisch")
    page.locator("#attitude-attitude").select_option(str(Attitude.NEUTRAL.value))
    page.locator("#attitude-note").fill("Offener nach dem Gespräch")
    page.locator("#attitude-submit").click()
    expect(page.locator("#card-history li").first).to_contain_text("Offener nach dem Gespräch")
    expect(page.locator("#card-attitude")).to_contain_text("Neutral")
    context.close()
