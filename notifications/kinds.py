"""What kinds of notification exist. Each app registers its kinds when it is ready (in its
`notices.py`, imported from `AppConfig.ready`); the outbox renders a row with its kind at the
moment it is sent, so the message always shows the object as it is then."""

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from notifications.models import Notification

Attachment = tuple[str, bytes | str, str]  # file name, content, MIME type


class Pace(enum.Enum):
    """How a kind may be held back for the recipient's sake.

    REMINDER: a nudge the person did not ask for right now (a reminder, an escalation, a
    request to acknowledge): it counts towards the weekly cap and may wait for the daily
    digest. TRANSACTIONAL: mail about something that just happened or that the person just
    asked for (an invitation, a changed or cancelled session, a head's answer, a sign-in
    link): never capped, never bundled into a digest, only held back by the quiet hours (and
    not even by those when the kind is also `immediate`)."""

    REMINDER = "reminder"
    TRANSACTIONAL = "transactional"


@dataclass(frozen=True)
class NotificationKind:
    """`template` names templates/emails/<template>.subject.txt, .txt and .html.

    `context(notification)` returns what the templates need beyond the row's own stored
    `context` (links with fresh tokens, the object with its relations), or None when the
    notification no longer makes sense (the workflow was confirmed meanwhile, the person left):
    the row is then cancelled instead of sent. `attachments(notification)` adds files (an .ics).
    Mandatory kinds (a confirmation the rollout waits for) cannot be unsubscribed: a recipient
    who asks to stop them gets them in the daily digest instead. Optional kinds carry a
    `List-Unsubscribe` header.

    `pace` says whether the weekly cap and the digest may hold the kind back (see `Pace`);
    every registered kind states it. `digestible` kinds (reminders) always wait for the
    recipient's daily digest instead of being sent one by one. `immediate` kinds (a password
    reset the person is waiting for) skip the quiet hours too. A kind with `attachments` is
    never bundled into a digest (the digest carries text only): the policy treats it as
    transactional whatever its pace says, so state it as such.
    """

    key: str
    label: str | Promise
    template: str
    mandatory: bool = True
    context: Callable[["Notification"], dict | None] | None = None
    attachments: Callable[["Notification"], list[Attachment]] | None = None
    digestible: bool = False
    immediate: bool = False
    pace: Pace = Pace.REMINDER

    def __post_init__(self) -> None:
        if self.pace is Pace.TRANSACTIONAL and self.digestible:
            raise ValueError(
                f"Notification kind {self.key!r}: a transactional kind is not digestible."
            )

    @property
    def transactional(self) -> bool:
        """Never capped, never in a digest: a transactional kind, an immediate one, or one
        with attachments (a digest would strip them)."""
        return self.pace is Pace.TRANSACTIONAL or self.immediate or self.attachments is not None


_KINDS: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    existing = _KINDS.get(kind.key)
    if existing is not None and existing != kind:
        raise ValueError(f"Notification kind {kind.key!r} is registered twice.")
    _KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> NotificationKind | None:
    return _KINDS.get(key)


def all_kinds() -> list[NotificationKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.key)
