"""Sign-in, sign-out, brute-force protection, password reset and the language switch."""

import re
from email.utils import parseaddr

import pytest
from django.core import mail
from django.test import Client

from rollout.models import Role
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "Sommer-Kampagne-2026"


@pytest.fixture
def user():
    return factories.UserFactory(
        email="jana.schulz@example.de", password=PASSWORD, roles=[Role.MANAGER], language="de"
    )


def test_login_page_is_german_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'lang="de"' in response.text
    assert "Anmelden" in response.text


def test_login_with_email_and_password(client, user):
    response = client.post(
        "/accounts/login/", {"username": "Jana.Schulz@example.de", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/", follow=True).status_code == 200


def test_wrong_password_gets_a_clear_message_and_keeps_the_email(client, user):
    response = client.post("/accounts/login/", {"username": user.email, "password": "falsch"})
    assert response.status_code == 200
    assert "stimmen nicht überein" in response.text
    assert 'value="jana.schulz@example.de"' in response.text


def test_repeated_failures_lock_the_login(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.email, "password": "falsch"})
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "vorübergehend gesperrt" in response.text
    assert "_auth_user_id" not in client.session


def test_logout_needs_post_and_ends_the_session(client, user):
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 200
    assert "Sie wurden abgemeldet" in response.text
    assert client.get("/").status_code == 302


def test_password_reset_mails_a_working_link_in_the_users_language(
    client, django_capture_on_commit_callbacks
):
    user = factories.UserFactory(email="tom.becker@example.de", language="en", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"email": "TOM.BECKER@example.de"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert parseaddr(message.to[0])[1] == user.email
    assert message.subject == "ChangeHub: set a new password"
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(f"/{path}", follow=True)
    assert form_page.status_code == 200
    new_password = "Neues-Passwort-2026!"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    # The link works once.
    again = client.get(f"/{path}", follow=True)
    assert "nicht mehr gültig" in again.text


def test_password_reset_does_not_reveal_whether_an_account_exists(
    client, django_capture_on_commit_callbacks
):
    factories.UserFactory(email="known@example.de")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/password-reset/", {"email": "known@example.de"})
        unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.de"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1


def test_language_switch_is_remembered_on_the_account(user):
    client = Client()
    client.force_login(user)
    response = client.post("/language/", {"language": "en", "next": "/me/"})
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    user.refresh_from_db()
    assert user.language == "en"
    assert "My tasks" in client.get("/me/").text


def test_language_switch_rejects_foreign_redirects_and_unknown_languages(client):
    response = client.post("/language/", {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert "django_language" not in response.cookies


def test_anonymous_language_choice_uses_a_cookie(client):
    client.post("/language/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign in" in client.get("/accounts/login/").text
