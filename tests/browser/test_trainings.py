"""In Chromium: the manager schedules a workshop with two seats for three people; all three
accept from their emails (no password), the third lands on the waitlist; one declines and the
third is promoted and told; the manager ticks attendance on the phone-sized list; the
dashboard's training coverage goes up."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from guidelines.models import InvitationStatus, TrainingSession
from rollout.models import PhaseStatus, Role
from tests import factories
from tests.browser.helpers import PASSWORD, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _send_at_any_hour(settings):
    settings.NOTIFY_QUIET_HOURS = False


def _mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to[0]]


def _link(message, answer: str) -> str:
    url = re.search(rf"https?://\S+/t/training/\S+/\?answer={answer}", message.body).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_waitlist_promotion_attendance_and_coverage(page: Page, browser, live_server):
    violations = watch_csp(page)
    rollout = factories.RolloutFactory(name="Social Media 2027")
    move = rollout.phases.get(kind="move")
    manager = factories.UserFactory(
        email="mara@example.de", full_name="Mara Manager", password=PASSWORD, roles=[Role.MANAGER]
    )
    factories.PersonFactory(
        email=manager.email, user=manager, first_name="Mara", last_name="Manager", department=None
    )
    sales = factories.DepartmentFactory(name="Vertrieb")
    people = [
        factories.PersonFactory(
            first_name=first, last_name=last, email=f"{first.lower()}@example.de", department=sales
        )
        for first, last in (("Anna", "Auer"), ("Bernd", "Bauer"), ("Carla", "Cramer"))
    ]
    anna, bernd, carla = people

    # The dashboard before: nobody in Vertrieb is trained.
    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/")
    coverage_cell = page.locator(f"#readiness-{sales.pk} td[data-signal='training_coverage']")
    expect(coverage_cell).to_contain_text("0 %")

    # Schedule: two seats, three chosen people.
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/trainings/")
    page.locator("#training-new").click()
    page.locator("#id_title").fill("LinkedIn im Vertrieb")
    page.locator("#id_phase").select_option(str(move.pk))
    page.locator("#id_date").fill("2031-03-27")
    page.locator("#id_start_time").fill("09:30")
    page.locator("#id_end_time").fill("12:00")
    page.locator("#id_room").fill("Schulungsraum 1")
    page.locator("#id_capacity").fill("2")
    page.locator("#id_people").fill("anna@example.de, bernd@example.de\ncarla@example.de")
    page.locator("#session-submit").click()
    expect(page.locator("h1")).to_have_text("LinkedIn im Vertrieb")
    session = TrainingSession.objects.get()
    expect(page.locator("#session-when")).to_contain_text("09:30")

    # Each gets an invitation with a calendar file; they accept in order, from their emails.
    for person in people:
        (message,) = _mails_to(person.email)
        assert message.attachments[0][0] == "invite.ics"
    answer_page = browser.new_page(locale="de-DE", timezone_id="Europe/Berlin")
    answer_violations = watch_csp(answer_page)
    for person in people:
        (message,) = _mails_to(person.email)
        answer_page.goto(f"{live_server.url}{_link(message, 'accept')}")
        answer_page.locator("#answer-accept").click()
        expect(answer_page.locator("#rsvp-saved")).to_be_visible()
    expect(answer_page.locator("#rsvp-waitlisted")).to_be_visible()  # Carla, the third
    statuses = dict(session.invitations.values_list("person__first_name", "status"))
    assert statuses == {
        "Anna": InvitationStatus.ACCEPTED,
        "Bernd": InvitationStatus.ACCEPTED,
        "Carla": InvitationStatus.WAITLISTED,
    }

    # Bernd declines with the link from his email; Carla is promoted and told.
    (message,) = _mails_to(bernd.email)
    answer_page.goto(f"{live_server.url}{_link(message, 'decline')}")
    answer_page.locator("#answer-decline").click()
    expect(answer_page.locator("#rsvp-saved")).to_be_visible()
    promoted = _mails_to(carla.email)
    assert len(promoted) == 2, [m.subject for m in promoted]
    page.goto(f"{live_server.url}/trainings/{session.pk}/")
    expect(page.locator("#answers-accepted")).to_contain_text("Carla Cramer")
    expect(page.locator("#answers-declined")).to_contain_text("Bernd Bauer")
    expect(page.locator("#answers-waitlisted li")).to_have_count(0)

    # Attendance on a phone-sized screen: one tap per person, no reload.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="de-DE", timezone_id="Europe/Berlin"
    )
    phone_page = phone.new_page()
    phone_violations = watch_csp(phone_page)
    sign_in(phone_page, live_server, manager.email)
    phone_page.goto(f"{live_server.url}/trainings/{session.pk}/attendance/")
    phone_page.evaluate("window.stillTheSamePage = true")
    for person in (anna, carla):
        invitation = session.invitations.get(person=person)
        button = phone_page.locator(f"#attendee-{invitation.pk} button")
        button.click()
        expect(phone_page.locator(f"#attendee-{invitation.pk} button")).to_have_attribute(
            "aria-pressed", "true"
        )
    expect(phone_page.locator("#attendance-counter")).to_contain_text("2")
    assert phone_page.evaluate("window.stillTheSamePage") is True
    assert set(
        session.invitations.filter(attended=True).values_list("person__first_name", flat=True)
    ) == {"Anna", "Carla"}

    # The dashboard now shows two of three trained in Vertrieb.
    assert rollout.phases.filter(status=PhaseStatus.ACTIVE).exists()
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/")
    expect(coverage_cell).to_contain_text("66 %")
    assert violations == [] and phone_violations == [] and answer_violations == []
    phone.close()
