"""core.signing: one module signs every emailed link, reads the links already mailed, and keeps
their tokens out of every log (Django's and gunicorn's access log)."""

import contextlib
import datetime
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core import signing as django_signing
from gunicorn.config import Config

from core import signing
from core.gunicorn import RedactingLogger
from guidelines.services import guidelines as guideline_services
from guidelines.services import trainings as training_services
from notifications.emails import unsubscribe_target, unsubscribe_token
from rollout.services import workflows as workflow_services
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
PURPOSE = signing.LinkPurpose(salt="tests.purpose", max_age=datetime.timedelta(days=1))
TEXT = signing.LinkPurpose(salt="tests.text", text=True)


# --- The API ---------------------------------------------------------------------------------


def test_a_token_reads_back_only_for_its_own_purpose():
    token = signing.link_token(PURPOSE, {"w": 7})
    assert signing.link_read(PURPOSE, token) == {"w": 7}
    other = signing.LinkPurpose(salt="tests.other")
    with pytest.raises(signing.LinkInvalid):
        signing.link_read(other, token)
    assert signing.link_payload(other, token) is None
    for broken in (token[:-2], token + "x", "", "garbage", token.replace(":", ":x", 1)):
        assert signing.link_payload(PURPOSE, broken) is None


def test_an_old_token_is_expired_and_still_says_what_it_was_for(settings):
    token = signing.link_token(TEXT, "12.3")
    with pytest.raises(signing.LinkExpired) as expired:
        signing.link_read(TEXT, token, max_age=-1)
    assert expired.value.payload == "12.3"
    assert signing.link_payload(TEXT, token, max_age=-1) is None
    assert signing.link_read(TEXT, token, max_age=datetime.timedelta(hours=1)) == "12.3"


def test_text_links_carry_strings_only():
    with pytest.raises(TypeError):
        signing.link_token(TEXT, {"not": "a string"})


def test_fingerprints_match_their_value_and_survive_a_key_rotation(settings):
    stored = signing.fingerprint("tests.fp", "hash-1")
    assert signing.fingerprint_matches("tests.fp", "hash-1", stored)
    assert not signing.fingerprint_matches("tests.fp", "hash-2", stored)
    assert not signing.fingerprint_matches("tests.other", "hash-1", stored)
    assert not signing.fingerprint_matches("tests.fp", "hash-1", "")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    assert signing.fingerprint_matches("tests.fp", "hash-1", stored)


# --- Links already in people's mailboxes keep working -------------------------------------


@pytest.mark.django_db
def test_links_signed_the_old_way_still_open(cast):
    """The tokens exactly as the code before core.signing made them."""
    workflow = factories.ContentWorkflowFactory(department=cast.department_a, by=cast.manager)
    old = django_signing.dumps({"w": workflow.pk}, salt="rollout.workflow-link", compress=True)
    assert workflow_services.workflow_from_link(token=old) == workflow
    new = workflow_services.workflow_link_path(workflow=workflow).split("/")[-2]
    assert django_signing.loads(new, salt="rollout.workflow-link") == {"w": workflow.pk}

    ack = django_signing.TimestampSigner(salt="guidelines.acknowledge").sign("5.9")
    reading = guideline_services.ack_token_read(ack)
    assert (reading.person_id, reading.version_id, reading.expired) == (5, 9, False)

    rsvp = django_signing.TimestampSigner(salt="guidelines.training.rsvp").sign("42")
    assert (
        training_services.invitation_id_from_token(
            rsvp, salt=training_services.RSVP_SALT, max_age=training_services.RSVP_MAX_AGE
        )
        == 42
    )
    feedback = django_signing.TimestampSigner(salt="guidelines.training.feedback").sign("43")
    assert (
        training_services.invitation_id_from_token(
            feedback,
            salt=training_services.FEEDBACK_SALT,
            max_age=training_services.FEEDBACK_MAX_AGE,
        )
        == 43
    )
    with pytest.raises(django_signing.BadSignature):  # an RSVP token is no feedback token
        training_services.invitation_id_from_token(
            rsvp, salt=training_services.FEEDBACK_SALT, max_age=training_services.FEEDBACK_MAX_AGE
        )

    unsubscribe = django_signing.dumps(
        {"e": "a@example.de", "k": "guideline_ack_request"},
        salt="notifications.unsubscribe",
        compress=True,
    )
    assert unsubscribe_target(unsubscribe) == ("a@example.de", "guideline_ack_request")
    new = unsubscribe_token("A@example.de", "guideline_ack_request")
    assert django_signing.loads(new, salt="notifications.unsubscribe") == {
        "e": "a@example.de",
        "k": "guideline_ack_request",
    }


def test_an_expired_training_link_still_names_its_invitation():
    token = django_signing.TimestampSigner(salt="guidelines.training.rsvp").sign("42")
    with pytest.raises(training_services.LinkExpired) as expired:
        training_services.invitation_id_from_token(
            token, salt=training_services.RSVP_SALT, max_age=datetime.timedelta(seconds=-1)
        )
    assert expired.value.invitation_id == 42


# --- No token in a log ------------------------------------------------------------------------

