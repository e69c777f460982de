"""Login names are compared and stored in lower case, and the brute-force lockout counts per
account and client address, also behind the reverse proxy."""

import importlib
import re
from email.utils import parseaddr

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.management import call_command
from django.test import Client, RequestFactory

from core.http import client_ip, login_name
from rollout import services
from rollout.models import Role, User
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "Sommer-Kampagne-2026"
PROXY = "10.0.0.2"


@pytest.fixture
def target():
    return factories.UserFactory(email="bf.target@x.de", password=PASSWORD, roles=[Role.MANAGER])


def _login(client: Client, username: str, password: str, **headers):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        HTTP_ACCEPT_LANGUAGE="de",
        **headers,
    )


def _fail_until_locked(client: Client, username: str, settings, **headers) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, username, "falsch-geraten", **headers)


# --- Letter case --------------------------------------------------------------------------


def test_failures_in_lower_case_lock_out_the_mixed_case_spelling(client, target, settings):
    _fail_until_locked(client, "bf.target@x.de", settings)
    response = _login(client, "Bf.Target@X.de", PASSWORD)
    assert response.status_code == 429
    assert "vorübergehend gesperrt" in response.text
    assert "_auth_user_id" not in client.session


def test_failures_in_changing_case_add_up_to_one_lockout(client, target, settings):
    spellings = ["BF.TARGET@X.DE", "Bf.Target@x.de", " bf.target@X.de ", "bF.tArGeT@x.De"]
    for number in range(settings.AXES_FAILURE_LIMIT):
        _login(client, spellings[number % len(spellings)], "falsch-geraten")
    assert _login(client, "bf.target@x.de", PASSWORD).status_code == 429


def test_login_with_mixed_case_works(client, target):
    response = _login(client, "Bf.Target@X.DE", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(target.pk)


def test_password_reset_with_mixed_case_mails_the_account(
    client, target, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"email": "BF.Target@X.de"})
    assert response.status_code == 302
    assert [parseaddr(m.to[0])[1] for m in mail.outbox] == ["bf.target@x.de"]


