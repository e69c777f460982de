"""While the database cannot be reached (restarted, failed over, network gone), every request
gets a short "temporarily unavailable" page with HTTP 503 instead of a server error. The next
request after it is back works again: Django checks a kept connection before reusing it
(CONN_HEALTH_CHECKS), so neither gunicorn nor the worker has to be restarted.

`server_error` is the project's handler500: Django calls it for any uncaught exception (also
one raised in a middleware, e.g. loading the signed-in user), with the exception in flight.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable(exception: BaseException | None) -> bool:
    """The exception, or one it was raised from, says the database cannot be reached."""
    seen = 0
    while exception is not None and seen < 5:
        if isinstance(exception, DATABASE_ERRORS):
            return True
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return False


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    if not database_unavailable(sys.exc_info()[1]):
        return defaults.server_error(request, template_name)
    # Rendered without the request: context processors would ask the database again.
    response = HttpResponse(loader.get_template("503.html").render({}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
