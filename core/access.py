"""Who may use a view: the role checks every app makes, in one place.

Deny by default. An anonymous visitor is sent to sign in. A signed-in user without the role
gets 404 for a page (no hint that it exists) or, where a view asks for it, 403 for a refused
action (a POST), the rule of the guidelines and the outbox.

- `@manager_required` and `@manager_or_leadership_required` guard whole views (they include
  `login_required`); `actions_forbidden=True` answers 403 instead of 404 to a refused POST.
- `require_manager(user)` and `require_manager_or_leadership(user)` are the same checks for the
  access helpers that also load the object (`_activity_for_manager(request, pk)`) and for
  services (`action=True`: PermissionDenied).

The roles themselves are the user's properties (`User.is_manager`, `is_leadership`); this
module only decides what a failed check answers.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = Callable[..., HttpResponse]
Check = Callable[[object], bool]


def is_manager(user: object) -> bool:
    """Whether the user is signed in and holds the manager role."""
    return bool(getattr(user, "is_authenticated", False) and user.is_manager)


def is_manager_or_leadership(user: object) -> bool:
    """Whether the user may read rollouts, plans and reports (manager or leadership)."""
    return bool(
        getattr(user, "is_authenticated", False) and (user.is_manager or user.is_leadership)
    )


def deny(*, action: bool = False) -> None:
    """Refuse: 403 for an action, 404 for a page."""
    if action:
        raise PermissionDenied
    raise Http404


def require_manager(user: object, *, action: bool = False) -> None:
    """Raise Http404 (or PermissionDenied for `action=True`) unless the user is a manager."""
    if not is_manager(user):
        deny(action=action)


def require_manager_or_leadership(user: object, *, action: bool = False) -> None:
    """Raise Http404 (or PermissionDenied) unless the user is a manager or in leadership."""
    if not is_manager_or_leadership(user):
        deny(action=action)


def role_required(check: Check, *, actions_forbidden: bool = False) -> Callable[[View], View]:
    """A decorator: sign in first, then `check(user)`; a failed check answers 404, or 403 to
    an unsafe method (POST) when `actions_forbidden`."""

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not check(request.user):
                deny(action=actions_forbidden and request.method not in SAFE_METHODS)
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator


def _decorator_for(check: Check) -> Callable[..., View | Callable[[View], View]]:
    def decorator(
        view: View | None = None, *, actions_forbidden: bool = False
    ) -> View | Callable[[View], View]:
        wrap = role_required(check, actions_forbidden=actions_forbidden)
        return wrap(view) if view is not None else wrap

    return decorator


manager_required = _decorator_for(is_manager)
manager_required.__doc__ = """Only the manager: `@manager_required` or
`@manager_required(actions_forbidden=True)`."""

manager_or_leadership_required = _decorator_for(is_manager_or_leadership)
manager_or_leadership_required.__doc__ = """The manager and leadership (the readers of
rollouts, plans and reports)."""
