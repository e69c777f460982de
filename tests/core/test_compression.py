"""Pages go out gzip-compressed when the client accepts it, without weakening CSRF (the token
is masked anew per response) and never for pages whose body repeats an unmasked secret
(emailed links with a token, the demo mailbox, the webhook addresses)."""

import gzip
import re

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from core.http import uncompressed
from core.middleware import CompressionMiddleware
from notifications.emails import unsubscribe_token
from tests import factories
from tests.factories import DEFAULT_PASSWORD

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br", "HTTP_ACCEPT_LANGUAGE": "de"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _body(response) -> str:
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content).decode()
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_a_page_is_compressed_when_the_client_accepts_it(cast, settings, debug):
    settings.DEBUG = debug
    client = cast.client("manager")
    url = reverse("rollout:dashboard", args=[cast.rollout.pk])
    response = client.get(url, **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert int(response["Content-Length"]) == len(response.content)
    html = _body(response)
    assert "<html" in html and cast.rollout.name in html and 'lang="de"' in html
    plain = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert "Content-Encoding" not in plain
    assert len(response.content) < len(plain.content) / 2


@pytest.mark.django_db
def test_the_start_page_is_compressed_too(cast):
    response = cast.client("employee").get("/", **GZIP)
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"


@pytest.mark.django_db
def test_the_csrf_token_differs_in_every_compressed_response():
    client = Client(enforce_csrf_checks=True)
    first = client.get(reverse("login"), **GZIP)
    second = client.get(reverse("login"), **GZIP)
    assert first["Content-Encoding"] == second["Content-Encoding"] == "gzip"
    tokens = [CSRF.search(_body(r)).group(1) for r in (first, second)]
    assert tokens[0] != tokens[1], "the token is masked anew per response (BREACH)"


@pytest.mark.django_db
def test_a_form_posted_from_a_compressed_page_still_works():
    user = factories.UserFactory()
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"), **GZIP)
    assert page["Content-Encoding"] == "gzip"
    token = CSRF.search(_body(page)).group(1)
    signed_in = client.post(
        reverse("login"),
        {"username": user.email, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token},
        **GZIP,
    )
    assert signed_in.status_code == 302, _body(signed_in)[:2000]
    assert client.get("/", **GZIP).wsgi_request.user == user
    # Without the token the same form is refused: compression changed nothing there.
    refused = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": user.email, "password": DEFAULT_PASSWORD}, **GZIP
    )
    assert refused.status_code == 403


@pytest.mark.django_db
def test_pages_behind_emailed_links_stay_uncompressed():
    person = factories.PersonFactory()
    token = unsubscribe_token(person.email, "training_invitation")
    response = Client().get(reverse("notifications:unsubscribe", args=[token]), **GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert token in response.text  # the reason: the page repeats its token


@pytest.mark.django_db
def test_the_webhook_addresses_stay_uncompressed(cast):
    response = cast.client("manager").get(reverse("notifications:channels"), **GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response


def _through_middleware(response: HttpResponse, path: str = "/") -> HttpResponse:
    request = RequestFactory().get(path, **GZIP)
    return CompressionMiddleware(lambda r: response)(request)


def test_views_marked_uncompressed_stay_so():
    view = uncompressed(lambda request: HttpResponse("<p>geheim</p>" * 100))
    response = _through_middleware(view(RequestFactory().get("/")))
    assert "Content-Encoding" not in response
    unmarked = _through_middleware(HttpResponse("<p>offen</p>" * 100))
    assert unmarked["Content-Encoding"] == "gzip"


def test_binary_downloads_are_left_as_they_are():
    pdf = HttpResponse(b"%PDF-1.7 " * 100, content_type="application/pdf")
    assert "Content-Encoding" not in _through_middleware(pdf)
    csv = HttpResponse("a;b\n" * 100, content_type="text/csv; charset=utf-8")
    assert _through_middleware(csv)["Content-Encoding"] == "gzip"


def test_the_middleware_sits_above_everything_that_writes_the_body(settings):
    order = settings.MIDDLEWARE
    position = order.index("core.middleware.CompressionMiddleware")
    assert position == order.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
    assert "django.middleware.gzip.GZipMiddleware" not in order


@pytest.mark.django_db
def test_the_demo_mailbox_stays_uncompressed(cast, settings):
    from django.core import mail

    settings.MAILERS = {"default": {"BACKEND": "core.mailbox.MailboxBackend"}}
    mail.EmailMessage(
        subject="Ihr Link", body="https://changehub.example/g/geheim/\n" * 20, to=["a@example.de"]
    ).send()
    key = next(settings.MAILBOX_DIR.glob("*.eml")).stem
    client = cast.client("manager")
    for url in (reverse("rollout:mailbox"), reverse("rollout:mailbox_message", args=[key])):
        response = client.get(url, **GZIP)
        assert response.status_code == 200
        assert "Content-Encoding" not in response, url
