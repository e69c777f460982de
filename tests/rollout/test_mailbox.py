"""The demo mailbox: mail without an SMTP server lands in var/ and is readable in the browser."""

import pytest
from django.core import mail
from django.urls import reverse

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
