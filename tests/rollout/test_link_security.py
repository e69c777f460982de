"""Emailed links that stop working when they must: sign-in links after a password change or a
newer link, supplier links after the supplier left the workflow; requests for account mail
that tell nothing (not even by their timing) and are limited per client address."""

import re
import statistics
import time

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notifications_send
from rollout.models import ContentDelivery, LoginLink
from rollout.services import workflows as services
from rollout.services.workflows import Terms
from tests import factories

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


def _sign_in_page(client: Client, token: str, **headers):
    return client.get(reverse("rollout:login_link", args=[token]), **headers)


def _use(client: Client, token: str, **headers):
    return client.post(reverse("rollout:login_link", args=[token]), **headers)


# --- Sign-in links are revoked ---------------------------------------------------------------


def test_a_password_change_revokes_the_sign_in_link(cast):
    _, token = services.login_link_create(user=cast.head_a)
    assert services.login_link_find(token=token) is not None
    cast.head_a.set_password("ein ganz neues Passwort 42")
    cast.head_a.save(update_fields=["password"])
    assert services.login_link_find(token=token) is None
    client = Client()
    page = _sign_in_page(client, token, **GERMAN)
    assert page.status_code == 404
    assert "Dieser Link funktioniert nicht (mehr)" in page.text
    assert "nach einer Passwortänderung" in page.text
    assert _use(client, token).status_code == 404
    assert "_auth_user_id" not in client.session


def test_a_head_without_password_who_gets_one_loses_the_old_link(cast):
    cast.head_a.set_unusable_password()
    cast.head_a.save(update_fields=["password"])
    _, token = services.login_link_create(user=cast.head_a)
    cast.head_a.set_password("jetzt mit Passwort 42")
    cast.head_a.save(update_fields=["password"])
    assert services.login_link_consume(token=token) is None


def test_only_the_newest_sign_in_link_works(cast):
    _, first = services.login_link_create(user=cast.head_a)
    _, other_user = services.login_link_create(user=cast.head_b)
    _, second = services.login_link_create(user=cast.head_a)
    assert services.login_link_find(token=first) is None
    client = Client()
    assert _sign_in_page(client, first).status_code == 404
    assert _use(client, first).status_code == 404
    assert "_auth_user_id" not in client.session
    # Another user's newer link changes nothing for this one.
    assert services.login_link_find(token=other_user) is not None
    assert _sign_in_page(client, second).status_code == 200
    assert _use(client, second).status_code == 302
    assert client.session["_auth_user_id"] == str(cast.head_a.pk)


def test_a_link_requested_again_replaces_the_one_mailed_before(
    cast, django_capture_on_commit_callbacks, monkeypatch
):
    """Two requests (a minute apart): the first mail's link no longer works."""
    url = reverse("rollout:login_link_request")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(url, {"email": cast.head_a.email})
    Notification.objects.update(dedup_key="older")  # as if a minute had passed
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(url, {"email": cast.head_a.email})
    first, second = (
        re.search(r"/accounts/sign-in-link/([^/\s]+)/", message.body).group(1)
        for message in mail.outbox
    )
    assert services.login_link_find(token=first) is None
    assert services.login_link_find(token=second) is not None


