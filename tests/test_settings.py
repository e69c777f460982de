"""Start-up rules: production refuses to run without secrets, and passes Django's deploy check."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#Qx2!mP9vL4s@Wz8rT1yN6bH3jF0dC5gA-uE_oI+eR%tY^wS&qZ*xV(pL)mK",
    "ALLOWED_HOSTS": "changehub.example.com",
    "EMAIL_URL": "smtp://localhost:25",
    "DEMO_MAILBOX": "",
    "DATABASE_URL": "",
    "REDIS_URL": "",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    base["CHANGEHUB_VAR_DIR"] = str(ROOT / "var" / "settings-test")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key_and_hosts():
    result = _manage("check", env={"DEBUG": "false"})
    assert result.returncode != 0
    assert "refuses to start without SECRET_KEY and ALLOWED_HOSTS" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", env={**PRODUCTION_ENV, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "without ALLOWED_HOSTS" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(PRODUCTION_ENV["SECRET_KEY"] + "\n")
    env = {**PRODUCTION_ENV, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret)}
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(len(settings.SECRET_KEY))", env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(len(PRODUCTION_ENV["SECRET_KEY"]))


def test_deploy_check_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_models_and_migrations_agree():
    result = _manage("makemigrations", "--check", "--dry-run", env={"DEBUG": "true"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_german_is_the_default_language_and_berlin_the_time_zone(settings):
    assert settings.LANGUAGE_CODE == "de"
    assert [code for code, _ in settings.LANGUAGES] == ["de", "en"]
    assert settings.TIME_ZONE == "Europe/Berlin"


# --- The demo mailbox and the mail server ----------------------------------------------------


def _mail_backend(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.DEMO_MAILBOX, settings.MAILERS['default']['BACKEND'])",
        env=env,
    )


def test_production_refuses_the_demo_mailbox():
    result = _manage("check", env={**PRODUCTION_ENV, "DEMO_MAILBOX": "true"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEMO_MAILBOX=true is for the demo and development only" in result.stderr


def test_production_refuses_to_start_without_a_mail_server():
    result = _manage("check", env={**PRODUCTION_ENV, "EMAIL_URL": ""})
    assert result.returncode != 0
    assert "refuses to start without EMAIL_URL" in result.stderr


def test_production_sends_through_the_configured_mail_server():
    result = _mail_backend(PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "django.core.mail.backends.smtp.EmailBackend"]


def test_development_keeps_mail_in_the_demo_mailbox_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("DEMO_MAILBOX", raising=False)
    result = _mail_backend({"DEBUG": "true", "EMAIL_URL": ""})
    assert result.stdout.split()[-2:] == ["True", "core.mailbox.MailboxBackend"], result.stderr
    result = _mail_backend({"DEBUG": "true", "EMAIL_URL": "smtp://localhost:25"})
    assert result.stdout.split()[-2:] == ["False", "django.core.mail.backends.smtp.EmailBackend"]
    result = _mail_backend({"DEBUG": "true", "DEMO_MAILBOX": "false", "EMAIL_URL": ""})
    assert result.stdout.split()[-1] == "django.core.mail.backends.console.EmailBackend"


def test_the_image_build_commands_pass_the_start_up_checks(tmp_path):
    """The Dockerfile runs management commands (collectstatic) with DEBUG off: the build-only
    values it gives them must satisfy the same checks as a real start."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    commands = re.findall(
        r"((?:\b[A-Z_]+=\S+\s+)+)(?:python manage\.py|changehub) (\w+)", dockerfile
    )
    assert "collectstatic" in {command for _, command in commands}
    checked = 0
    for assignments, _command in commands:
        env = dict(item.split("=", 1) for item in assignments.split())
        if env.get("DEBUG") != "false":
            continue
        env["STATIC_ROOT"] = str(tmp_path / "static")
        result = _manage("check", env={"DATABASE_URL": "", "REDIS_URL": "", **env})
        assert result.returncode == 0, result.stderr
        checked += 1
    assert checked


def test_env_example_documents_the_mail_settings():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^# DEMO_MAILBOX=", text, re.MULTILINE)
    assert "EMAIL_URL" in text
    assert "refused with DEBUG=false" in text


# --- The secret key ---------------------------------------------------------------------------


def _env_example_secret_key() -> str:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return re.search(r"^SECRET_KEY=(.*)$", text, re.MULTILINE).group(1).strip()


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(_env_example_secret_key(), id="env-example-placeholder"),
        pytest.param("please-replace-this-with-a-random-value-000000", id="replace"),
        pytest.param("django-insecure-changehub-development-only-key-0000000000", id="dev-key"),
        pytest.param("kurz-aber-zufaellig-x7Q", id="short"),
        pytest.param("a" * 60, id="one-character"),
    ],
)
def test_production_refuses_a_placeholder_or_weak_secret_key(key):
    result = _manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "refuses to start with a placeholder or weak SECRET_KEY" in result.stderr
    assert key not in result.stderr  # the message never repeats the key


def test_a_placeholder_secret_key_in_a_file_is_refused_too(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(_env_example_secret_key() + "\n")
    env = {**PRODUCTION_ENV, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret)}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "weak SECRET_KEY" in result.stderr
