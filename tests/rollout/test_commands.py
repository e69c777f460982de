"""`manage.py createmanager`: the first manager account of an installation."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from rollout import services
from rollout.management.commands import createmanager
from rollout.models import Role, User

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Messe-Fotos-2026!"


def _create(**options) -> str:
    """Run the command in English, so that the messages the tests match are stable."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("createmanager", stdout=out, **options)
    return out.getvalue()


def test_creates_a_manager_with_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("CHANGEHUB_MANAGER_PASSWORD", GOOD_PASSWORD)
    output = _create(
        email="Julia.Brandt@Example.de",
        name="Julia Brandt",
        password_from_env="CHANGEHUB_MANAGER_PASSWORD",
    )
    user = User.objects.get()
    assert user.email == "julia.brandt@example.de"
    assert user.full_name == "Julia Brandt"
    assert user.check_password(GOOD_PASSWORD)
    assert user.roles == {Role.MANAGER.value}
    assert user.is_staff and not user.is_superuser
    assert "julia.brandt@example.de" in output


def test_prompts_twice_when_no_variable_is_given(monkeypatch):
    answers = iter([GOOD_PASSWORD, GOOD_PASSWORD])
    monkeypatch.setattr(createmanager, "getpass", lambda prompt: next(answers))
    _create(email="tom.becker@example.de", name="Tom Becker")
    assert User.objects.get().check_password(GOOD_PASSWORD)


def test_refuses_two_different_passwords(monkeypatch):
    answers = iter([GOOD_PASSWORD, GOOD_PASSWORD + "x"])
    monkeypatch.setattr(createmanager, "getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="do not match"):
        _create(email="tom.becker@example.de", name="Tom Becker")
    assert not User.objects.exists()


def test_refuses_an_email_that_exists(monkeypatch):
    services.user_create(
        email="julia.brandt@example.de", full_name="Julia Brandt", password=None, roles=[]
    )
    monkeypatch.setenv("CHANGEHUB_MANAGER_PASSWORD", GOOD_PASSWORD)
    with pytest.raises(CommandError, match="already exists"):
        _create(
            email="JULIA.BRANDT@example.de",
            name="Julia Brandt",
            password_from_env="CHANGEHUB_MANAGER_PASSWORD",
        )
    assert User.objects.count() == 1
    assert not User.objects.get().is_staff


def test_rejects_a_too_short_password(monkeypatch):
    monkeypatch.setenv("CHANGEHUB_MANAGER_PASSWORD", "kurz")
    with pytest.raises(CommandError, match="password was not accepted"):
        _create(
            email="tom.becker@example.de",
            name="Tom Becker",
            password_from_env="CHANGEHUB_MANAGER_PASSWORD",
        )
    assert not User.objects.exists()


def test_refuses_an_unset_variable(monkeypatch):
    monkeypatch.delenv("CHANGEHUB_MANAGER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="CHANGEHUB_MANAGER_PASSWORD"):
        _create(
            email="tom.becker@example.de",
            name="Tom Becker",
            password_from_env="CHANGEHUB_MANAGER_PASSWORD",
        )
    assert not User.objects.exists()