def test_the_sign_in_page_consumes_nothing_until_the_button_is_pressed(cast):
    """A mail scanner that opens the link does not use it up: only the POST signs in."""
    _, token = services.login_link_create(user=cast.head_a)
    client = Client(enforce_csrf_checks=True)
    for _ in range(3):
        page = _sign_in_page(client, token, **GERMAN)
        assert page.status_code == 200
        assert "Anmelden" in page.text
    assert LoginLink.objects.get().used_at is None
    assert _use(client, token).status_code == 403  # no CSRF token: refused, nothing used
    assert LoginLink.objects.get().used_at is None
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        reverse("rollout:login_link", args=[token]), {"csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 302
    assert LoginLink.objects.get().used_at is not None


# --- Supplier links end with the supplier ---------------------------------------------------


def _terms(**changes) -> Terms:
    values = {
        "content": "Fotos im Querformat",
        "trigger": "Jede Messe",
        "turnaround_hours": 24,
        "channel": "email",
        "channel_detail": "social@example.de",
    }
    values.update(changes)
    return Terms(**values)


@pytest.mark.parametrize("confirmed", [False, True])
def test_a_removed_supplier_s_link_is_no_longer_valid(cast, confirmed):
    workflow = factories.ContentWorkflowFactory(
        department=cast.department_a, title="Eventfotos", by=cast.manager
    )
    lisa = factories.PersonFactory(department=cast.department_a, first_name="Lisa")
    services.workflow_edit(workflow=workflow, terms=_terms(suppliers=(lisa,)), by=cast.manager)
    if confirmed:
        services.workflow_propose(workflow=workflow, by=cast.manager)
        workflow.refresh_from_db()
        services.workflow_confirm(
            workflow=workflow, revision_id=workflow.latest_revision_id, by=cast.head_a
        )
    path = services.supply_link_path(workflow=workflow, person=lisa)
    page = Client().get(path)
    assert page.status_code == 200
    assert "Eventfotos" in page.text

    services.workflow_edit(workflow=workflow, terms=_terms(suppliers=()), by=cast.manager)
    if confirmed:  # a new draft: the confirmed revision (with Lisa) stays in force ...
        assert Client().get(path).status_code == 200
        services.workflow_propose(workflow=workflow, by=cast.manager)
        workflow.refresh_from_db()
        services.workflow_confirm(
            workflow=workflow, revision_id=workflow.latest_revision_id, by=cast.head_a
        )  # ... until the head confirms the one without her

    english = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 410
    assert "This link is no longer valid" in english.text
    assert "Eventfotos" not in english.text
    german = Client().get(path, **GERMAN)
    assert german.status_code == 410
    assert "Dieser Link ist nicht mehr gültig" in german.text
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    posted = Client().post(
        path,
        {"description": "Fotos", "requested_at": now, "submission_key": "x"},
        **GERMAN,
    )
    assert posted.status_code == 410
    assert not ContentDelivery.objects.exists()


# --- Requests for account mail: same time either way, limited per address ------------------


@pytest.mark.parametrize(
    ("url_name", "kind"),
    [("rollout:login_link_request", "login_link"), ("password_reset", "password_reset")],
)
def test_a_request_for_an_unknown_address_does_the_same_work(
    cast, url_name, kind, django_capture_on_commit_callbacks
):
    """Known or not: one outbox row, handed to the worker; the unknown one is never sent and
    does not keep the typed address."""
    url = reverse(url_name)
    with django_capture_on_commit_callbacks(execute=True) as known_callbacks:
        known = Client().post(url, {"email": cast.head_a.email})
    with django_capture_on_commit_callbacks(execute=True) as unknown_callbacks:
        unknown = Client().post(url, {"email": "niemand@example.de"})
    assert known.status_code == unknown.status_code
    assert len(known_callbacks) == len(unknown_callbacks) == 1
    rows = list(Notification.objects.filter(kind=kind).order_by("pk"))
    assert len(rows) == 2
    assert rows[0].user == cast.head_a and rows[0].state == "sent"
    assert rows[1].user is None and rows[1].state == "cancelled"
    assert "niemand" not in rows[1].recipient_email + rows[1].dedup_key
    assert len(mail.outbox) == 1
    assert cast.head_a.email in mail.outbox[0].to[0]
    notifications_send(ids=[rows[1].pk])  # sent again by a stray retry: still nothing
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("url_name", ["rollout:login_link_request", "password_reset"])
def test_a_known_and_an_unknown_address_make_the_same_queries(cast, url_name):
    """The same work in the database: the same statements, in the same order."""
    url = reverse(url_name)
    client = Client()
    for email in ("warm@example.de", cast.head_b.email):  # content types and the like, cached
        client.post(url, {"email": email})
    statements = {}
    for name, email in (("known", cast.head_a.email), ("unknown", "niemand@example.de")):
        with CaptureQueriesContext(connection) as queries:
            client.post(url, {"email": email})
        statements[name] = [query["sql"].split(" ", 1)[0] for query in queries]
    assert statements["known"] == statements["unknown"], (url_name, statements)
    assert "INSERT" in statements["unknown"]


@pytest.mark.parametrize("url_name", ["rollout:login_link_request", "password_reset"])
def test_requests_take_the_same_time_whether_or_not_the_account_exists(cast, settings, url_name):
    """Both paths, interleaved, many times: the medians differ by far less than a floor of
    a quarter of the slower median plus 3 ms (robust on a loaded machine: medians, and each
    path sees the same load)."""
    settings.LINK_REQUEST_LIMIT = 0
    url = reverse(url_name)
    rounds = 30
    users = [factories.UserFactory(email=f"zeit{index}@example.de") for index in range(rounds)]
    client = Client()
    for index in range(3):  # warm up both paths (templates, content types, the URL cache)
        client.post(url, {"email": f"warm{index}@example.de"})
        client.post(url, {"email": users[-1 - index].email})
    known: list[float] = []
    unknown: list[float] = []
    for index in range(rounds):
        pairs = [
            (known, users[index].email),
            (unknown, f"niemand{index}@example.de"),
        ]
        if index % 2:
            pairs.reverse()
        for bucket, email in pairs:
            started = time.perf_counter()
            response = client.post(url, {"email": email})
            bucket.append(time.perf_counter() - started)
            assert response.status_code in (200, 302)
    fast, slow = sorted([statistics.median(known), statistics.median(unknown)])
    floor = 0.25 * slow + 0.003
    assert slow - fast < floor, (
        f"known {statistics.median(known) * 1000:.1f} ms, "
        f"unknown {statistics.median(unknown) * 1000:.1f} ms"
    )
    # The same work: one outbox row per request on both paths.
    assert Notification.objects.filter(user__isnull=False).count() >= rounds
    assert Notification.objects.filter(user__isnull=True).count() >= rounds


@pytest.mark.parametrize("url_name", ["rollout:login_link_request", "password_reset"])
def test_requests_are_limited_per_client_address(cast, settings, url_name):
    settings.LINK_REQUEST_LIMIT = 3
    url = reverse(url_name)
    client = Client()
    for index in range(3):
        response = client.post(url, {"email": f"versuch{index}@example.de"}, **GERMAN)
        assert response.status_code in (200, 302)
    before = Notification.objects.count()
    refused = client.post(url, {"email": cast.head_a.email}, **GERMAN)
    assert refused.status_code == 429
    assert "Zu viele Anfragen" in refused.text
    assert "in 15 Minuten" in refused.text
    assert Notification.objects.count() == before  # nothing queued, nothing mailed
    english = client.post(url, {"email": cast.head_a.email}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429
    assert "Too many requests" in english.text
    # The page itself still opens; another address may still ask.
    assert client.get(url).status_code == 200
    other = Client(REMOTE_ADDR="198.51.100.20")
    assert other.post(url, {"email": cast.head_a.email}).status_code in (200, 302)


def test_both_kinds_of_request_share_one_budget(cast, settings):
    settings.LINK_REQUEST_LIMIT = 2
    client = Client()
    assert client.post(reverse("password_reset"), {"email": "a@example.de"}).status_code == 302
    link = reverse("rollout:login_link_request")
    assert client.post(link, {"email": "a@example.de"}).status_code == 200
    assert client.post(link, {"email": "a@example.de"}).status_code == 429


def test_behind_the_proxy_the_limit_is_per_client_not_per_proxy(cast, settings):
    settings.LINK_REQUEST_LIMIT = 1
    settings.AXES_IPWARE_PROXY_COUNT = 1
    url = reverse("rollout:login_link_request")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.1")
    second = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert first.post(url, {"email": "a@example.de"}).status_code == 200
    assert first.post(url, {"email": "a@example.de"}).status_code == 429
    assert second.post(url, {"email": "a@example.de"}).status_code == 200


# --- Every link page checks on the server and answers in the visitor's language -------------


@pytest.mark.parametrize("kind", ["workflow", "supply", "login", "acknowledge", "rsvp", "feedback"])
def test_a_broken_link_of_every_kind_is_refused_in_german(cast, kind):
    from tests.bad_input.test_links import tokens
    from tests.bad_input.world import World

    world = World(cast)
    world.invitation.attended = True
    world.invitation.save(update_fields=["attended"])
    name, token = tokens(world)[kind]
    client = Client()
    genuine = client.get(reverse(name, args=[token]), **GERMAN)
    assert genuine.status_code == 200
    broken = client.get(reverse(name, args=[token[:-2] + "xx"]), **GERMAN)
    assert broken.status_code in (404, 410)
    assert '<html lang="de"' in broken.text
    english = ("This link", "does not work", "Page not found", "expired")
    assert not any(text in broken.text for text in english), broken.text[:2000]
