"""Every page of the demo company in Chromium under the strict Content Security Policy: the
manager walks the navigation and the main detail pages of each area, the head of sales opens
their department, an employee follows a personal acknowledgment link. No page may report a
CSP violation, a console error or an uncaught script error."""

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef
from playwright.sync_api import Page

from devtools.demo import HEAD_EMAIL, MANAGER_EMAIL, ROLLOUT_NAME
from guidelines.models import (
    Acknowledgment,
    AcknowledgmentRequest,
    GuidelineVersion,
    TrainingSession,
    VersionStatus,
)
from guidelines.services.guidelines import ack_token
from rollout.models import ContentWorkflow, Department, Rollout, User
from tests.browser.helpers import PASSWORD, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _manager_pages() -> list[str]:
    rollout = Rollout.objects.get(name=ROLLOUT_NAME)
    department = Department.objects.filter(head__isnull=False).order_by("name").first()
    workflow = ContentWorkflow.objects.order_by("pk").first()
    version = GuidelineVersion.objects.filter(status=VersionStatus.PUBLISHED).order_by("pk").first()
    training = TrainingSession.objects.order_by("pk").first()
    assert department and workflow and version and training, "seed_demo fills every area"
    return [
        "/",
        "/me/",
        "/rollouts/",
        f"/rollouts/{rollout.pk}/",
        f"/rollouts/{rollout.pk}/plan/",
        f"/phases/{rollout.phases.order_by('order').first().pk}/gate/",
        "/departments/",
        f"/departments/{department.pk}/",
        "/people/import/",
        f"/rollouts/{rollout.pk}/stakeholders/",
        f"/rollouts/{rollout.pk}/communication/",
        f"/rollouts/{rollout.pk}/successes/",
        "/workflows/",
        f"/workflows/{workflow.pk}/",
        "/guidelines/",
        "/guidelines/mine/",
        f"/guidelines/versions/{version.pk}/",
        f"/guidelines/versions/{version.pk}/compliance/",
        f"/rollouts/{rollout.pk}/trainings/",
        f"/trainings/{training.pk}/",
        f"/trainings/{training.pk}/attendance/",
        "/notifications/",
        f"/rollouts/{rollout.pk}/reminders/",
        f"/rollouts/{rollout.pk}/reports/",
        "/branding/",
        f"/rollouts/{rollout.pk}/goals/",
        *[f"/goals/{goal.pk}/" for goal in rollout.goals.order_by("pk")[:1]],
        *[f"/goals/{goal.pk}/import/" for goal in rollout.goals.order_by("pk")[:1]],
        "/leadership/",
    ]


def _visit(page: Page, url: str, problems: list[str], found: list[str]) -> None:
    """Open a page, let htmx finish, and move what the page reported into `found`."""
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    page.wait_for_load_state("networkidle")
    found.extend(f"{url}: {problem}" for problem in problems)
    problems.clear()


def test_no_page_breaks_the_content_security_policy(page: Page, live_server):
    call_command("seed_demo", verbosity=0)
    for user in User.objects.filter(email__in=[MANAGER_EMAIL, HEAD_EMAIL]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    acknowledged = Acknowledgment.objects.filter(
        person_id=OuterRef("person_id"), version_id=OuterRef("version_id")
    )
    open_request = (
        AcknowledgmentRequest.objects.filter(version__status=VersionStatus.PUBLISHED)
        .exclude(Exists(acknowledged))
        .order_by("pk")
        .first()
    )

    violations = watch_csp(page)
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    found: list[str] = []
    sign_in(page, live_server, MANAGER_EMAIL)
    for path in _manager_pages():
        _visit(page, f"{live_server.url}{path}", problems, found)

    page.context.clear_cookies()
    sign_in(page, live_server, HEAD_EMAIL)
    _visit(page, f"{live_server.url}/my-department/", problems, found)

    page.context.clear_cookies()
    assert open_request is not None, "seed_demo leaves some acknowledgments open"
    token = ack_token(person_id=open_request.person_id, version_id=open_request.version_id)
    _visit(page, f"{live_server.url}/g/{token}/", problems, found)

    assert violations == []
    assert found == []
