"""core.access: the one place that decides who may use a view and what a refusal answers.

The views' own answers are walked by tests/test_authorization_matrix.py; here the decorator and
the helpers themselves, with RequestFactory, and a check that no app grows its own copy again.
"""

import pathlib
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from core.access import (
    is_manager,
    is_manager_or_leadership,
    manager_or_leadership_required,
    manager_required,
    require_manager,
    require_manager_or_leadership,
)
from tests.conftest import CAST

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _user(cast, who):
    return AnonymousUser() if who == "anonymous" else getattr(cast, who)


def _call(view, user, method="get"):
    request = getattr(RequestFactory(), method)("/somewhere/", HTTP_ACCEPT_LANGUAGE="de")
    request.user = user
    return view(request)


@manager_required
def manager_page(request):
    return HttpResponse("page")


@manager_required(actions_forbidden=True)
def manager_form(request):
    return HttpResponse("form")


@manager_or_leadership_required
def readers_page(request):
    return HttpResponse("read")


def test_an_anonymous_visitor_is_sent_to_sign_in(cast):
    for view in (manager_page, manager_form, readers_page):
        for method in ("get", "post"):
            response = _call(view, AnonymousUser(), method)
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=/somewhere/")


@pytest.mark.parametrize("who", CAST[1:])
def test_manager_required_lets_only_the_manager_in_and_hides_the_page(cast, who):
    user = _user(cast, who)
    for method in ("get", "post"):
        if who == "manager":
            assert _call(manager_page, user, method).content == b"page"
        else:
            with pytest.raises(Http404):
                _call(manager_page, user, method)


@pytest.mark.parametrize("who", CAST[1:])
def test_actions_forbidden_refuses_a_post_with_403_and_hides_the_page(cast, who):
    user = _user(cast, who)
    if who == "manager":
        assert _call(manager_form, user, "get").content == b"form"
        assert _call(manager_form, user, "post").content == b"form"
        return
    with pytest.raises(Http404):
        _call(manager_form, user, "get")
    with pytest.raises(PermissionDenied):
        _call(manager_form, user, "post")


@pytest.mark.parametrize("who", CAST[1:])
def test_manager_or_leadership_required(cast, who):
    user = _user(cast, who)
    if who in ("manager", "leadership"):
        assert _call(readers_page, user).content == b"read"
    else:
        with pytest.raises(Http404):
            _call(readers_page, user)


@pytest.mark.parametrize("who", CAST)
def test_the_helpers_agree_with_the_roles(cast, who):
    user = _user(cast, who)
    assert is_manager(user) is (who == "manager")
    assert is_manager_or_leadership(user) is (who in ("manager", "leadership"))
    for check, allowed in (
        (require_manager, is_manager(user)),
        (require_manager_or_leadership, is_manager_or_leadership(user)),
    ):
        if allowed:
            check(user)
            check(user, action=True)
        else:
            with pytest.raises(Http404):
                check(user)
            with pytest.raises(PermissionDenied):
                check(user, action=True)


def test_a_service_refuses_a_non_manager(cast):
    """The workflow services check the same way (a refused write raises PermissionDenied)."""
    from rollout.services import workflows

    with pytest.raises(PermissionDenied):
        workflows.workflow_create(
            department=cast.department_a, title="Posts", terms=None, by=cast.head_a
        )


COPY = re.compile(
    r"def _require_manager|def _page_for_manager|def _action_for_manager"
    r"|^\s*if not \(?(request\.)?user\.is_manager( or (request\.)?user\.is_leadership\))?:"
    r"\s*\n\s*raise",
    re.MULTILINE,
)


def test_no_app_keeps_its_own_copy_of_the_manager_check():
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0).splitlines()[0]}"
        for app in ("rollout", "guidelines", "notifications", "core")
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for match in COPY.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, "use core.access instead:\n" + "\n".join(found)


def test_in_production_a_german_user_gets_the_german_refusal_pages(cast, settings):
    """DEBUG off: a head of department trying the manager's pages gets the 404 page, and
    trying a manager's action the 403 page, both in German; nothing is written."""
    from django.urls import reverse

    from notifications.models import Notification

    settings.DEBUG = False
    client = cast.client("head_a")
    page = client.get(reverse("rollout:department_list"), HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 404
    assert "Seite nicht gefunden" in page.text
    before = Notification.objects.count()
    action = client.post(reverse("notifications:retry", args=[1]), HTTP_ACCEPT_LANGUAGE="de")
    assert action.status_code == 403
    assert "Keine Berechtigung" in action.text
    assert Notification.objects.count() == before
