"""The demo mailbox: mail without an SMTP server lands in var/ and is readable in the browser."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.mailbox import mailbox_get, mailbox_list, redact_personal_links
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(settings):
    settings.MAILERS = {"default": {"BACKEND": "core.mailbox.MailboxBackend"}}
    return settings.MAILBOX_DIR


def test_sent_mail_lands_in_the_mailbox_and_its_links_can_be_followed(cast, mailbox):
    message = mail.EmailMultiAlternatives(
        subject="Bitte bestätigen Sie den Content-Workflow",
        body="Hallo Anton,\nhier ist der Link: http://127.0.0.1:8000/workflows/1/\n",
        to=["anton@example.de"],
    )
    message.attach_alternative("<p>Hallo <b>Anton</b></p>", "text/html")
    message.send()
    files = list(mailbox.glob("*.eml"))
    assert len(files) == 1

    client = cast.client("manager")
    listing = client.get(reverse("rollout:mailbox"))
    assert "Bitte bestätigen Sie den Content-Workflow" in listing.text
    key = files[0].stem
    detail = client.get(reverse("rollout:mailbox_message", args=[key]))
    assert detail.status_code == 200
    assert '<a href="http://127.0.0.1:8000/workflows/1/"' in detail.text
    assert "<b>Anton</b>" not in detail.text


def test_mailbox_never_reads_outside_its_folder(cast, mailbox):
    client = cast.client("manager")
    for key in ["../../etc/passwd", "..", "20260101T000000000000-" + "0" * 31 + "g"]:
        assert client.get(f"/mailbox/{key}/").status_code == 404


def test_mailbox_is_off_when_smtp_is_configured(cast, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
    assert cast.client("manager").get(reverse("rollout:mailbox")).status_code == 404


# --- Nobody takes over another account through the mailbox ---------------------------------

URL = re.compile(r"https?://[^\s<>\"']+")


def _only_message_to(address: str):
    [found] = [m for m in mailbox_list() if address in m.to]
    return mailbox_get(found.key)


def _token_paths(text: str) -> list[str]:
    """The paths of the message's links that carry a token (more than numbers)."""
    paths = []
    for url in URL.findall(text):
        path = urlsplit(url.rstrip(".,;)")).path
        if any(not part.isdigit() for part in path.strip("/").split("/")[1:]):
            paths.append(path)
    return paths


@pytest.mark.parametrize("victim", ["head_a", "superuser"])
def test_a_sign_in_link_for_someone_else_is_useless_in_the_mailbox(
    cast, mailbox, victim, django_capture_on_commit_callbacks
):
    if victim == "superuser":
        target = factories.UserFactory(email="root@example.de", is_superuser=True, is_staff=True)
    else:
        target = cast.head_a
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse("rollout:login_link_request"), {"email": target.email})
    assert response.status_code == 200
    message = _only_message_to(target.email)
    paths = _token_paths(message.text)
    assert paths, message.text  # the mail does carry a personal link
    assert all(len(path) > 25 for path in paths)

    client = cast.client("manager")
    listing = client.get(reverse("rollout:mailbox"), HTTP_ACCEPT_LANGUAGE="de")
    detail = client.get(reverse("rollout:mailbox_message", args=[message.key]))
    assert detail.status_code == 200
    for page in (listing, detail):
        for path in paths:
            assert path not in page.text
            assert path.rstrip("/").rsplit("/", 1)[-1] not in page.text
    assert "persönlicher Link ausgeblendet" in detail.text
    assert "an eine andere Person gerichtet" in detail.text


def test_the_notice_about_hidden_links_is_english_for_an_english_reader(
    cast, mailbox, django_capture_on_commit_callbacks
):
    cast.manager.language = "en"
    cast.manager.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("password_reset"), {"email": cast.head_b.email})
    message = _only_message_to(cast.head_b.email)
    detail = cast.client("manager").get(
        reverse("rollout:mailbox_message", args=[message.key]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "This message is addressed to someone else" in detail.text
    assert "[personal link hidden]" in detail.text
    assert "/accounts/reset/" not in detail.text


def test_the_readers_own_reset_mail_shows_its_link_in_full(
    cast, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("password_reset"), {"email": cast.manager.email.upper()})
    message = _only_message_to(cast.manager.email)
    [path] = [p for p in _token_paths(message.text) if "/accounts/reset/" in p]
    client = cast.client("manager")
    detail = client.get(reverse("rollout:mailbox_message", args=[message.key]))
    assert f'{path}"' in detail.text  # a clickable link
    assert "ausgeblendet" not in detail.text
    assert client.get(path, follow=True).status_code == 200


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("http://127.0.0.1:8000/workflows/12/", True),
        ("http://127.0.0.1:8000/guidelines/versions/3/", True),
        ("http://127.0.0.1:8000/accounts/sign-in-link/abc123def456/", False),
        ("http://127.0.0.1:8000/accounts/reset/MQ/c1a2b3-0123456789abcdef/", False),
        ("http://127.0.0.1:8000/g/eyJwIjoxfQ:1abc:xyz/", False),
        ("http://127.0.0.1:8000/t/training/eyJpIjoxfQ:1abc:xyz/", False),
        ("http://127.0.0.1:8000/t/training-feedback/eyJpIjoxfQ:1abc:xyz/", False),
        ("http://127.0.0.1:8000/supply/eyJ3IjoxfQ:1abc:xyz/", False),
        ("http://127.0.0.1:8000/workflows/link/eyJ3IjoxfQ:1abc:xyz/", False),
        ("http://127.0.0.1:8000/notifications/unsubscribe/eyJlIjoiYSJ9:1abc:xyz/", False),
        ("http://127.0.0.1:8000/workflows/12/?token=abc", False),
        ("http://127.0.0.1:8000/no/such/page/", False),
        ("https://elsewhere.example/workflows/12/", False),
    ],
)
def test_only_links_without_a_personal_part_survive_in_someone_elses_mail(url, kept):
    text, hidden = redact_personal_links(f"Bitte hier entlang: {url}.\nDanke")
    assert (url in text) is kept
    assert hidden == (0 if kept else 1)
    assert text.endswith(".\nDanke")


def test_a_mail_to_the_reader_and_someone_else_is_not_the_readers_own(cast, mailbox):
    mail.EmailMessage(
        subject="Zwei Empfänger",
        body="http://127.0.0.1:8000/accounts/sign-in-link/geheim-0123456789/",
        to=[cast.manager.email],
        cc=["andere@example.de"],
    ).send()
    [key] = [m.key for m in mailbox_list()]
    detail = cast.client("manager").get(reverse("rollout:mailbox_message", args=[key]))
    assert "geheim-0123456789" not in detail.text
