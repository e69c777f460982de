"""Requests the server makes to addresses a user typed (chat webhooks): only to the public
internet, never into the company's own network (SSRF).

- `check_url` resolves the host name and refuses the address unless every address it resolves
  to is public: no loopback, private, carrier-grade NAT, link-local (the cloud metadata service
  at 169.254.169.254), multicast, reserved or unspecified addresses, in IPv4 and IPv6, also
  inside IPv4-mapped, NAT64, 6to4 and Teredo IPv6 addresses. Forms call it when the address
  is saved; `post_json` calls it again on every send.
- `post_json` connects to exactly the address it checked (the host name is resolved once, so a
  name that resolves differently a moment later cannot slip through), with TLS verified
  against the host name, and follows no redirect.
- Errors carry a short text for the user (`public_message`) that never says why a connection
  failed: "connection refused" and "timed out" would tell whether a port is open.
"""

import http.client
import ipaddress
import json
import logging
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 64 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class OutboundError(Exception):
    """A request to a user's address was not made or failed; `public_message` says so
    without details."""

    public_message = _("The chat service could not be reached.")

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or str(self.public_message))
        self.detail = detail


class AddressNotAllowed(OutboundError):
    """The address is not on the public internet (or not a web address at all)."""

    public_message = _(
        "This chat address is not allowed: use an address on the public internet, not one "
        "in a local, private or reserved network."
    )


class HostNotFound(OutboundError):
    """The host name does not resolve (now)."""

    public_message = _("The host name of this address cannot be found. Please check it.")


class Unreachable(OutboundError):
    """No answer: refused, timed out, TLS failed and the like (which one is not said)."""

    public_message = _("The chat service could not be reached.")


class NotAccepted(OutboundError):
    """The service answered, but not with success (including any redirect)."""

    public_message = _("The chat service did not accept the message.")


def is_public_address(address: IPAddress) -> bool:
    """True only for an address on the public internet."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded: list[IPAddress] = []
        if address.ipv4_mapped is not None:
            embedded.append(address.ipv4_mapped)
        if address in _NAT64 or address in _NAT64_LOCAL:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if not all(is_public_address(inner) for inner in embedded):
            return False
        if address.is_site_local:
            return False
    if (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    ):
        return False
    return address.is_global


@dataclass(frozen=True)
class Target:
    """A checked address: connect to `address`, speak to `host`."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host name resolves to (an IP literal: itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError) as error:
        raise HostNotFound(f"{host}: {error}") from error
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError as error:
            raise AddressNotAllowed(f"{host}: unexpected address {text!r}") from error
    if not addresses:
        raise HostNotFound(f"{host}: no address")
    return addresses


def check_url(url: str, *, allow_http: bool = False) -> Target:
    """The address to connect to for `url`, or AddressNotAllowed / HostNotFound."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise AddressNotAllowed(f"malformed address: {error}") from error
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise AddressNotAllowed(f"scheme or host missing in {url!r}")
    if parts.username is not None or parts.password is not None:
        raise AddressNotAllowed("user name or password in the address")
    host = parts.hostname.rstrip(".")
    if not host:
        raise AddressNotAllowed("empty host")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    refused = [str(address) for address in addresses if not is_public_address(address)]
    if refused:
        raise AddressNotAllowed(f"{host} resolves to {', '.join(refused)}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, str(addresses[0]))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a checked address, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS; the certificate is checked against the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=tls_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def post_json(url: str, body: dict, *, timeout: float, allow_http: bool = True) -> int:
    """POST `body` as JSON to a public address; the HTTP status (2xx), or an OutboundError.
    Redirects are not followed: a 3xx answer counts as not accepted."""
    target = check_url(url, allow_http=allow_http)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, address=target.address, timeout=timeout)
    try:
        connection.request(
            "POST",
            target.path,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "ChangeHub"},
        )
        response = connection.getresponse()
        response.read(MAX_ANSWER_BYTES)
        status = response.status
    except (OSError, http.client.HTTPException, ssl.SSLError) as error:
        logger.warning("Posting to %s (%s) failed: %r", target.host, target.address, error)
        raise Unreachable(f"{target.host}: {error!r}") from error
    finally:
        connection.close()
    if not 200 <= status < 300:
        logger.warning("Posting to %s (%s) answered %s.", target.host, target.address, status)
        raise NotAccepted(f"{target.host} answered {status}")
    return status
