import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
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


# Route arguments that carry a secret from an emailed link; such pages repeat it in their
# body (form actions, the language switch's return address).
SECRET_ROUTE_ARGUMENTS = frozenset({"token", "uidb64"})
COMPRESSED_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")


class CompressionMiddleware(GZipMiddleware):
    """gzip for text responses when the client accepts it, except where the body holds a
    secret that is not masked per response (BREACH).

    BREACH reads a secret out of a compressed page by reflecting guesses into the same page
    and watching its size. Django's CSRF token is masked anew in every response (a different
    string each time, see django.middleware.csrf), and Django adds up to 100 random bytes to
    each gzip stream ("Heal the Breach"), so ordinary pages are safe to compress. Left
    uncompressed: pages behind emailed links (their route has a `token`, which the page
    repeats as is) and views marked with `core.http.uncompressed` (e.g. the demo mailbox,
    whose mails show personal links). Binary downloads (PDF, XLSX) are left as they are."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(response, "uncompressed", False):
            return response
        match = getattr(request, "resolver_match", None)
        if match is not None and SECRET_ROUTE_ARGUMENTS & match.kwargs.keys():
            return response
        if not response.get("Content-Type", "").startswith(COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
