"""A per-address limit for requests that send mail to an account (password reset, sign-in
link): at most LINK_REQUEST_LIMIT POSTs from one client address within
LINK_REQUEST_WINDOW_MINUTES, counted in the cache (Redis in production, so every web process
shares the count). Beyond it the request gets a 429 page in the visitor's language and sends
nothing.

The count lives in fixed windows (`throttle:<scope>:<address>:<window number>`), so a burst at
the edge of two windows can reach twice the limit; that is enough against someone harvesting
accounts or flooding a mailbox, and costs one cache round trip.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from core.http import client_ip

THROTTLED_TEMPLATE = "throttled.html"


def throttle_hit(request: HttpRequest, scope: str) -> bool:
    """Count one request of `scope` from this client's address; True when it is over the
    limit."""
    limit = settings.LINK_REQUEST_LIMIT
    if limit <= 0:
        return False
    window = settings.LINK_REQUEST_WINDOW_MINUTES * 60
    number = int(timezone.now().timestamp()) // window
    key = f"throttle:{scope}:{client_ip(request) or 'unknown'}:{number}"
    try:
        cache.add(key, 0, timeout=window + 60)
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 60)
        count = 1
    except Exception:  # the cache is down: let the request through, unlimited
        return False
    return count > limit


def throttled[V: Callable[..., HttpResponseBase]](scope: str) -> Callable[[V], V]:
    """Limit the POSTs of a view per client address (see the module docstring)."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            if request.method == "POST" and throttle_hit(request, scope):
                return render(
                    request,
                    THROTTLED_TEMPLATE,
                    {"minutes": settings.LINK_REQUEST_WINDOW_MINUTES},
                    status=429,
                )
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
