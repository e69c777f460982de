"""Every emailed link in one place: signed tokens, one-time secrets, and keeping them out of logs.

Each kind of link has its own `LinkPurpose` (its salt), so that a token made for one purpose
(say an RSVP) never opens another (say a supplier's page). Two payload formats exist because
links already in people's mailboxes must keep working:

- `text=True`: a plain string, signed as it is (`TimestampSigner.sign`), e.g. "12" or "3.7";
- otherwise a small JSON object (`signing.dumps`, compressed unless `compress=False`).

Sign-in links are not signed but random one-time secrets of which only the digest is stored
(`secret_token`, `secret_digest`); `fingerprint` ties such a row to a value that must not change
meanwhile (the user's password hash).

Tokens travel in URL paths (the links work without JavaScript), so they must never reach a log:
`redact_path` replaces every URL keyword argument named in `SECRET_URL_KWARGS` ("token" and
password reset's "uidb64") with "[redacted]", `RedactTokens` does that for log records, and
`core.gunicorn.RedactingLogger` for the access log. A new link route only has to call its
secret `token`.
"""

import datetime
import functools
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

REDACTED = "[redacted]"
SECRET_URL_KWARGS = ("token", "uidb64")


@dataclass(frozen=True)
class LinkPurpose:
    """One kind of emailed link: its salt, how long its links are valid by default (None: for
    ever) and its payload format (see the module docstring)."""

    salt: str
    max_age: datetime.timedelta | None = None
    text: bool = False
    compress: bool = True


class LinkInvalid(signing.BadSignature):
    """Not made by us for this purpose: tampered, truncated, another purpose's token (a
    BadSignature, so code that catches Django's signing errors catches it too)."""


class LinkExpired(LinkInvalid):
    """Made by us, but older than allowed; `payload` says what it was for."""

    def __init__(self, payload: Any) -> None:
        super().__init__("expired")
        self.payload = payload


def link_token(purpose: LinkPurpose, payload: Any) -> str:
    """A signed, timestamped token carrying `payload` (a string for `text` purposes, else
    anything JSON can hold)."""
    signer = signing.TimestampSigner(salt=purpose.salt)
    if purpose.text:
        if not isinstance(payload, str):
            raise TypeError(f"{purpose.salt} links carry a string, not {payload!r}.")
        return signer.sign(payload)
    return signer.sign_object(payload, compress=purpose.compress)


def _max_age_seconds(max_age: datetime.timedelta | float | None) -> float | None:
    if isinstance(max_age, datetime.timedelta):
        return max_age.total_seconds()
    return max_age


def link_read(
    purpose: LinkPurpose, token: str, *, max_age: datetime.timedelta | float | None = None
) -> Any:
    """The payload of a genuine token that is not older than `max_age` (default: the
    purpose's). Raises LinkExpired for a genuine old one, LinkInvalid for anything else."""
    signer = signing.TimestampSigner(salt=purpose.salt)
    limit = _max_age_seconds(max_age if max_age is not None else purpose.max_age)

    def unsign(age: float | None) -> Any:
        if purpose.text:
            return signer.unsign(token, max_age=age)
        return signer.unsign_object(token, max_age=age)

    try:
        return unsign(limit)
    except signing.SignatureExpired:
        try:
            payload = unsign(None)
        except (signing.BadSignature, ValueError):  # pragma: no cover - it was genuine above
            raise LinkInvalid(purpose.salt) from None
        raise LinkExpired(payload) from None
    except (signing.BadSignature, ValueError, UnicodeError):
        # ValueError/UnicodeError: a genuine signature over bytes that are not our payload
        # (cannot happen without the key, but a broken token must never be a server error).
        raise LinkInvalid(purpose.salt) from None


def link_payload(
    purpose: LinkPurpose, token: str, *, max_age: datetime.timedelta | float | None = None
) -> Any | None:
    """`link_read`, with None for an invalid or expired token."""
    try:
        return link_read(purpose, token, max_age=max_age)
    except LinkInvalid:
        return None


