"""In Chromium: the manager sees a failed reminder, retries it in place (htmx, no reload),
follows the recipient to their notification log, and changes a reminder rule."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from notifications.models import Notification, NotificationState, ReminderRule
from notifications.services import notification_queue
from rollout.models import Role
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_retries_a_failed_reminder_and_tunes_a_rule(page: Page, live_server, settings):
    settings.NOTIFY_QUIET_HOURS = False
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    rollout = factories.RolloutFactory(name="Social Media 2027", created_by=manager)
    erika = factories.PersonFactory(first_name="Erika", last_name="Muster")
    row = notification_queue(
        kind="password_reset",
        to=factories.UserFactory(email=erika.email, full_name="Erika Muster"),
        dedup_key="browser:failed",
        due_at=timezone.now() + timezone.timedelta(days=1),
    )
    Notification.objects.filter(pk=row.pk).update(
        state=NotificationState.FAILED, attempts=5, last_error="SMTPConnectError: refused"
    )

    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/")
    page.locator("nav a[href='/notifications/']").click()
    expect(page.locator("#failed-table")).to_contain_text("SMTPConnectError")
    page.evaluate("window.stillTheSamePage = true")

    page.locator(f"#retry-{row.pk} button").click()
    expect(page.locator(f"#retry-{row.pk} button")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and row.attempts == 1

    page.reload()
    expect(page.locator("#failed-table")).to_have_count(0)
    expect(page.locator("#count-sent")).to_have_text("1")

    page.locator("#rules-link").click()
    form = page.locator("#rule-activity-form")
    form.locator("input[name='activity-every_days']").fill("5")
    form.locator("button[type='submit']").click()
    expect(page.locator("#messages .message")).to_have_count(1)
    rule = ReminderRule.objects.get(rollout=rollout, key="activity")
    assert rule.every_days == 5
    assert violations == []
