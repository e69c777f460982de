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


@pytest.fixture
def public_dns(monkeypatch):
    """Host names under .example resolve to a public address (there is no internet here);
    `public_dns.names` maps more names to addresses, e.g. to a private one."""
    import socket

    real = socket.getaddrinfo

    class Resolver:
        names: dict[str, list[str]] = {}
        calls: list[str] = []

        def __call__(self, host, port, *args, **kwargs):
            self.calls.append(host)
            addresses = self.names.get(host)
            if addresses is None and str(host).endswith(".example"):
                addresses = ["93.184.216.34"]
            if addresses is None:
                return real(host, port, *args, **kwargs)
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    socket.IPPROTO_TCP,
                    "",
                    (address, port, 0, 0) if ":" in address else (address, port),
                )
                for address in addresses
            ]

    resolver = Resolver()
    resolver.names, resolver.calls = {}, []
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver
