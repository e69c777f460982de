"""Tampered, expired, replayed and cross-used signed links of every kind: a 404 or 410 page
with a message, nothing written; and random junk as a token never leads to a 500."""

import datetime
import time
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bad_input.world import World, row_counts

HEADING = "<h1"


def _sign_in_the_past(days: int):
    """Signatures made inside this block carry a timestamp `days` ago."""
    return mock.patch("django.core.signing.time.time", return_value=time.time() - days * 86400)


def tokens(world: World) -> dict[str, tuple[str, str]]:
    """Each link kind: (URL name, a genuine token)."""
    from guidelines.services import guidelines as guideline_services
    from guidelines.services import trainings as training_services
    from notifications.emails import unsubscribe_token
    from rollout.services import workflows as workflow_services

    cast = world.cast
    _link, login_token = workflow_services.login_link_create(user=cast.head_a)
    workflow_path = workflow_services.workflow_link_path(workflow=world.workflow)
    supply_path = workflow_services.supply_link_path(
        workflow=world.workflow, person=cast.employee.person
    )
    return {
        "workflow": ("rollout:workflow_link", workflow_path.rstrip("/").rsplit("/", 1)[-1]),
        "supply": ("rollout:supply", supply_path.rstrip("/").rsplit("/", 1)[-1]),
        "login": ("rollout:login_link", login_token),
        "acknowledge": (
            "guidelines:acknowledge",
            guideline_services.ack_token(
                person_id=cast.employee.person.pk, version_id=world.version.pk
            ),
        ),
        "acknowledge_resend": (
            "guidelines:acknowledge_resend",
            guideline_services.ack_token(
                person_id=cast.employee.person.pk, version_id=world.version.pk
            ),
        ),
        "rsvp": ("guidelines:training_rsvp", training_services.rsvp_token(world.invitation)),
        "rsvp_renew": (
            "guidelines:training_rsvp_renew",
            training_services.rsvp_token(world.invitation),
        ),
        "feedback": (
            "guidelines:training_feedback",
            training_services.feedback_token(world.invitation),
        ),
        "unsubscribe": (
            "notifications:unsubscribe",
            unsubscribe_token(cast.employee.email, "workflow_supplier"),
        ),
    }


# Each link kind and the methods its address answers (others get a plain 405).
METHODS = {
    "workflow": ["get"],
    "supply": ["get", "post"],
    "login": ["get", "post"],
    "acknowledge": ["get", "post"],
    "acknowledge_resend": ["post"],
    "rsvp": ["get", "post"],
    "rsvp_renew": ["post"],
    "feedback": ["get", "post"],
    "unsubscribe": ["get", "post"],
}
KINDS = list(METHODS)
KIND_METHODS = [(kind, method) for kind, methods in METHODS.items() for method in methods]


def tampered(token: str) -> list[str]:
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    middle = len(token) // 2
    variants = [
        flipped,
        token[:-3],
        token + "x",
        token[:middle] + ("a" if token[middle] != "a" else "b") + token[middle + 1 :],
        token.replace(":", ".", 1),
        "x",
        "..::..",
        token.split(":")[0],
    ]
    return [variant for variant in dict.fromkeys(variants) if variant != token]


def assert_refused(response, before: dict) -> None:
    assert response.status_code in (404, 410), response.status_code
    body = response.content.decode()
    assert HEADING in body, body[:500]
    assert row_counts() == before


@pytest.fixture
def world(cast) -> World:
    world = World(cast)
    world.invitation.attended = True
    world.invitation.save(update_fields=["attended"])
    return world


@pytest.mark.parametrize(("kind", "method"), KIND_METHODS)
def test_a_tampered_link_is_refused_with_a_message(world, kind, method):
    name, token = tokens(world)[kind]
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    for bad in tampered(token):
        before = row_counts()
        response = getattr(client, method)(reverse(name, args=[bad]), {"answer": "accept"})
        assert_refused(response, before)


@pytest.mark.parametrize(
    ("kind", "days"),
    [("workflow", 31), ("supply", 366), ("rsvp", 61), ("feedback", 31)],
)
def test_an_expired_link_is_refused_with_a_message(world, kind, days):
    with _sign_in_the_past(days):
        name, token = tokens(world)[kind]
    for method in METHODS[kind]:
        before = row_counts()
        response = getattr(Client(), method)(
            reverse(name, args=[token]), {"answer": "accept", "rating": "5"}
        )
        assert_refused(response, before)


