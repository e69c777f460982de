"""In Chromium: the manager plans a communication item with a social homework inline and marks
it sent, records a key figure; leadership sees both, read-only."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rollout.models import (
    CommunicationItem,
    CommunicationStatus,
    KpiName,
    Role,
    StoryKind,
    SuccessStory,
)
from tests import factories
from tests.browser.helpers import PASSWORD, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    department = factories.DepartmentFactory(name="Vertrieb")
    users = {}
    for key, email, name, role in (
        ("manager", "mara@example.de", "Mara Manager", Role.MANAGER),
        ("leadership", "lena@example.de", "Lena Leitung", Role.LEADERSHIP),
    ):
        user = factories.UserFactory(email=email, full_name=name, password=PASSWORD, roles=[role])
        first, last = name.split()
        factories.PersonFactory(email=email, user=user, first_name=first, last_name=last)
        users[key] = user
    rollout = factories.RolloutFactory(name="Social Media 2027")
    return {"department": department, "rollout": rollout, **users}


def test_manager_plans_sends_and_records_leadership_reads(page: Page, live_server, people):
    violations = watch_csp(page)
    rollout = people["rollout"]
    plan_url = f"{live_server.url}/rollouts/{rollout.pk}/communication/"
    successes_url = f"{live_server.url}/rollouts/{rollout.pk}/successes/"
    day = timezone.localdate() + datetime.timedelta(days=2)

    # The manager plans an item with a social homework, inline.
    sign_in(page, live_server, people["manager"].email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Social Media 2027")
    page.goto(plan_url)
    page.locator("details.comm-new > summary").click()
    form = page.locator("#communication-form")
    form.locator("#communication-add").click()  # nothing filled in: the form explains, inline
    expect(page.locator("#communication-form .errorlist").first).to_be_visible()
    assert CommunicationItem.objects.count() == 0
    form.locator("#id_date").fill(day.isoformat())
    form.locator("#id_channel").select_option("department_meeting")
    form.locator("#id_message").fill("Social Media in der Vertriebsrunde vorstellen")
    form.locator(f"input[name=audience_departments][value='{people['department'].pk}']").check()
    form.locator("#id_social_homework").fill("LinkedIn-Profil aktualisieren")
    form.locator("#communication-add").click()

    item_locator = page.locator("#communication-list li.comm-item")
    expect(item_locator).to_have_count(1)
    expect(item_locator).to_contain_text("Social Media in der Vertriebsrunde vorstellen")
    expect(item_locator).to_contain_text("LinkedIn-Profil aktualisieren")
    expect(page.locator("#communication-form #id_message")).to_have_value("")
    item = CommunicationItem.objects.get()
    assert page.url == plan_url, "htmx added the item in place"
    assert item.social_homework == "LinkedIn-Profil aktualisieren"

    # ... and marks it sent: only this item re-renders.
    row = page.locator(f"#communication-{item.pk}")
    row.locator("form[action$='/sent/'] button").click()
    expect(row).to_have_class("comm-item status-done")
    expect(row.locator("form[action$='/sent/']")).to_have_count(0)
    item.refresh_from_db()
    assert item.status == CommunicationStatus.DONE

    # The manager records a key figure.
    page.goto(successes_url)
    page.locator("details.success-new > summary").click()
    story_form = page.locator("#success-form")
    story_form.locator("input[name=kind][value=kpi]").check()
    story_form.locator("#id_date").fill(timezone.localdate().isoformat())
    story_form.locator("#id_title").fill("Mehr Follower auf LinkedIn")
    story_form.locator("#id_kpi_name").select_option(KpiName.FOLLOWERS)
    # German grouping, which an <input type="number"> would refuse.
    story_form.locator("#id_kpi_value").fill("1.250")
    story_form.locator("#success-add").click()
    expect(page.locator("#kpi-followers")).to_contain_text("1.250")
    story = SuccessStory.objects.get()
    assert (story.kind, story.kpi_value) == (StoryKind.KPI, 1250)
    expect(page.locator(f"#story-{story.pk}")).to_contain_text("Mehr Follower auf LinkedIn")

    # Leadership sees both, read-only.
    page.context.clear_cookies()
    sign_in(page, live_server, people["leadership"].email)
    # Leadership starts on its own overview; the dashboard is one click away.
    expect(page.get_by_role("heading", level=1)).to_have_text("Was uns Social Media bringt")
    page.get_by_role("navigation").get_by_role("link", name="Übersicht").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Social Media 2027")
    page.goto(plan_url)
    expect(page.locator(f"#communication-{item.pk}")).to_contain_text(
        "LinkedIn-Profil aktualisieren"
    )
    expect(page.locator("#communication-form")).to_have_count(0)
    expect(page.locator("#main form[method=post]")).to_have_count(0)
    page.goto(successes_url)
    expect(page.locator("#kpi-followers")).to_contain_text("1.250")
    expect(page.locator(f"#story-{story.pk}")).to_contain_text("Mehr Follower auf LinkedIn")
    expect(page.locator("#success-form")).to_have_count(0)
    expect(page.locator("#main form[method=post]")).to_have_count(0)
    assert violations == []