SUPPLY = "eyJ3IjoxLCJwIjoyfQ:1vQx8r:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"
LOGIN = "Qm9yYW5nZS10b2tlbi1mb3ItYS1zaWduLWluLWxpbmstMTIz"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/supply/{SUPPLY}/", "/supply/[redacted]/"),
        (f"/workflows/link/{SUPPLY}/", "/workflows/link/[redacted]/"),
        (f"/accounts/sign-in-link/{LOGIN}/", "/accounts/sign-in-link/[redacted]/"),
        (f"/g/{SUPPLY}/", "/g/[redacted]/"),
        (f"/g/{SUPPLY}/new-link/", "/g/[redacted]/new-link/"),
        (f"/t/training/{SUPPLY}/?answer=accept", "/t/training/[redacted]/?answer=accept"),
        (f"/t/training/{SUPPLY}/renew/", "/t/training/[redacted]/renew/"),
        (f"/t/training-feedback/{SUPPLY}/", "/t/training-feedback/[redacted]/"),
        (f"/notifications/unsubscribe/{SUPPLY}/", "/notifications/unsubscribe/[redacted]/"),
        ("/accounts/reset/MTI/cdz1ab-0123456789abcdef/", "/accounts/reset/[redacted]/[redacted]/"),
        (f"/supply/{SUPPLY.replace(':', '%3A')}/", "/supply/[redacted]/"),
        ("/workflows/12/", "/workflows/12/"),
        ("/static/css/app.css", "/static/css/app.css"),
        ("/accounts/sign-in-link/", "/accounts/sign-in-link/"),
    ],
)
def test_paths_lose_their_tokens(path, expected):
    assert signing.redact_path(path) == expected


def test_urls_and_log_lines_lose_their_tokens():
    assert signing.redact_url(f"https://hub.example.de/supply/{SUPPLY}/") == (
        "https://hub.example.de/supply/[redacted]/"
    )
    line = f'"GET /accounts/sign-in-link/{LOGIN}/ HTTP/1.1" 200 "https://x.de/g/{SUPPLY}/"'
    redacted = signing.redact_text(line)
    assert LOGIN not in redacted and SUPPLY not in redacted
    assert redacted.count("[redacted]") == 2


def test_django_log_records_lose_their_tokens(caplog):
    """Django logs every 4xx answer with its path ("Not Found: /supply/<token>/")."""
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "%s: %s", ("Gone", f"/supply/{SUPPLY}/"),
        None,
    )  # fmt: skip
    assert signing.RedactTokens().filter(record)
    assert record.getMessage() == "Gone: /supply/[redacted]/"


@pytest.mark.django_db
def test_the_configured_django_logging_redacts(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(f"/supply/{SUPPLY}/").status_code == 404
    messages = [record.getMessage() for record in caplog.records]
    assert messages and all(SUPPLY not in message for message in messages)
    assert any("/supply/[redacted]/" in message for message in messages)


class _Response:
    status = "200 OK"
    sent = 512
    headers = [("Content-Type", "text/html")]


def test_the_gunicorn_access_log_has_no_token(capsys):
    config = Config()
    config.set("accesslog", "-")
    config.set(
        "access_log_format",
        '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %({raw_uri}e)s %({Referer}i)s %({X-Token}i)s',
    )
    logger = RedactingLogger(config)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/accounts/sign-in-link/{LOGIN}/",
        "PATH_INFO": f"/accounts/sign-in-link/{LOGIN}/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://hub.example.de/g/{SUPPLY}/",
    }
    headers = [("REFERER", f"https://hub.example.de/g/{SUPPLY}/"), ("X-TOKEN", "plain")]
    logger.access(_Response(), headers, environ, datetime.timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = capsys.readouterr().out
    assert "/accounts/sign-in-link/[redacted]/" in line, line
    assert "https://hub.example.de/g/[redacted]/" in line, line
    assert LOGIN not in line and SUPPLY not in line, line
    assert '"POST ' in line and "203.0.113.9" in line and "plain" in line


def test_the_images_run_gunicorn_with_the_redacting_config():
    from changehub import gunicorn_conf

    assert gunicorn_conf.logger_class == "core.gunicorn.RedactingLogger"
    for name in ("Dockerfile", "docker-compose.yml"):
        text = (ROOT / name).read_text()
        assert '"gunicorn", "--config", "python:changehub.gunicorn_conf"' in text, name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "access-log-test-" + "k" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "EMAIL_URL": "console://",
    "HTTPS": "false",
    "BEHIND_PROXY": "false",
}


@pytest.mark.parametrize("production", [True, False], ids=["production", "debug"])
def test_a_real_gunicorn_logs_link_requests_without_their_tokens(tmp_path, production):
    """gunicorn as the image starts it (with its config), a request to a link page with a
    Referer that is a link too: the access log has the request, without either token."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "true",
        **(PRODUCTION if production else {}),
        "CHANGEHUB_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    log = (tmp_path / "access.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config", "python:changehub.gunicorn_conf", "changehub.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "1",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (tmp_path / "access.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.25)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/accounts/sign-in-link/{LOGIN}/",
            headers={"Referer": f"http://127.0.0.1:{port}/supply/{SUPPLY}/"},
        )
        # Whatever the page answers (there are no tables): the log line is what counts.
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=30).close()  # noqa: S310 - our own server
        deadline = time.monotonic() + 20
        while "sign-in-link" not in (tmp_path / "access.log").read_text():
            assert time.monotonic() < deadline, (tmp_path / "access.log").read_text()
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    text = (tmp_path / "access.log").read_text()
    assert "/accounts/sign-in-link/[redacted]/" in text, text
    assert f"127.0.0.1:{port}/supply/[redacted]/" in text, text
    assert LOGIN not in text and SUPPLY not in text, text