def test_an_expired_acknowledgment_link_explains_and_writes_nothing(world):
    """By design the page says the link expired and offers a fresh one by email (200)."""
    with _sign_in_the_past(31):
        name, token = tokens(world)["acknowledge"]
    for method in ("get", "post"):
        before = row_counts()
        response = getattr(Client(), method)(reverse(name, args=[token]), {"confirm": "1"})
        assert response.status_code == 200
        assert reverse("guidelines:acknowledge_resend", args=[token]) in response.text
        assert row_counts() == before


def test_an_expired_login_link_is_refused(world):
    from rollout.models import LoginLink

    name, token = tokens(world)["login"]
    LoginLink.objects.update(
        created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        expires_at=datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC),
    )
    for method in ("get", "post"):
        before = row_counts()
        assert_refused(getattr(Client(), method)(reverse(name, args=[token])), before)


def test_a_login_link_works_once(world):
    name, token = tokens(world)["login"]
    first = Client().post(reverse(name, args=[token]))
    assert first.status_code == 302
    before = row_counts()
    assert_refused(Client().post(reverse(name, args=[token])), before)


def test_a_link_of_one_kind_does_not_open_another(world):
    """Replaying a token on another kind's address: the salts differ, so it is refused."""
    links = tokens(world)
    for kind, (_name, token) in links.items():
        for other, (other_name, _other_token) in links.items():
            if other == kind or {kind, other} in (
                {"rsvp", "rsvp_renew"},
                {"acknowledge", "acknowledge_resend"},
            ):
                continue
            before = row_counts()
            method = METHODS[other][-1]
            response = getattr(Client(), method)(
                reverse(other_name, args=[token]), {"answer": "accept"}
            )
            assert_refused(response, before)


def test_replayed_answers_write_once(world):
    """The same RSVP, acknowledgment and unsubscribe posted twice: the second changes nothing."""
    links = tokens(world)
    for kind, data in (
        ("rsvp", {"answer": "accept"}),
        ("unsubscribe", {}),
        ("feedback", {"rating": "4", "comment": "Gut"}),
    ):
        name, token = links[kind]
        url = reverse(name, args=[token])
        first = Client().post(url, data)
        assert first.status_code in (200, 302), (kind, first.status_code)
        before = row_counts()
        again = Client().post(url, data)
        assert again.status_code in (200, 302), (kind, again.status_code)
        assert row_counts() == before, kind


URL_SAFE = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N"], include_characters="-_:.~"),
    min_size=1,
    max_size=300,
)


@pytest.mark.parametrize("kind", KINDS)
def test_junk_tokens_never_crash(world, kind):
    name, _token = tokens(world)[kind]
    client = Client()

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(junk=URL_SAFE)
    def check(junk):
        before = row_counts()
        method = METHODS[kind][-1]
        response = getattr(client, method)(reverse(name, args=[junk]), {"answer": "accept"})
        assert_refused(response, before)

    check()


def _reset_path(user) -> tuple[str, str]:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def test_tampered_expired_and_replayed_password_reset_links(cast, settings):
    """Django answers these with the form page saying the link is no longer valid (200)."""
    user = cast.employee
    uid, token = _reset_path(user)
    invalid = "This link is no longer valid"
    bad = [(uid, t) for t in tampered(token)] + [
        ("x", token),
        ("MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODk", token),  # a number too large for a pk
        ("%00", token),
        (uid, "set-password"),
    ]
    for bad_uid, bad_token in bad:
        for method in ("get", "post"):
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            before = row_counts()
            password = user.password
            url = reverse("password_reset_confirm", args=[bad_uid, bad_token])
            response = getattr(client, method)(
                url, {"new_password1": "Neu-Passwort-2026!", "new_password2": "Neu-Passwort-2026!"}
            )
            assert response.status_code in (200, 404), (bad_uid, bad_token, response.status_code)
            if response.status_code == 200:
                assert invalid in response.text
            user.refresh_from_db()
            assert user.password == password
            assert row_counts() == before
    # Expired: the token's timestamp is older than PASSWORD_RESET_TIMEOUT.
    settings.PASSWORD_RESET_TIMEOUT = 60
    with (
        mock.patch(
            "django.contrib.auth.tokens.PasswordResetTokenGenerator._now",
            return_value=datetime.datetime.now() - datetime.timedelta(hours=2),
        ),
    ):
        uid, old_token = _reset_path(user)
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("password_reset_confirm", args=[uid, old_token]), follow=True
    )
    assert invalid in response.text
    # Replayed: a used link no longer works.
    uid, token = _reset_path(user)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "Neu-Passwort-2026!", "new_password2": "Neu-Passwort-2026!"},
    )
    user.refresh_from_db()
    assert user.check_password("Neu-Passwort-2026!")
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("password_reset_confirm", args=[uid, token]), follow=True
    )
    assert invalid in again.text
