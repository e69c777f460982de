"""The hardened deployment, proven on real responses: cookies, headers, the Content Security
Policy, sessions (rotation, idle timeout), login throttling, password reset and uploads.

tests/test_settings.py runs `check --deploy`; tests/rollout/test_auth.py proves the lockout
message and that a reset answers known and unknown addresses alike. This module adds what
those do not cover.
"""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.module_loading import import_string

from rollout.models import PeopleImport, Person, Role
from rollout.services.people_files import MAX_FILE_BYTES
from tests import factories
from tests.test_settings import PRODUCTION_ENV, ROOT

PASSWORD = "Winter-Kampagne-2026"

# Runs inside a process with the production settings: fetch the login page over HTTPS (as the
# proxy reports it) and plain HTTP, switch the language, and print what came back. The static
# files storage is the plain one, since the manifest exists only after collectstatic.
PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

storages = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
def cookies(response):
    return {name: {**dict(morsel), "value": morsel.value}
            for name, morsel in response.cookies.items()}
with override_settings(STORAGES=storages):
    https = Client(HTTP_HOST="changehub.example.com", HTTP_X_FORWARDED_PROTO="https")
    login = https.get("/accounts/login/")
    language = https.post("/language/", {"language": "en", "next": "/accounts/login/"})
    plain = Client(HTTP_HOST="changehub.example.com").get("/accounts/login/")
