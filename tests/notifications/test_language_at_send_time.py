"""Issue 16: a mail is written in the recipient's language as it is when the mail goes out,
not when it was queued: the daily digest bundles items of several days, and a person may
switch (their directory entry, or their account when they have one) in between."""

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.models import Notification
from tests import factories
from tests.notifications.conftest import DIGESTIBLE, NOTE

pytestmark = pytest.mark.django_db


def _queue_digest_items(person, n: int = 2) -> None:
    for index in range(n):
        services.notification_queue(
            kind=DIGESTIBLE, to=person, dedup_key=f"lang{person.pk}:{index}"
        )


def _send_the_digest(capture) -> None:
    due = Notification.objects.filter(kind=DIGESTIBLE).first().due_at
    with capture(execute=True):
        services.notifications_dispatch(now=due)
    Notification.objects.filter(kind="digest").update(due_at=timezone.now(), claimed_at=None)
    with capture(execute=True):
        services.notifications_dispatch()


def test_the_digest_uses_the_language_the_person_has_now(django_capture_on_commit_callbacks):
    person = factories.PersonFactory(language="de")
    with django_capture_on_commit_callbacks(execute=True):
        _queue_digest_items(person)
    assert set(Notification.objects.values_list("language", flat=True)) == {"de"}
    person.language = "en"
    person.save(update_fields=["language"])
    _send_the_digest(django_capture_on_commit_callbacks)
    (digest,) = mail.outbox
    assert digest.subject == "ChangeHub: 2 items for you today"


def test_an_account_switched_to_german_gets_the_digest_in_german(
    django_capture_on_commit_callbacks,
):
    user = factories.UserFactory(language="en")
    person = factories.PersonFactory(email=user.email, user=user, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        _queue_digest_items(person)
    user.language = "de"
    user.save(update_fields=["language"])
    _send_the_digest(django_capture_on_commit_callbacks)
    (digest,) = mail.outbox
    assert digest.subject == "ChangeHub: heute 2 Aufgaben für Sie"


def test_a_single_mail_also_follows_the_language_at_send_time(django_capture_on_commit_callbacks):
    person = factories.PersonFactory(language="en")
    row = services.notification_queue(kind=NOTE, to=person, dedup_key="later")
    assert row.language == "en"
    person.language = "de"
    person.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_dispatch()
    (message,) = mail.outbox
    assert message.body.startswith(f"Hallo {person.full_name},")
