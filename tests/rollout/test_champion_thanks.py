"""Champions hear their thanks (issue 16): a thank-you goes to the champion by email through
the outbox, to their department's Teams/Slack channel when one is switched on, and shows on
their own page ("Meine Aufgaben") when they can sign in. German pages, fixed query counts."""

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import (
    Channel,
    DepartmentChannel,
    Notification,
    NotificationState,
    WebhookKind,
)
from rollout.models import Attitude, Role
from rollout.services.stakeholders import champion_thank
from tests import factories
from tests.notifications.test_webhooks import hook as hook  # a fixture

pytestmark = pytest.mark.django_db
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture
def champion(cast):
    user = factories.UserFactory(roles=[Role.EMPLOYEE], full_name="Clara Champion", language="de")
    person = factories.PersonFactory(
        department=cast.department_a,
        user=user,
        email=user.email,
        first_name="Clara",
        last_name="Champion",
        language="de",
    )
    return factories.StakeholderFactory(
        rollout=cast.rollout, person=person, attitude=Attitude.CHAMPION
    )


def test_a_thank_you_is_mailed_to_the_champion_once(
    cast, champion, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thanks, created = champion_thank(
            stakeholder=champion, message="Danke für den Workshop!", by=cast.manager
        )
        again, created_again = champion_thank(
            stakeholder=champion, message="Danke für den Workshop!", by=cast.manager
        )
    assert created and not created_again and again.pk == thanks.pk
    row = Notification.objects.get(kind="champion_thanks")
    assert row.state == NotificationState.SENT
    assert row.person_id == champion.person_id
    (message,) = [m for m in mail.outbox if champion.person.email in m.to[0]]
    assert message.subject == "Mara Manager sagt Danke"
    assert "Danke für den Workshop!" in message.body
    assert settings.SITE_URL + reverse("rollout:me") in message.body


def test_a_champion_without_a_login_gets_the_mail_without_a_page_link(
    cast, django_capture_on_commit_callbacks
):
    person = factories.PersonFactory(department=cast.department_a, language="de")
    stakeholder = factories.StakeholderFactory(
        rollout=cast.rollout, person=person, attitude=Attitude.CHAMPION
    )
    with django_capture_on_commit_callbacks(execute=True):
        champion_thank(stakeholder=stakeholder, message="Großartig!", by=cast.manager)
    (message,) = [m for m in mail.outbox if person.email in m.to[0]]
    assert "Großartig!" in message.body
    assert reverse("rollout:me") not in message.body


def test_the_thank_you_is_posted_to_the_departments_channel(
    cast,
    champion,
    hook,
    django_capture_on_commit_callbacks,
):
    DepartmentChannel.objects.create(
        department=cast.department_a, kind=WebhookKind.SLACK, url=hook.url, enabled=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        champion_thank(stakeholder=champion, message="Danke fürs Mitziehen!", by=cast.manager)
    assert len(hook.received) == 1
    text = hook.received[0]["text"]
    assert "Mara Manager dankt Clara Champion" in text
    assert "Danke fürs Mitziehen!" in text
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert row.kind == "champion_thanks_post" and row.state == NotificationState.SENT


def test_no_channel_no_post(cast, champion, django_capture_on_commit_callbacks):
    DepartmentChannel.objects.create(
        department=cast.department_a, kind=WebhookKind.SLACK, url="https://x.example/h"
    )  # not switched on
    with django_capture_on_commit_callbacks(execute=True):
        champion_thank(stakeholder=champion, message="Danke!", by=cast.manager)
    assert not Notification.objects.filter(channel=Channel.WEBHOOK).exists()


def test_the_thanks_show_on_the_champions_own_page(cast, champion):
    champion_thank(stakeholder=champion, message="Danke für den Workshop!", by=cast.manager)
    client = cast.client("manager")
    client.force_login(champion.person.user)
    page = client.get(reverse("rollout:me"), **GERMAN)
    assert page.status_code == 200
    assert "Danksagungen an Sie" in page.text
    assert "Danke für den Workshop!" in page.text and "Mara Manager" in page.text
    # Someone else's page does not show them.
    other = cast.client("employee").get(reverse("rollout:me"), **GERMAN)
    assert "Danke für den Workshop!" not in other.text


def _queries(client) -> int:
    client.get(reverse("rollout:me"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("rollout:me"), **GERMAN).status_code == 200
    return len(queries)


def test_the_own_page_has_a_fixed_number_of_queries(cast, champion):
    from rollout.models import ChampionThanks

    client = cast.client("anonymous")
    client.force_login(champion.person.user)
    ChampionThanks.objects.create(stakeholder=champion, message="Eins", given_by=cast.manager)
    small = _queries(client)
    second = factories.RolloutFactory()
    other_stake = factories.StakeholderFactory(
        rollout=second, person=champion.person, attitude=Attitude.CHAMPION
    )
    for n in range(10):
        ChampionThanks.objects.create(
            stakeholder=other_stake if n % 2 else champion,
            message=f"Danke {n}",
            given_by=factories.UserFactory(roles=[Role.MANAGER]),
        )
    assert _queries(client) == small


def test_the_manager_is_told_the_thanks_is_emailed(cast, champion):
    client = cast.client("manager")
    response = client.post(
        reverse("rollout:champion_thank", args=[champion.pk]),
        {"message": "Danke für den Workshop!"},
        follow=True,
        **GERMAN,
    )
    assert response.status_code == 200
    assert "wurde festgehalten und wird per E-Mail zugestellt" in response.text
    assert Notification.objects.filter(kind="champion_thanks").count() == 1