print(json.dumps({
    "status": login.status_code,
    "headers": dict(login.headers),
    "cookies": {**cookies(login), **cookies(language)},
    "plain": [plain.status_code, plain.get("Location")],
    "session": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
                settings.SESSION_COOKIE_SAMESITE, settings.SESSION_COOKIE_AGE],
}))
"""


@pytest.fixture(scope="module")
def production():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env={
            **env,
            **PRODUCTION_ENV,
            "DJANGO_SETTINGS_MODULE": "changehub.settings",
            "CHANGEHUB_VAR_DIR": str(ROOT / "var" / "settings-test"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# --- Production settings on a real response ------------------------------------------------


def test_production_sends_hsts_and_the_other_security_headers(production):
    headers = production["headers"]
    assert production["status"] == 200
    hsts = headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    assert "includeSubDomains" in hsts
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_production_redirects_plain_http_to_https(production):
    status, location = production["plain"]
    assert status == 301
    assert location == "https://changehub.example.com/accounts/login/"


def test_production_cookies_are_secure_httponly_and_samesite(production):
    cookies = production["cookies"]
    for name in (settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME):
        assert cookies[name]["secure"] is True, name
        assert cookies[name]["httponly"] is True, name
        assert cookies[name]["samesite"] == "Lax", name
    secure, httponly, samesite, age = production["session"]
    assert (secure, httponly, samesite) == (True, True, "Lax")
    assert 0 < age <= 12 * 60 * 60


def test_production_csp_has_a_nonce_and_nothing_unsafe(production):
    directives = _csp_directives(production["headers"]["Content-Security-Policy"])
    script_src = directives["script-src"]
    assert any(value.startswith("'nonce-") for value in script_src)
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in directives[directive]
        assert "'unsafe-eval'" not in directives[directive]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]


# --- CSP and cookies of a signed-in page ---------------------------------------------------


@pytest.mark.django_db
def test_every_script_on_a_page_is_external_or_carries_the_nonce(cast):
    response = cast.client("manager").get("/", follow=True)
    assert response.status_code == 200
    directives = _csp_directives(response.headers["Content-Security-Policy"])
    nonces = {v[len("'nonce-") : -1] for v in directives["script-src"] if v.startswith("'nonce-")}
    assert len(nonces) == 1
    page = response.text
    scripts = re.findall(r"<script\b([^>]*)>", page)
    assert scripts, "the page loads htmx"
    for attributes in scripts:
        assert "src=" in attributes or f'nonce="{nonces.pop()}"' in attributes, attributes
    # No inline styles or event handlers, which the policy would block.
    assert "<style" not in page
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)
    # htmx may neither evaluate code nor run scripts from swapped-in HTML.
    assert '"allowEval": false' in page
    assert '"allowScriptTags": false' in page


# --- Sessions: rotation on sign-in, idle timeout -------------------------------------------


@pytest.fixture
def manager():
    return factories.UserFactory(
        email="lea.krause@example.de", password=PASSWORD, roles=[Role.MANAGER]
    )


def _session_store():
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


@pytest.mark.django_db
def test_signing_in_gives_a_new_session_key(client, manager):
    store = _session_store()()
    store["planted"] = "by an attacker"
    store.create()
    planted = store.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted

    response = client.post("/accounts/login/", {"username": manager.email, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value != planted
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not _session_store()().exists(planted)
    assert not Session.objects.filter(session_key=planted).exists()


@pytest.mark.django_db
def test_a_session_in_use_slides_and_an_idle_one_ends(client, manager, settings):
    client.post("/accounts/login/", {"username": manager.email, "password": PASSWORD})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    row = Session.objects.get(session_key=key)
    expected = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((row.expire_date - expected).total_seconds()) < 60

    # In use after the refresh interval: the expiry moves forward again.
    settings.SESSION_REFRESH_SECONDS = 0
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    caches[settings.SESSION_CACHE_ALIAS].clear()
    assert client.get("/me/").status_code == 200
    row.refresh_from_db()
    assert (row.expire_date - timezone.now()).total_seconds() > settings.SESSION_COOKIE_AGE - 60

    # Left alone longer than the idle timeout: signed out.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    caches[settings.SESSION_CACHE_ALIAS].clear()
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Login throttling and password reset ---------------------------------------------------


@pytest.mark.django_db
def test_a_locked_login_does_not_lock_other_accounts(client, manager, settings):
    other = factories.UserFactory(email="ben.vogel@example.de", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": manager.email, "password": "falsch"})
    locked = client.post("/accounts/login/", {"username": manager.email, "password": PASSWORD})
    assert locked.status_code == 429
    response = client.post("/accounts/login/", {"username": other.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


@pytest.mark.django_db
def test_password_reset_answers_known_and_unknown_addresses_with_the_same_page(
    client, django_capture_on_commit_callbacks
):
    factories.UserFactory(email="known@example.de")
    pages = []
    for email in ("known@example.de", "nobody@example.de"):
        with django_capture_on_commit_callbacks(execute=False):
            response = client.post("/accounts/password-reset/", {"email": email}, follow=True)
        pages.append(
            (
                response.status_code,
                [template.name for template in response.templates],
                re.sub(r'(value|nonce)="[^"]+"|"X-CSRFToken": "[^"]+"', "", response.text),
            )
        )
        # Nothing is sent while the request runs: the mail leaves from the worker after the
        # commit, so the answer does not take longer for an existing account.
        assert mail.outbox == []
    assert pages[0] == pages[1]


# --- Uploads and downloads -----------------------------------------------------------------


def _upload(name: str, content: bytes, content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("people.csv", b"<html><script>alert(1)</script></html>", "text/csv"),
        ("people.xlsx", b"<!doctype html><h1>not excel</h1>", "application/vnd.ms-excel"),
        ("people.xlsx", b"PK\x03\x04 this is no spreadsheet", "application/zip"),
        ("people.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "text/csv"),
    ],
)
def test_an_upload_is_judged_by_its_content_not_its_name(cast, name, content, content_type):
    people = Person.objects.count()
    response = cast.client("manager").post(
        "/people/import/", {"file": _upload(name, content, content_type)}, follow=True
    )
    assert response.status_code == 400
    assert response.redirect_chain == []
    assert 'class="errorlist' in response.text
    assert Person.objects.count() == people
    assert not PeopleImport.objects.exists()


@pytest.mark.django_db
def test_an_oversized_upload_is_refused_with_a_message(cast):
    content = b"E-Mail;Vorname;Nachname\r\n" + b"a" * MAX_FILE_BYTES
    response = cast.client("manager").post("/people/import/", {"file": _upload("big.csv", content)})
    assert response.status_code == 400
    assert "5 MB" in response.text
    assert not PeopleImport.objects.exists()


@pytest.mark.django_db
def test_downloads_are_attachments_never_rendered_inline(cast):
    factories.PersonFactory(first_name="<script>alert(1)</script>")
    response = cast.client("manager").get("/people/export.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Content-Type-Options"] == "nosniff"
