"""htmx helpers: one way to answer "a fragment for htmx, the whole page otherwise".

A URL that answers htmx with a fragment and a browser with the page must say so to caches:
its GET responses carry `Vary: HX-Request`, or the browser's back button (or any cache) may
show a bare fragment as a page. `render_fragment_or_page` does both; `vary_on_htmx` marks the
views whose GET answer depends on htmx in another way (a fragment or a redirect).

A history restore (htmx asking for a page it no longer has in its cache) wants the whole page,
so it is not a fragment request.
"""

from collections.abc import Callable, Mapping
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

HTMX_HEADER = "HX-Request"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def is_fragment_request(request: HttpRequest) -> bool:
    """Whether htmx asks for a part of the page (not a history restore, which wants all)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def patch_vary_on_htmx(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Add `Vary: HX-Request` to the response of a GET (or HEAD); return the response."""
    if request.method in SAFE_METHODS:
        patch_vary_headers(response, (HTMX_HEADER,))
    return response


def render_fragment_or_page(
    request: HttpRequest,
    template: str,
    fragment: str | None,
    context: Mapping[str, object] | None = None,
    *,
    status: int = 200,
    page: str | None = None,
    fragment_status: int | None = None,
) -> HttpResponse:
    """`template#fragment` for an htmx request, else the whole page (`page`, or `template`).

    `fragment=None` always renders the page (for callers that answer a fragment only in some
    cases). `fragment_status` overrides `status` for the fragment: htmx does not swap 4xx, so
    an invalid inline form goes back to htmx with 200 and its errors.
    """
    if fragment and is_fragment_request(request):
        response = render(
            request,
            f"{template}#{fragment}",
            context,
            status=status if fragment_status is None else fragment_status,
        )
    else:
        response = render(request, page or template, context, status=status)
    return patch_vary_on_htmx(request, response)


def vary_on_htmx(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a view whose GET answer depends on htmx (a fragment for htmx, a redirect or a page
    without): its GET responses carry `Vary: HX-Request`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return patch_vary_on_htmx(request, view(request, *args, **kwargs))

    return wrapper
