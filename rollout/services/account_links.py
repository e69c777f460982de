"""Mail about an account asked for by address (password reset, sign-in link): the same work
whether or not the address has an account, so that neither the answer nor its timing tells.

For each matching account one notification is queued; for an address without one, the same
row is queued for a placeholder address (the typed address is not kept), and the worker
cancels it because its kind finds no account to write to (the kinds' context functions return
None without `notification.user`). Either way the request makes one lookup, one outbox row and
one hand-over to the worker after commit.
"""

import hashlib
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import get_language

from notifications.services import notification_queue
from notifications.services.outbox import Recipient
from rollout.models import User

NOBODY_DOMAIN = "nobody.invalid"  # RFC 2606: never delivered


def _nobody(email: str) -> tuple[Recipient, str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]
    recipient = Recipient(email=f"{digest}@{NOBODY_DOMAIN}", language=get_language() or "de")
    return recipient, digest


def account_mail_queue(
    *, kind: str, email: str, users: Iterable[User], key: str, context: dict | None = None
) -> int:
    """Queue `kind` for each of `users` (those with the typed `email`), at most once per
    account and minute (`key`:<user>:<minute> is the dedup key). Without any, the same row goes
    to a placeholder that is never sent. Returns how many accounts were written to."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    queued = 0
    for user in users:
        notification_queue(
            kind=kind,
            to=user,
            about=user,
            dedup_key=f"{key}:{user.pk}:{minute}",
            context=context or {},
        )
        queued += 1
    if not queued:
        recipient, digest = _nobody(email)
        notification_queue(
            kind=kind,
            to=recipient,
            dedup_key=f"{key}:nobody-{digest}:{minute}",
            context=context or {},
        )
    return queued