def test_sign_in_link_request_with_mixed_case_mails_the_account(
    client, target, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/sign-in-link/", {"email": "Bf.TARGET@x.de"})
    assert [parseaddr(m.to[0])[1] for m in mail.outbox] == ["bf.target@x.de"]


@pytest.mark.parametrize(
    "create",
    [
        lambda email: services.user_create(email=email, full_name="Bea Fischer", password=None),
        lambda email: User.objects.create_user(email, full_name="Bea Fischer"),
        lambda email: factories.UserFactory(email=email),
    ],
    ids=["service", "manager", "save"],
)
def test_accounts_store_the_login_in_lower_case(create):
    user = create("  Bea.Fischer@Example.DE ")
    user.refresh_from_db()
    assert user.email == "bea.fischer@example.de"


def test_a_second_account_differing_only_in_case_is_refused(target):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.user_create(email="BF.Target@X.de", full_name="Doppelt", password=None)
    assert User.objects.filter(email__iexact="bf.target@x.de").count() == 1


def test_createmanager_stores_lower_case_and_refuses_a_case_twin(monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setenv("CH_TEST_PASSWORD", "Ein-langes-Passwort-2026")
    call_command(
        "createmanager",
        "--email",
        "Julia.Brandt@Example.de",
        "--name",
        "Julia Brandt",
        "--password-from-env",
        "CH_TEST_PASSWORD",
    )
    assert User.objects.get().email == "julia.brandt@example.de"
    with pytest.raises(CommandError, match="bereits ein Konto"):
        call_command(
            "createmanager",
            "--email",
            "JULIA.BRANDT@example.de",
            "--name",
            "Julia Zwei",
            "--password-from-env",
            "CH_TEST_PASSWORD",
        )


def test_the_lockout_counts_the_login_name_in_lower_case():
    request = RequestFactory().post("/accounts/login/", {"username": " Bf.Target@X.de "})
    assert login_name(request) == "bf.target@x.de"
    assert login_name(request, {"username": "A@B.DE"}) == "a@b.de"
    assert login_name(RequestFactory().post("/accounts/login/", {})) is None


# --- The data migration -------------------------------------------------------------------

_migration = importlib.import_module("rollout.migrations.0009_lowercase_user_emails")


def test_the_migration_lower_cases_existing_logins():
    user = factories.UserFactory(email="alt@example.de")
    User.objects.filter(pk=user.pk).update(email=" Alt.Konto@Example.DE")  # as stored before
    _migration.lowercase_emails(django_apps, None)
    user.refresh_from_db()
    assert user.email == "alt.konto@example.de"


def test_the_migration_stops_with_a_clear_message_when_two_accounts_collide():
    first = factories.UserFactory(email="zwilling@example.de")
    second = factories.UserFactory(email="andere@example.de")
    User.objects.filter(pk=second.pk).update(email=" Zwilling@example.de")
    with pytest.raises(RuntimeError) as error:
        _migration.lowercase_emails(django_apps, None)
    message = str(error.value)
    assert "differ only in letter case" in message
    assert f"#{first.pk} zwilling@example.de" in message
    assert f"#{second.pk}" in message
    assert "Nothing has been changed" in message
    second.refresh_from_db()
    assert second.email == " Zwilling@example.de"


# --- Behind the reverse proxy -------------------------------------------------------------


def test_behind_the_proxy_a_stranger_locks_out_only_himself(client, target, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
    _fail_until_locked(attacker, target.email, settings)
    locked = _login(attacker, target.email, PASSWORD)
    assert locked.status_code == 429
    assert "vorübergehend gesperrt" in locked.text

    manager = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = _login(manager, target.email, PASSWORD)
    assert response.status_code == 302
    assert manager.session["_auth_user_id"] == str(target.pk)


def test_a_forged_forwarded_address_does_not_escape_the_lockout(client, target, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    for number in range(settings.AXES_FAILURE_LIMIT):
        # The proxy appends the real address; the part the client made up is ignored.
        forged = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 203.0.113.66")
        _login(forged, target.email, "falsch-geraten")
    again = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.66")
    assert _login(again, target.email, PASSWORD).status_code == 429


def test_without_a_proxy_a_forwarded_header_is_not_trusted(client, target, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 0
    for number in range(settings.AXES_FAILURE_LIMIT):
        spoofing = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
        _login(spoofing, target.email, "falsch-geraten")
    spoofing = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert _login(spoofing, target.email, PASSWORD).status_code == 429
    # Someone else (another address) still gets in.
    assert _login(Client(REMOTE_ADDR="198.51.100.7"), target.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.1", "198.51.100.9", "203.0.113.1"),
        (1, PROXY, "198.51.100.9", "198.51.100.9"),
        (1, PROXY, "6.6.6.6, 198.51.100.9", "198.51.100.9"),
        (2, PROXY, "6.6.6.6, 198.51.100.9, 10.0.0.3", "198.51.100.9"),
        (1, PROXY, "", PROXY),  # reached the app without the proxy's header
        (2, PROXY, "198.51.100.9", PROXY),  # fewer entries than proxies
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, "[2001:db8::5]:4711", "2001:db8::5"),
        (1, PROXY, "198.51.100.9:4711", "198.51.100.9"),
    ],
)
def test_client_address(settings, count, remote, forwarded, expected):
    settings.AXES_IPWARE_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_production_settings_key_the_lockout_on_account_and_client_address(settings):
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_CLIENT_IP_CALLABLE == "core.http.client_ip"
    assert settings.AXES_USERNAME_CALLABLE == "core.http.login_name"
    assert re.fullmatch(r"\d+", str(settings.AXES_IPWARE_PROXY_COUNT))


def test_the_admin_stores_new_logins_in_lower_case_and_refuses_case_twins(target):
    admin = factories.UserFactory(email="admin@example.de", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    form = {"full_name": "Neue Person", "password1": PASSWORD, "password2": PASSWORD}
    twin = client.post("/admin/rollout/user/add/", {**form, "email": "BF.Target@X.de"})
    assert twin.status_code == 200  # the form again, with an error
    assert User.objects.filter(email__iexact="bf.target@x.de").count() == 1
    created = client.post("/admin/rollout/user/add/", {**form, "email": "Neue.Person@X.de"})
    assert created.status_code == 302
    assert User.objects.filter(email="neue.person@x.de").exists()
