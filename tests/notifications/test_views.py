"""The notification pages for the whole cast: outbox (log, queue, failed with retry), the rule
settings, the reusable log include; query counts at two data sizes."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import (
    DepartmentChannel,
    Notification,
    NotificationState,
    ReminderRule,
    ReminderSettings,
)
from notifications.services import QueuedNotification, notification_queue_many
from tests import factories
from tests.conftest import CAST
from tests.helpers import expect_status
from tests.notifications.conftest import NOTE

pytestmark = pytest.mark.django_db


def _page(who: str) -> str:
    return "ok" if who == "manager" else ("login" if who == "anonymous" else "404")


def _action(who: str) -> str:
    return "redirect" if who == "manager" else ("login" if who == "anonymous" else "403")


def _rows(n: int, *, state=NotificationState.PENDING, person=None, about=None, prefix="r"):
    person = person or factories.PersonFactory()
    notification_queue_many(
        kind=NOTE,
        items=[
            QueuedNotification(
                to=person,
                dedup_key=f"{prefix}:{person.pk}:{i}",
                about=about,
                due_at=timezone.now() + datetime.timedelta(hours=1),
            )
            for i in range(n)
        ],
    )
    rows = Notification.objects.filter(dedup_key__startswith=f"{prefix}:{person.pk}:")
    if state == NotificationState.FAILED:
        rows.update(state=state, attempts=3, last_error="SMTPConnectError: refused")
    elif state == NotificationState.SENT:
        rows.update(state=state, sent_at=timezone.now(), attempts=1)
    return person


@pytest.mark.parametrize("who", CAST)
def test_outbox_is_for_the_manager(cast, who):
    person = _rows(1, state=NotificationState.FAILED)
    response = cast.client(who).get(reverse("notifications:outbox"))
    expect_status(response, _page(who))
    if who == "manager":
        assert "SMTPConnectError" in response.text
        assert f"?person={person.pk}" in response.text
    response = cast.client(who).get(reverse("notifications:outbox"), {"person": person.pk})
    expect_status(response, _page(who))


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_retries_a_failed_notification(
    cast, who, django_capture_on_commit_callbacks
):
    _rows(1, state=NotificationState.FAILED)
    row = Notification.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client(who).post(reverse("notifications:retry", args=[row.pk]))
    expect_status(response, _action(who))
    row.refresh_from_db()
    if who == "manager":
        assert row.state == NotificationState.SENT and len(mail.outbox) == 1
    else:
        assert row.state == NotificationState.FAILED and mail.outbox == []


def test_retry_with_htmx_answers_with_the_fragment(cast, django_capture_on_commit_callbacks):
    _rows(1, state=NotificationState.FAILED)
    row = Notification.objects.get()
    client = cast.client("manager")
    url = reverse("notifications:retry", args=[row.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="retry-{row.pk}"' in response.text and "<html" not in response.text
    again = client.post(url, HTTP_HX_REQUEST="true")  # a double click
    assert again.status_code == 200 and len(mail.outbox) == 1


def test_retry_of_an_unknown_row_is_404(cast):
    assert (
        cast.client("manager").post(reverse("notifications:retry", args=[999])).status_code == 404
    )


@pytest.mark.parametrize("who", CAST)
def test_rule_settings_are_for_the_manager(cast, who):
    url = reverse("notifications:rules", args=[cast.rollout.pk])
    response = cast.client(who).get(url)
    expect_status(response, _page(who))
    if who == "manager":
        assert 'id="rule-activity-form"' in response.text
    data = {
        "rule": "activity",
        "activity-enabled": "on",
        "activity-first_after_days": "1",
        "activity-every_days": "2",
        "activity-max_count": "4",
    }
    response = cast.client(who).post(url, data)
    expect_status(response, _action(who))
    rules = ReminderRule.objects.filter(rollout=cast.rollout)
    if who == "manager":
        rule = rules.get()
        assert (rule.first_after_days, rule.every_days, rule.max_count, rule.escalate) == (
            1,
            2,
            4,
            False,
        )
    else:
        assert not rules.exists()


def test_invalid_rule_settings_are_shown_not_saved(cast):
    url = reverse("notifications:rules", args=[cast.rollout.pk])
    data = {
        "rule": "activity",
        "activity-first_after_days": "1",
        "activity-every_days": "0",
        "activity-max_count": "",
    }
    response = cast.client("manager").post(url, data)
    assert response.status_code == 400
    assert not ReminderRule.objects.exists()


def _queries(client, url: str) -> int:
    client.get(url)  # warm the session and the navigation cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_outbox_queries_do_not_grow(cast):
    """The same number of queries with 3 rows and with 90 (the navigation's own query is
    cached with Redis, so the bound leaves room for it; one more for the mass mailings)."""
    client, url = cast.client("manager"), reverse("notifications:outbox")
    for state in (NotificationState.FAILED, NotificationState.PENDING, NotificationState.SENT):
        _rows(1, state=state, prefix=f"{state}-a")
    small = _queries(client, url)
    for state in (NotificationState.FAILED, NotificationState.PENDING, NotificationState.SENT):
        for n in range(10):
            _rows(3, state=state, prefix=f"{state}-b{n}")
    assert _queries(client, url) == small <= 8  # sent and cancelled are two lists now


@pytest.mark.parametrize("size", [1, 20])
def test_the_log_include_shows_an_objects_notifications(cast, size, django_assert_num_queries):
    activity = factories.ActivityFactory(phase=cast.rollout.phases.first())
    _rows(size, about=activity, state=NotificationState.SENT)
    _rows(3, prefix="other")
    with django_assert_num_queries(1):
        html = render_to_string("notifications/log.html", {"about": activity})
    assert html.count("<tr>") == size + 1


@pytest.mark.parametrize("who", CAST)
def test_department_channels_are_for_the_manager(cast, who, public_dns):
    url = reverse("notifications:channels")
    response = cast.client(who).get(url)
    expect_status(response, _page(who))
    if who == "manager":
        assert f'id="channel-{cast.department_a.pk}-form"' in response.text
    prefix = f"d{cast.department_a.pk}"
    data = {
        "department": cast.department_a.pk,
        f"{prefix}-kind": "slack",
        f"{prefix}-url": "https://hooks.slack.example/services/T000/B000/XXXX",
        f"{prefix}-enabled": "on",
    }
    response = cast.client(who).post(url, data)
    expect_status(response, _action(who))
    channels = DepartmentChannel.objects.filter(department=cast.department_a)
    assert channels.count() == (1 if who == "manager" else 0)
    if who == "manager":
        cast.client(who).post(url, data)  # saved again: still one channel
        assert channels.get().enabled and channels.count() == 1


def test_a_channel_needs_a_valid_address(cast):
    prefix = f"d{cast.department_b.pk}"
    response = cast.client("manager").post(
        reverse("notifications:channels"),
        {"department": cast.department_b.pk, f"{prefix}-kind": "teams", f"{prefix}-url": "nope"},
    )
    assert response.status_code == 400
    assert not DepartmentChannel.objects.exists()
    missing = cast.client("manager").post(reverse("notifications:channels"), {"department": 999})
    assert missing.status_code == 404


def test_channel_page_queries_do_not_grow(cast):
    client, url = cast.client("manager"), reverse("notifications:channels")

    def channels(n: int) -> None:
        for department in factories.DepartmentFactory.create_batch(n):
            DepartmentChannel.objects.create(
                department=department, kind="teams", url="https://example.org/hook"
            )

    channels(2)
    small = _queries(client, url)
    channels(25)
    assert _queries(client, url) == small <= 4


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_sets_the_federal_state(cast, who):
    url = reverse("notifications:rules", args=[cast.rollout.pk])
    response = cast.client(who).post(url, {"rule": "_settings", "settings-holiday_state": "BY"})
    expect_status(response, _action(who))
    saved = ReminderSettings.objects.filter(rollout=cast.rollout)
    if who == "manager":
        assert saved.get().holiday_state == "BY"
        page = cast.client(who).get(url)
        assert '<option value="BY" selected>' in page.text
        bad = cast.client(who).post(url, {"rule": "_settings", "settings-holiday_state": "XX"})
        assert bad.status_code == 400 and saved.get().holiday_state == "BY"
    else:
        assert not saved.exists()
