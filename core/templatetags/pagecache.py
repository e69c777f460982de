"""`{% pagecache %}`: Django's `{% cache %}` for ChangeHub's workspace pages, always fresh.

    {% load pagecache %}
    {% pagecache "plan-board" request.get_full_path %} ... {% endpagecache %}

The key holds, besides the name and the given values, everything a fragment silently depends
on: the data version (rollout/freshness.py: any write to the database changes it, so a change
shows at once), the language, the time zone, today's date and the viewer's roles. Nothing
has to be invalidated by hand.

Forms inside a cached fragment keep working: the fragment is rendered with a placeholder for
the CSRF token, and every response gets the token of its own request put in. Set
`pagecache_off` in the context to render without the cache (e.g. a form with errors).
"""

import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django import template
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from core.freshness import request_data_version

register = template.Library()
logger = logging.getLogger(__name__)

DEFAULT_SECONDS = 600


@functools.cache
def csrf_placeholder() -> str:
    """What stands for the CSRF token in cached HTML: derived from the secret key, so that
    no text a user types can be taken for it."""
    return (
        "csrf"
        + salted_hmac("rollout.pagecache", "csrf-placeholder", algorithm="sha256").hexdigest()[:28]
    )


def _roles(request: HttpRequest | None) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    return "".join(
        flag
        for flag, has in (
            ("m", user.is_manager),
            ("l", user.is_leadership),
            ("h", user.is_department_head),
        )
        if has
    )


def fragment_key(name: str, request: HttpRequest | None, vary_on: list[object]) -> str | None:
    """The fragment's cache key; None when the data version is unknown (no cache)."""
    version = request_data_version(request)
    if version is None:
        return None
    parts = [
        str(version),
        settings.CHANGEHUB_RELEASE,  # a new release never serves an older release's HTML
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        timezone.localdate().isoformat(),
        _roles(request),
        *(str(value) for value in vary_on),
    ]
    digest = hashlib.md5(  # a cache key, not security
        "\x1f".join(parts).encode(), usedforsecurity=False
    ).hexdigest()
    return f"pagecache:{name}:{digest}"


def _cache_call(method: Callable[..., Any], *args: object) -> Any:
    try:
        return method(*args)
    except Exception:  # the cache is down: render without it
        logger.warning("Cache unreachable: a fragment is rendered without the page cache.")
        return None


class PageCacheNode(template.Node):
    def __init__(
        self, nodelist: template.NodeList, name: template.base.FilterExpression, vary_on: list
    ) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context: template.Context) -> str:
        if context.get("pagecache_off"):
            return self.nodelist.render(context)
        request = context.get("request")
        key = fragment_key(
            str(self.name.resolve(context)), request, [v.resolve(context) for v in self.vary_on]
        )
        if key is None:
            return self.nodelist.render(context)
        html = _cache_call(cache.get, key)
        if html is None:
            with context.push(csrf_token=csrf_placeholder()):
                html = self.nodelist.render(context)
            seconds = getattr(settings, "PAGE_CACHE_SECONDS", DEFAULT_SECONDS)
            _cache_call(cache.set, key, html, seconds)
        placeholder = csrf_placeholder()
        if placeholder in html:
            html = html.replace(placeholder, str(context.get("csrf_token", "")))
        return html


@register.tag("pagecache")
def do_pagecache(parser: template.base.Parser, token: template.base.Token) -> PageCacheNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'pagecache' needs a fragment name.")
    nodelist = parser.parse(("endpagecache",))
    parser.delete_first_token()
    return PageCacheNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]]
    )
