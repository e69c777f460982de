"""Small HTTP helpers shared by every app: private responses, the client's address, the login
name as the lockout sees it."""

from collections.abc import Callable
from functools import wraps
from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

PRIVATE_NO_STORE = "private, no-store"


def private_no_store[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Personal pages and downloads (the mailbox, exports, the pages behind emailed links) are
    kept by no shared cache and by no browser history: `Cache-Control: private, no-store`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response.headers["Cache-Control"] = PRIVATE_NO_STORE
        response.headers.pop("Expires", None)
        return response

    return wrapper  # type: ignore[return-value]


def uncompressed[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """A page whose body shows a secret as is (a personal link, a token): never gzip-compressed
    (BREACH; core.middleware.CompressionMiddleware)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response.uncompressed = True  # type: ignore[attr-defined]
        return response

    return wrapper  # type: ignore[return-value]


def _valid_address(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5123"
        value = value.split(":", 1)[0]
    try:
        return str(ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, as the lockout (django-axes) and throttles key on it.

    Behind AXES_PROXY_COUNT trusted proxies each of them appends the address it received the
    request from to X-Forwarded-For, so the client is the entry that many places from the right;
    whatever the client itself put further left is ignored (it could be forged). Without proxies,
    or with a header shorter than the proxy count (a request that bypassed the proxy), the
    connection's own address counts.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    return _valid_address(forwarded[-count]) or remote


def login_name(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The login name the lockout counts failures for: the email address, trimmed and in lower
    case, so that `Bf.Target@X.de` and `bf.target@x.de` share one counter."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field) if credentials else None
    if value is None and request is not None:
        value = getattr(request, "data", request.POST).get(field)
    if value is None:
        return None
    return str(value).strip().lower()
