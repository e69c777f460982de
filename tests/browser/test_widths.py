"""Every page fits the screen: at 1366 px (an office laptop) and at 390 px (a phone) no page of
the demo company scrolls sideways, and on the phone the navigation is a menu that opens and
closes instead of filling the first screen."""

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from playwright.sync_api import Page, expect

from devtools.demo import HEAD_EMAIL, MANAGER_EMAIL
from goals.models import Goal
from goals.services import goal_value_link_path
from guidelines.models import AcknowledgmentRequest, TrainingInvitation, VersionStatus
from guidelines.services.guidelines import ack_token
from guidelines.services.trainings import feedback_token, rsvp_token
from notifications.emails import unsubscribe_token
from rollout.models import (
    ContentWorkflow,
    GateException,
    Person,
    Phase,
    PhaseStatus,
    User,
    WorkflowRevision,
)
from rollout.services.gates import gate_exception_link_path
from rollout.services.workflows import supply_link_path
from tests.browser.helpers import PASSWORD, sign_in
from tests.browser.test_csp_everywhere import _manager_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"laptop": (1366, 768), "phone": (390, 844)}


def _cards_that_scroll(page: Page) -> list[str]:
    """The cards (and scroll boxes) whose content is wider than they are."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
            "main .card, main .heatmap-scroll, main .table-scroll")]
          .filter(el => el.scrollWidth > el.clientWidth + 1)
          .map(el => (el.id || el.className) + ` (${el.scrollWidth - el.clientWidth} px)`)"""
    )


def _overflow(page: Page) -> str:
    """'' when the page fits its width, else how far it scrolls and the widest culprits."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const scroll = document.documentElement.scrollWidth;
          if (scroll <= width + 1) return "";
          const clipped = el => {
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
              if (getComputedStyle(up).overflowX !== "visible") return true;
            }
            return false;
          };
          const wide = [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .filter(el => !el.closest(".visually-hidden, .skip-link") && !clipped(el))
            .slice(-4)
            .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                 + (el.className && typeof el.className === "string"
                    ? "." + el.className.trim().split(/\\s+/).join(".") : ""));
          return `${scroll - width} px too wide: ${wide.join(", ")}`;
        }"""
    )


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    for user in User.objects.filter(email__in=[MANAGER_EMAIL, HEAD_EMAIL]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def _emailed_links() -> list[str]:
    """The pages people reach from a mail without signing in: acknowledgment, RSVP, training
    feedback, content supply, unsubscribe, a goal owner's value, the sponsor's gate exception."""
    request = (
        AcknowledgmentRequest.objects.filter(version__status=VersionStatus.PUBLISHED)
        .order_by("pk")
        .first()
    )
    invitation = TrainingInvitation.objects.order_by("pk").first()
    attended = TrainingInvitation.objects.filter(attended=True).order_by("pk").first()
    supplier = WorkflowRevision.suppliers.through.objects.order_by("pk").first()
    workflow = ContentWorkflow.objects.get(
        Q(latest_revision_id=supplier.workflowrevision_id)
        | Q(confirmed_revision_id=supplier.workflowrevision_id)
    )
    person = Person.objects.get(pk=supplier.person_id)
    goal = Goal.objects.order_by("pk").first()
    goal.owner = person
    goal.save(update_fields=["owner"])
    phase = Phase.objects.filter(status=PhaseStatus.ACTIVE).select_related("rollout").first()
    exception = GateException.objects.create(
        phase=phase, reason="Die Messe beginnt.", sponsor=phase.rollout.sponsor
    )
    return [
        goal_value_link_path(goal=goal),
        gate_exception_link_path(exception=exception),
        f"/g/{ack_token(person_id=request.person_id, version_id=request.version_id)}/",
        reverse("guidelines:training_rsvp", args=[rsvp_token(invitation)]),
        reverse("guidelines:training_feedback", args=[feedback_token(attended)]),
        supply_link_path(workflow=workflow, person=person),
        reverse(
            "notifications:unsubscribe",
            args=[unsubscribe_token(request.person.email, "guideline_ack_request")],
        ),
    ]


@pytest.mark.parametrize("screen", sorted(WIDTHS))
def test_no_page_scrolls_sideways(page: Page, live_server, demo, screen):
    width, height = WIDTHS[screen]
    page.set_viewport_size({"width": width, "height": height})
    wrong = []

    def check(path: str) -> None:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        if problem := _overflow(page):
            wrong.append(f"{path}: {problem}")
        if screen == "laptop" and (cards := _cards_that_scroll(page)):
            wrong.append(f"{path}: content leaves its card: {', '.join(cards)}")

    for link in _emailed_links():
        check(link)
    check("/accounts/login/")
    sign_in(page, live_server, MANAGER_EMAIL)
    for path in _manager_pages():
        check(path)
    page.context.clear_cookies()
    sign_in(page, live_server, HEAD_EMAIL)
    check("/my-department/")
    assert wrong == [], f"{screen} ({width} px):\n" + "\n".join(wrong)


def test_on_a_phone_the_navigation_is_a_menu(page: Page, live_server, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, MANAGER_EMAIL)
    menu = page.get_by_role("button", name="Menü")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Abteilungen")).to_be_hidden()
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] < 140, header
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    nav.get_by_role("link", name="Abteilungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Abteilungen")
    # The keyboard opens it too, and Escape closes it again.
    page.get_by_role("button", name="Menü").focus()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="Abteilungen")).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="Abteilungen")).to_be_hidden()
    # On the laptop there is no menu button: the links are all there.
    page.set_viewport_size({"width": 1366, "height": 768})
    expect(page.get_by_role("button", name="Menü")).to_be_hidden()
    expect(nav.get_by_role("link", name="Abteilungen")).to_be_visible()
