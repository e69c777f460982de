"""The local mailbox: where mail goes when no SMTP server is configured.

Each message is stored as one `.eml` file under `var/mailbox/`; the manager reads them in the
browser (Demo mailbox), so that a newcomer can follow every emailed link.
"""

import email
import email.policy
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage as ParsedMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone

_NAME = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{32}\.eml$")


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
    text: str = ""
    html: str = ""


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
