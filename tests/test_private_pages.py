"""Personal pages and downloads are kept by no shared cache and no browser history:
`Cache-Control: private, no-store` on the mailbox, every export and the emailed-link pages."""

import pytest
from django.urls import reverse

from tests import matrix_fixtures

pytestmark = pytest.mark.django_db

# (URL name, who opens it, method)
PRIVATE = [
    ("rollout:mailbox", "manager", "GET"),
    ("rollout:mailbox_message", "manager", "GET"),
    ("reports:report_download", "manager", "GET"),
    ("reports:report_export", "manager", "GET"),
    ("reports:report_export_xlsx", "leadership", "GET"),
    ("rollout:people_export", "manager", "GET"),
    ("guidelines:compliance_csv", "manager", "GET"),
    ("guidelines:compliance_csv", "head_a", "GET"),
    ("guidelines:acknowledge", "anonymous", "GET"),
    ("guidelines:acknowledge", "anonymous", "POST"),
    ("guidelines:acknowledge_resend", "anonymous", "POST"),
    ("guidelines:training_rsvp", "anonymous", "GET"),
    ("guidelines:training_rsvp_renew", "anonymous", "POST"),
    ("guidelines:training_feedback", "anonymous", "GET"),
    ("notifications:unsubscribe", "anonymous", "GET"),
    ("notifications:unsubscribe", "anonymous", "POST"),
    ("rollout:workflow_link", "anonymous", "GET"),
    ("rollout:supply", "anonymous", "GET"),
    ("rollout:login_link_request", "anonymous", "GET"),
    ("rollout:login_link", "anonymous", "GET"),
    ("password_reset_confirm", "anonymous", "GET"),
]


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
    built = matrix_fixtures.build(cast)
    built.kwargs["reports:report_export_xlsx"] = {"pk": cast.rollout.pk, "fmt": "xlsx"}
    return built


@pytest.mark.parametrize(("name", "who", "method"), PRIVATE)
def test_personal_pages_and_downloads_are_private_and_not_stored(cast, objects, name, who, method):
    kwargs = {
        key: value() if callable(value) else value
        for key, value in objects.kwargs.get(name, {}).items()
    }
    url = reverse(name.removesuffix("_xlsx"), kwargs=kwargs)
    client = cast.client(who)
    response = (client.get if method == "GET" else client.post)(url, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code < 500
    if name.startswith("rollout:mailbox") or name.endswith(("_csv", "_export", "_download")):
        assert response.status_code == 200, (url, response.status_code)
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, (url, response.get("Cache-Control"))
    assert "public" not in directives
