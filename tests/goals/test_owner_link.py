"""The goal's owner enters key figure values from an emailed link: no account, their
language, the value marked as theirs; the manager asks at most once a day."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from goals import services
from goals.models import GoalValue, ValueSource
from notifications.models import Notification
from tests.goals.helpers import make_goal

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(cast):
    return make_goal(cast.rollout, weeks=3, owner=cast.head_a.person)


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/goals/value/[^\s<\"]+)", body)
    assert match, body
    return match.group(1)


def _ask(client, goal, capture):
    with capture(execute=True):
        response = client.post(reverse("goals:value_request", args=[goal.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("goals:detail", args=[goal.pk])
    return response.text


def test_the_manager_asks_the_owner_once_a_day(cast, goal, django_capture_on_commit_callbacks):
    client = cast.client("manager")
    assert "wird per E-Mail gefragt" in _ask(client, goal, django_capture_on_commit_callbacks)
    again = _ask(client, goal, django_capture_on_commit_callbacks)
    assert "wurde heute schon gefragt" in again
    assert Notification.objects.filter(kind="goal_value_request").count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert cast.head_a.email in message.to[0]
    assert message.subject == "Bitte tragen Sie den aktuellen Wert ein: LinkedIn-Follower"
    assert "ohne Passwort" in message.body


def test_a_goal_without_owner_cannot_be_asked(cast, django_capture_on_commit_callbacks):
    goal = make_goal(cast.rollout, weeks=1)
    page = _ask(cast.client("manager"), goal, django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()
    assert "Das Ziel hat keine verantwortliche Person mit E-Mail-Adresse." in page


def test_the_owner_enters_a_value_from_the_link_without_an_account(
    cast, goal, django_capture_on_commit_callbacks
):
    _ask(cast.client("manager"), goal, django_capture_on_commit_callbacks)
    path = _link(mail.outbox[0].body)
    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200 and 'lang="de"' in page.text
    assert "Aktueller Wert von „LinkedIn-Follower“" in page.text
    today = timezone.localdate()
    data = {"date": today.isoformat(), "value": "1.234,5"}
    saved = visitor.post(path, data)
    assert saved.status_code == 302
    visitor.post(path, data)  # a double submit saves once
    row = GoalValue.objects.get(goal=goal, date=today)
    assert str(row.value) == "1234.50" and row.source == ValueSource.OWNER_LINK
    again = visitor.get(path).text
    assert "Danke, der Wert ist gespeichert." in again and "1.234,5" in again
    refused = visitor.post(path, {"date": today.isoformat(), "value": "viele"})
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.text


def test_the_link_page_speaks_the_owners_language(cast, goal):
    person = cast.head_a.person
    person.language = "en"
    person.save(update_fields=["language"])
    path = services.goal_value_link_path(goal=goal)
    page = Client().get(path, HTTP_ACCEPT_LANGUAGE="de")
    assert 'lang="en"' in page.text and "Current value of “LinkedIn-Follower”" in page.text


def test_the_link_stops_working_for_a_former_owner(cast, goal):
    path = services.goal_value_link_path(goal=goal)
    goal.owner = cast.head_b.person
    goal.save(update_fields=["owner"])
    assert Client().get(path).status_code == 404
    assert Client().get(path[:-4] + "abc/").status_code == 404
    assert Client().post(path, {"date": "2026-01-01", "value": "5"}).status_code == 404
    assert not GoalValue.objects.filter(source=ValueSource.OWNER_LINK).exists()


@pytest.mark.parametrize("weeks", [2, 40])
def test_the_link_page_needs_a_fixed_number_of_queries(cast, weeks, django_assert_max_num_queries):
    goal = make_goal(cast.rollout, weeks=weeks, owner=cast.head_a.person)
    path = services.goal_value_link_path(goal=goal)
    client = Client()
    with django_assert_max_num_queries(6):
        assert client.get(path).status_code == 200
