import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Show a signed-in user the site in their own language and time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class SessionRefreshMiddleware:
    """Keep a session in use alive without writing it on every request.

    The session ends after SESSION_COOKIE_AGE without use. Instead of saving it on every
    request (SESSION_SAVE_EVERY_REQUEST, an UPDATE and a COMMIT per page view), it is saved
    when it was last saved more than SESSION_REFRESH_SECONDS ago, which moves its expiry
    (and the cookie's) forward again."""

    KEY = "_refreshed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.modified:
            now = int(time.time())
            last = session.get(self.KEY, 0)
            if now - last >= settings.SESSION_REFRESH_SECONDS and not session.is_empty():
                session[self.KEY] = now
        return response


@receiver(user_logged_in, dispatch_uid="rollout.session_refreshed_at_login")
def _session_fresh_at_login(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """Signing in saves the session anyway: it counts as refreshed."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SessionRefreshMiddleware.KEY] = int(time.time())
