"""The local mailbox: where mail goes when no SMTP server is configured.

Each message is stored as one `.eml` file under `var/mailbox/`; the manager reads them in the
browser (Demo mailbox), so that a newcomer can follow every emailed link. Only in the demo and
development set-up (settings.DEMO_MAILBOX, refused with DEBUG off); and even there a message
addressed to someone else is shown without its personal links (sign-in, password reset,
acknowledgment, RSVP, supplier, feedback, unsubscribe): whoever reads the mailbox must not
become that person.
"""

import email
import email.policy
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage as ParsedMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

_NAME = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{32}\.eml$")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\""


def mailbox_enabled() -> bool:
    return settings.MAILERS.get("default", {}).get("BACKEND") == "core.mailbox.MailboxBackend"


def mailbox_dir() -> Path:
    return Path(settings.MAILBOX_DIR)


class MailboxBackend(BaseEmailBackend):
    """Write every message as an .eml file into the local mailbox folder."""

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        folder = mailbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex}.eml"
            temporary = folder / f".{name}.tmp"
            temporary.write_bytes(message.message().as_bytes())
            temporary.rename(folder / name)
            sent += 1
        return sent


@dataclass
class StoredMail:
    key: str
    subject: str
    sender: str
    to: str
    date: datetime | None
    recipients: tuple[str, ...] = ()
    text: str = ""
    html: str = ""
    # True when personal links were taken out because the message is someone else's.
    redacted: bool = False


def _read(path: Path, *, with_body: bool) -> StoredMail:
    with path.open("rb") as handle:
        parsed: ParsedMessage = email.message_from_binary_file(handle, policy=email.policy.default)
    try:
        date = parsedate_to_datetime(parsed["Date"]) if parsed["Date"] else None
    except (TypeError, ValueError):
        date = None
    mail = StoredMail(
        key=path.stem,
        subject=str(parsed["Subject"] or ""),
        sender=str(parsed["From"] or ""),
        to=str(parsed["To"] or ""),
        date=date,
        recipients=tuple(
            address.strip().lower()
            for _name, address in getaddresses(
                [str(value) for value in (*parsed.get_all("To", []), *parsed.get_all("Cc", []))]
            )
            if address.strip()
        ),
    )
    if with_body:
        text_part = parsed.get_body(preferencelist=("plain",))
        html_part = parsed.get_body(preferencelist=("html",))
        mail.text = text_part.get_content() if text_part is not None else ""
        mail.html = html_part.get_content() if html_part is not None else ""
    return mail


def mailbox_list(*, limit: int = 200) -> list[StoredMail]:
    """The newest messages first."""
    folder = mailbox_dir()
    if not folder.is_dir():
        return []
    names = sorted((p for p in folder.iterdir() if _NAME.match(p.name)), reverse=True)[:limit]
    return [_read(path, with_body=False) for path in names]


def mailbox_get(key: str) -> StoredMail | None:
    """One message by its key; None for unknown or malformed keys (never a path outside)."""
    if not _NAME.match(f"{key}.eml"):
        return None
    path = mailbox_dir() / f"{key}.eml"
    if not path.is_file():
        return None
    return _read(path, with_body=True)


# --- Reading someone else's mail ---------------------------------------------------------


def mail_is_for(mail: StoredMail, *, email: str) -> bool:
    """Whether the message is addressed to this reader alone (To and Cc)."""
    reader = (email or "").strip().lower()
    return bool(reader) and bool(mail.recipients) and set(mail.recipients) == {reader}


def _is_plain_link(url: str) -> bool:
    """A link anyone may follow: a page of this site addressed by numbers only (a workflow, a
    guideline), without a query. Everything else may carry a personal token."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.query or parts.fragment:
        return False
    site = urlsplit(settings.SITE_URL)
    if parts.netloc.lower() != site.netloc.lower():
        return False
    path = parts.path or "/"
    prefix = site.path.rstrip("/")
    if prefix:
        if not path.startswith(f"{prefix}/"):
            return False
        path = path[len(prefix) :]
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return not match.args and all(isinstance(value, int) for value in match.kwargs.values())


def redact_personal_links(text: str) -> tuple[str, int]:
    """The text with every link that may carry a personal token replaced by a notice; and how
    many were replaced."""
    hidden = 0
    notice = _("[personal link hidden]")

    def replace(found: re.Match[str]) -> str:
        nonlocal hidden
        url = found.group(0)
        tail = ""
        while url and url[-1] in _URL_TRAILING:
            url, tail = url[:-1], url[-1] + tail
        if _is_plain_link(url):
            return found.group(0)
        hidden += 1
        return notice + tail

    return _URL.sub(replace, text), hidden


def mail_for_reader(mail: StoredMail, *, email: str) -> StoredMail:
    """The message as this reader may see it: in full when it is addressed to them, otherwise
    without its personal links (and without its HTML part, which would repeat them)."""
    if mail_is_for(mail, email=email):
        return mail
    mail.text = redact_personal_links(mail.text)[0]
    mail.html = ""
    mail.redacted = True
    return mail
