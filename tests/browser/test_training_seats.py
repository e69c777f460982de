"""In Chromium (German): the manager lowers a session's seats below its acceptances; the edit
page comes back with the accepted people to choose from, the focus on the choice (a screen
reader hears why), and the keyboard alone picks who moves to the waitlist."""

import pytest
from playwright.sync_api import Page, expect

from guidelines.models import InvitationStatus
from guidelines.services import trainings as services
from rollout.models import PhaseKind, Role
from tests import factories
from tests.browser.helpers import PASSWORD, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _send_at_any_hour(settings):
    settings.NOTIFY_QUIET_HOURS = False


def test_lowering_the_seats_asks_who_moves_to_the_waitlist(page: Page, live_server):
    violations = watch_csp(page)
    manager = factories.UserFactory(
        email="mara@example.de", full_name="Mara Manager", password=PASSWORD, roles=[Role.MANAGER]
    )
    sales = factories.DepartmentFactory(name="Vertrieb")
    people = [
        factories.PersonFactory(first_name=first, last_name="Muster", department=sales)
        for first in ("Anna", "Bernd", "Carla")
    ]
    session = factories.training_session(
        phase=factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE),
        departments=[sales],
        capacity=3,
    )
    for person in people:
        invitation = session.invitations.get(person=person)
        services.invitation_respond(invitation=invitation, answer="accept")

    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/trainings/{session.pk}/edit/")
    page.locator("#id_capacity").fill("2")
    page.locator("#session-submit").click()

    choice = page.locator("#waitlist-choice")
    expect(choice).to_contain_text("Weniger Plätze als Zusagen: 1 Person kommt auf die Warteliste")
    expect(choice.get_by_label("Bernd Muster (Vertrieb)")).to_be_visible()
    # The page moved to the first error: the choice, with its message.
    focused = page.evaluate("document.activeElement.closest('#waitlist-choice') !== null")
    assert focused
    expect(choice).to_contain_text("Wählen Sie 1 Person, die auf die Warteliste kommt.")

    # Keyboard only: tick Bernd with the space bar, submit with Enter on the button.
    choice.get_by_label("Bernd Muster (Vertrieb)").focus()
    page.keyboard.press("Space")
    page.locator("#session-submit").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(session.title)
    expect(page.get_by_text("1 Person ist an den Anfang der Warteliste gekommen")).to_be_visible()
    statuses = dict(session.invitations.values_list("person__first_name", "status"))
    assert statuses == {
        "Anna": InvitationStatus.ACCEPTED,
        "Bernd": InvitationStatus.WAITLISTED,
        "Carla": InvitationStatus.ACCEPTED,
    }
    assert violations == []
