"""The notification log tells the truth (issue 16): sent mail newest first, apart from the
cancelled rows and the waiting queue; a search by person (name or address); sign-in-link
mails appear there, without their token. With the real outbox, German pages, and a fixed
number of queries at two sizes."""

import datetime
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationState
from notifications.services import QueuedNotification, notification_queue_many
from rollout.models import LoginLink
from rollout.services.workflows import login_link_request
from tests import factories
from tests.notifications.conftest import NOTE

pytestmark = pytest.mark.django_db
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
URL = "/notifications/"


def _rows(person, n, *, state, prefix, hours_ago=0):
    notification_queue_many(
        kind=NOTE,
        items=[
            QueuedNotification(
                to=person,
                dedup_key=f"{prefix}:{person.pk}:{i}",
                due_at=timezone.now() + datetime.timedelta(hours=1),
            )
            for i in range(n)
        ],
    )
    rows = Notification.objects.filter(dedup_key__startswith=f"{prefix}:{person.pk}:")
    if state == NotificationState.SENT:
        rows.update(
            state=state, sent_at=timezone.now() - datetime.timedelta(hours=hours_ago), attempts=1
        )
    elif state != NotificationState.PENDING:
        rows.update(state=state)
    return list(rows)


def _section(html: str, table_id: str) -> str:
    match = re.search(rf'id="{table_id}".*?</table>', html, re.S)
    return match.group(0) if match else ""


def test_sent_mail_newest_first_apart_from_cancelled_and_waiting(cast):
    assert reverse("notifications:outbox") == URL
    anna = factories.PersonFactory(first_name="Anna", last_name="Alt", email="anna@example.de")
    bert = factories.PersonFactory(first_name="Bert", last_name="Neu", email="bert@example.de")
    carl = factories.PersonFactory(first_name="Carl", last_name="Weg", email="carl@example.de")
    dora = factories.PersonFactory(first_name="Dora", last_name="Wartet", email="dora@x.de")
    _rows(anna, 1, state=NotificationState.SENT, prefix="old", hours_ago=30)
    _rows(bert, 1, state=NotificationState.SENT, prefix="new", hours_ago=1)
    _rows(carl, 1, state=NotificationState.CANCELLED, prefix="cancel")
    _rows(dora, 1, state=NotificationState.PENDING, prefix="wait")
    html = cast.client("manager").get(URL, **GERMAN).text
    sent = _section(html, "sent-table")
    assert "Bert Neu" in sent and "Anna Alt" in sent
    assert sent.index("Bert Neu") < sent.index("Anna Alt")  # the newest first
    assert "Carl Weg" not in sent and "Dora Wartet" not in sent
    cancelled = _section(html, "cancelled-table")
    assert "Carl Weg" in cancelled and "Bert Neu" not in cancelled
    assert "Dora Wartet" in _section(html, "queue-table")
    assert "Gesendet" in html and "Verworfen, nicht gesendet" in html


def test_search_by_name_or_address(cast):
    anna = factories.PersonFactory(first_name="Anna", last_name="Alt", email="anna@example.de")
    bert = factories.PersonFactory(first_name="Bert", last_name="Neu", email="bert@firma.de")
    _rows(anna, 1, state=NotificationState.SENT, prefix="a")
    _rows(bert, 1, state=NotificationState.SENT, prefix="b")
    client = cast.client("manager")
    by_name = client.get(URL, {"q": "anna"}, **GERMAN).text
    assert "Anna Alt" in _section(by_name, "sent-table")
    assert "Bert Neu" not in by_name
    assert 'value="anna"' in by_name
    by_address = client.get(URL, {"q": "@firma.de"}, **GERMAN).text
    assert "Bert Neu" in _section(by_address, "sent-table") and "Anna Alt" not in by_address
    assert "Nach Person suchen" in by_address


@pytest.mark.parametrize("who", ["anonymous", "employee", "head_a", "leadership"])
def test_the_search_is_for_the_manager_only(cast, who):
    response = cast.client(who).get(URL, {"q": "anna"})
    assert response.status_code in (302, 404)


def test_a_sign_in_link_mail_appears_in_the_log_without_its_token(
    cast, django_capture_on_commit_callbacks
):
    cast.head_a.set_unusable_password()
    cast.head_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        login_link_request(email=cast.head_a.email)
    (message,) = mail.outbox
    token = re.search(r"/accounts/sign-in-link/([^/\s]+)/", message.body).group(1)
    assert LoginLink.objects.filter(user=cast.head_a).exists()
    row = Notification.objects.get(kind="login_link", user=cast.head_a)
    assert row.state == NotificationState.SENT
    assert token not in str(row.context) and token not in row.dedup_key
    html = cast.client("manager").get(URL, {"q": cast.head_a.email}, **GERMAN).text
    sent = _section(html, "sent-table")
    assert cast.head_a.full_name in sent
    assert "Einmaliger Anmeldelink" in sent
    assert token not in html


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **GERMAN).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", [{}, {"q": "example"}])
def test_the_log_has_a_fixed_number_of_queries(cast, query):
    from urllib.parse import urlencode

    client = cast.client("manager")
    url = URL + ("?" + urlencode(query) if query else "")
    person = factories.PersonFactory(email="p@example.de")
    for state in (NotificationState.SENT, NotificationState.CANCELLED, NotificationState.PENDING):
        _rows(person, 1, state=state, prefix=f"{state}-a")
    small = _queries(client, url)
    for n in range(8):
        other = factories.PersonFactory(email=f"p{n}@example.de")
        for state in (
            NotificationState.SENT,
            NotificationState.CANCELLED,
            NotificationState.PENDING,
        ):
            _rows(other, 3, state=state, prefix=f"{state}-b")
    assert _queries(client, url) == small <= 8
