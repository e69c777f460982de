"""Kinds and settings for the outbox tests."""

import pytest
from django.utils.translation import gettext_lazy as _

from notifications.kinds import NotificationKind, register

NOTE = "test_note"
OPTIONAL = "test_optional"
DIGESTIBLE = "test_digestible"


def _note_context(notification):
    if notification.context.get("obsolete"):
        return None
    return {"headline": notification.context.get("headline", "Bitte lesen"), "lines": ["Zeile"]}


for key, mandatory, digestible in (
    (NOTE, True, False),
    (OPTIONAL, False, False),
    (DIGESTIBLE, True, True),
):
    register(
        NotificationKind(
            key=key,
            label=_("Test"),
            template="reminder",
            mandatory=mandatory,
            digestible=digestible,
            context=_note_context,
        )
    )


@pytest.fixture(autouse=True)
def _outbox_settings(settings):
    """Send at any hour and without a cap unless a test switches them on."""
    settings.NOTIFY_QUIET_HOURS = False
    settings.NOTIFY_WEEKLY_CAP = 0
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.SITE_URL = "https://changehub.example"
