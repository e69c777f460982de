"""In Chromium (German office browser): an employee without an account answers the training
invitation from the link in her email with one click. Opening the link records nothing (mail
scanners open links too) and offers one button, the answer of the link, no second choice; the
click records it and the page shows it in German; a reload and a double click record nothing
more."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from guidelines.models import InvitationStatus
from rollout.models import PhaseKind
from tests import factories
from tests.browser.helpers import watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _send_at_any_hour(settings):
    settings.NOTIFY_QUIET_HOURS = False
    settings.NOTIFY_WEEKLY_CAP = 0


def _answer_link(address: str, answer: str) -> str:
    (message,) = [m for m in mail.outbox if address in m.to[0]]
    url = re.search(rf"https?://\S+/t/training/\S+/\?answer={answer}", message.body).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_rsvp_from_the_mail_link_with_one_click(page: Page, live_server):
    violations = watch_csp(page)
    phase = factories.RolloutFactory(name="Social Media 2027").phases.get(kind=PhaseKind.MOVE)
    sales = factories.DepartmentFactory(name="Vertrieb")
    greta = factories.PersonFactory(
        first_name="Greta", last_name="Gruber", email="greta@example.de", department=sales
    )
    hans = factories.PersonFactory(
        first_name="Hans", last_name="Huber", email="hans@example.de", department=sales
    )
    session = factories.training_session(
        phase=phase, title="LinkedIn im Vertrieb", departments=[sales], capacity=1
    )
    invitation = session.invitations.get(person=greta)

    # The link from the mail: one button with the link's answer, nothing recorded yet.
    page.goto(f"{live_server.url}{_answer_link(greta.email, 'accept')}")
    expect(page.locator("h1")).to_have_text("LinkedIn im Vertrieb")
    buttons = page.locator("main button[type=submit]")
    expect(buttons).to_have_count(1)
    expect(buttons).to_have_text("Ja, ich nehme teil")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.INVITED

    # One click records it; the page shows the recorded answer, in German.
    buttons.click()
    expect(page.locator("#rsvp-saved")).to_have_text("Vielen Dank, Ihre Antwort ist gespeichert.")
    expect(page.locator("#rsvp-status")).to_have_text("Ihre Antwort: Zugesagt")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    answered_at = invitation.responded_at

    # A reload records nothing again.
    page.reload()
    expect(page.locator("#rsvp-status")).to_have_text("Ihre Antwort: Zugesagt")
    invitation.refresh_from_db()
    assert invitation.responded_at == answered_at

    # The link opened again: the answer is shown, there is nothing to confirm.
    page.goto(f"{live_server.url}{_answer_link(greta.email, 'accept')}")
    expect(page.locator("#rsvp-status")).to_have_text("Ihre Antwort: Zugesagt")
    expect(page.locator("#rsvp-confirm")).to_have_count(0)

    # Hans double-clicks: one answer, recorded once (the only seat is Greta's: waitlist).
    page.goto(f"{live_server.url}{_answer_link(hans.email, 'accept')}")
    page.locator("#answer-accept").dblclick()
    expect(page.locator("#rsvp-status")).to_have_text("Ihre Antwort: Auf der Warteliste")
    expect(page.locator("#rsvp-waitlisted")).to_be_visible()
    statuses = dict(session.invitations.values_list("person__first_name", "status"))
    assert statuses == {"Greta": InvitationStatus.ACCEPTED, "Hans": InvitationStatus.WAITLISTED}
    assert violations == []
