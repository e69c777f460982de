"""core.htmx: "a fragment for htmx, the page otherwise", and `Vary: HX-Request` on every GET
that can answer a fragment (else a browser's back button or a cache may show a bare fragment).

The walk below tries every URL pattern of the project as the manager with and without htmx:
wherever the htmx answer is a fragment and the plain one is not, the responses must vary on
HX-Request. So a new view that answers fragments by hand without the helper fails here.
"""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django_htmx.middleware import HtmxMiddleware

from core.htmx import is_fragment_request, render_fragment_or_page, vary_on_htmx
from tests import matrix_fixtures
from tests.test_authorization_matrix import url_pattern_names

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

# The GET views that answer a fragment to htmx and a page (or a redirect) otherwise; the walk
# below finds them by themselves, this list makes sure the walk does not miss them.
FRAGMENT_VIEWS = {
    "rollout:plan": {},
    "rollout:plan_activity_row": {},
    "rollout:plan_activity_edit": {},
    "rollout:plan_activity_owner": {},
    "rollout:plan_activity_remove": {},
    "rollout:communication_item": {},
    "rollout:communication_edit": {},
    "rollout:stakeholder_map": {"HTTP_HX_TARGET": "stakeholder-grid"},
    "rollout:stakeholder_card": {},
    "guidelines:training_walk_in_search": {},
    "rollout:readiness_group": {},
}


@pytest.fixture
def objects(cast, settings, tmp_path):
    settings.MAILERS = {"default": {"BACKEND": "core.mailbox.MailboxBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return matrix_fixtures.build(cast)


def _url(objects, name):
    kwargs = {
        key: value() if callable(value) else value
        for key, value in objects.kwargs.get(name, {}).items()
    }
    return reverse(name, kwargs=kwargs)


def _vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


def _is_fragment(response) -> bool:
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return False  # downloads and JSON are neither page nor fragment
    return response.status_code == 200 and b"<html" not in response.content


@pytest.mark.parametrize("name", sorted(FRAGMENT_VIEWS))
def test_a_fragment_view_varies_on_hx_request(cast, objects, name):
    client = cast.client("manager")
    url = _url(objects, name)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    fragment = client.get(url, HTTP_ACCEPT_LANGUAGE="de", **HTMX, **FRAGMENT_VIEWS[name])
    assert _is_fragment(fragment), f"{name}: htmx got {fragment.status_code}, not a fragment"
    assert not _is_fragment(page), f"{name}: the plain request got a fragment too"
    assert page.content != fragment.content
    assert "hx-request" in _vary(page), f"{name}: the page does not vary on HX-Request"
    assert "hx-request" in _vary(fragment), f"{name}: the fragment does not vary on HX-Request"


def test_a_history_restore_gets_the_whole_page_that_also_varies(cast, objects):
    client = cast.client("manager")
    url = _url(objects, "rollout:plan")
    response = client.get(url, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert response.status_code == 200
    assert b"<html" in response.content
    assert "hx-request" in _vary(response)


def test_every_get_that_answers_htmx_with_a_fragment_varies_on_hx_request(cast, objects):
    """The walk: every pattern, as the manager, GET with and without HX-Request."""
    client = cast.client("manager")
    client.raise_request_exception = False
    found, missing = set(), []
    for name in url_pattern_names():
        if name in ("logout", "rollout:login_link"):  # they change the session
            continue
        url = _url(objects, name)
        page = client.get(url)
        fragment = client.get(url, **HTMX, **FRAGMENT_VIEWS.get(name, {}))
        if _is_fragment(fragment) and not _is_fragment(page):
            found.add(name)
            if not {"hx-request"} <= _vary(page) & _vary(fragment):
                missing.append(name)
    assert not missing, f"answer a fragment to htmx without Vary: HX-Request: {missing}"
    assert found == set(FRAGMENT_VIEWS), (
        f"fragment views not in FRAGMENT_VIEWS: {sorted(found - set(FRAGMENT_VIEWS))}; "
        f"listed but no fragment: {sorted(set(FRAGMENT_VIEWS) - found)}"
    )


# --- The helpers themselves --------------------------------------------------------------------


def _request(method="get", **headers):
    request = getattr(RequestFactory(), method)("/x/", **headers)
    HtmxMiddleware(lambda r: HttpResponse())(request)
    return request


def test_is_fragment_request():
    assert is_fragment_request(_request(**HTMX))
    assert not is_fragment_request(_request())
    assert not is_fragment_request(_request(HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX))
    assert not is_fragment_request(RequestFactory().get("/x/"))  # no middleware: no htmx


def test_render_fragment_or_page_statuses_and_vary(settings, tmp_path):
    (tmp_path / "t.html").write_text(
        "<html>page {% partialdef part inline %}<p>part {{ n }}</p>{% endpartialdef %}</html>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    fragment = render_fragment_or_page(
        _request(**HTMX), "t.html", "part", {"n": 1}, status=400, fragment_status=200
    )
    assert fragment.status_code == 200
    assert fragment.content.decode().strip() == "<p>part 1</p>"
    assert fragment["Vary"] == "HX-Request"
    page = render_fragment_or_page(_request(), "t.html", "part", {"n": 1}, status=400)
    assert page.status_code == 400
    assert page.content.decode().startswith("<html>page")
    assert page["Vary"] == "HX-Request"
    always_page = render_fragment_or_page(_request(**HTMX), "t.html", None, {"n": 1})
    assert always_page.content.decode().startswith("<html>page")
    post = render_fragment_or_page(_request("post", **HTMX), "t.html", "part", {"n": 1})
    assert post.content.decode().strip() == "<p>part 1</p>"
    assert not post.has_header("Vary")  # only GET answers are cached


def test_vary_on_htmx_marks_get_answers_only():
    view = vary_on_htmx(lambda request: HttpResponse("x"))
    assert view(_request())["Vary"] == "HX-Request"
    assert view(_request(**HTMX))["Vary"] == "HX-Request"
    assert not view(_request("post")).has_header("Vary")
