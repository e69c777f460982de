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


def test_bench_summary_prints_every_figure_with_its_target(tmp_path):
    import json

    from devtools.management.commands.bench_summary import TARGETS

    results = tmp_path / "results.json"
    results.write_text(
        json.dumps({"dashboard_p95_ms": 41.2, "plan_p95_ms": 55.0, "reminders_lost": 0})
    )
    out = io.StringIO()
    call_command("bench_summary", results=str(results), stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 + len(TARGETS) + 1  # header, rule, one per target, "Missed: ..."
    dashboard = next(line for line in lines if line.startswith("Dashboard p95"))
    assert "41.2 ms" in dashboard and dashboard.endswith("ok")
    assert next(line for line in lines if line.startswith("Phase board")).endswith("MISSED")
    assert next(line for line in lines if line.startswith("Reminders lost")).endswith("ok")
    assert next(line for line in lines if line.startswith("Leadership report render")).endswith(
        "not run"
    )
    assert lines[-1] == "Missed: Phase board p95, 20 users"


def test_bench_summary_without_results_says_what_to_do(tmp_path):
    with pytest.raises(CommandError, match="make bench"):
        call_command("bench_summary", results=str(tmp_path / "missing.json"))