# --- One-time secrets (sign-in links) ------------------------------------------------------


def secret_digest(raw: str) -> str:
    """What is stored of a one-time secret: its SHA-256, hex (the raw value is only mailed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def secret_token() -> tuple[str, str]:
    """A fresh one-time secret for a link (256 bits, URL-safe) and its digest."""
    raw = secrets.token_urlsafe(32)
    return raw, secret_digest(raw)


def fingerprint(purpose: str, value: str) -> str:
    """A keyed digest of `value` (e.g. a password hash): stored with a link, it revokes the
    link as soon as the value changes, without storing the value itself."""
    return salted_hmac(purpose, value, algorithm="sha256").hexdigest()


def fingerprint_matches(purpose: str, value: str, stored: str) -> bool:
    """Does `stored` belong to `value`? Checked with the current SECRET_KEY and its fallbacks,
    so that rotating the key does not revoke every link at once."""
    if not stored:
        return False
    for key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        digest = salted_hmac(purpose, value, secret=key, algorithm="sha256").hexdigest()
        if constant_time_compare(digest, stored):
            return True
    return False


# --- Keeping tokens out of logs ------------------------------------------------------------


# A signed token ("eyJ3Ijo1fQ:1vQx8r:…") or a random secret of 20 characters or more.
_LOOKS_SECRET = re.compile(r"[A-Za-z0-9_\-.%]*:[A-Za-z0-9_\-:.%]+|[A-Za-z0-9_\-]{20,}")


@functools.lru_cache(maxsize=2048)
def _path_secrets(path: str) -> tuple[str, ...]:
    """The secret URL arguments of a path of ours, else () (cached: most logged paths repeat)."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(unquote(path))
    except (Resolver404, ValueError, UnicodeError):
        return ()
    except Exception:  # URLs not loadable (start-up): redact whatever looks secret
        return tuple(unquote(part) for part in path.split("/") if _LOOKS_SECRET.fullmatch(part))
    return tuple(
        str(value)
        for name, value in match.kwargs.items()
        if name in SECRET_URL_KWARGS and str(value)
    )


def redact_path(path: str) -> str:
    """`path` (optionally with a query) with every secret URL argument replaced by
    "[redacted]": "/supply/eyJ3…:1u0x:abc/" → "/supply/[redacted]/"."""
    if not path or not path.startswith("/"):
        return path
    bare, _, query = path.partition("?")
    found = _path_secrets(bare)
    if not found:
        return path
    segments = [REDACTED if unquote(part) in found else part for part in bare.split("/")]
    return "/".join(segments) + (f"?{query}" if query else "")


def redact_url(url: str) -> str:
    """An absolute URL (a Referer) or a path, with its secret arguments redacted."""
    if not url or url == "-":
        return url
    if url.startswith("/"):
        return redact_path(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.path:
        return url
    redacted = redact_path(parts.path)
    if redacted == parts.path:
        return url
    return urlunsplit(parts._replace(path=redacted))


_PATHS = re.compile(r"(?:https?://[^\s\"'/]+)?/[^\s\"']*")


def redact_text(text: str) -> str:
    """Every path or URL of ours inside a log line, redacted."""
    if "/" not in text:
        return text
    return _PATHS.sub(lambda match: redact_url(match.group(0)), text)


class RedactTokens(logging.Filter):
    """A logging filter: link tokens in a record's message or arguments become "[redacted]"
    (django.request logs "Not Found: /supply/<token>/", runserver every request line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.msg, str):
                record.msg = redact_text(record.msg)
            if isinstance(record.args, tuple):
                record.args = tuple(
                    redact_text(arg) if isinstance(arg, str) else arg for arg in record.args
                )
            elif isinstance(record.args, dict):
                record.args = {
                    key: redact_text(value) if isinstance(value, str) else value
                    for key, value in record.args.items()
                }
        except Exception:  # a log line is never lost over its redaction
            return True
        return True
