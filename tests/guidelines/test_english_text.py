"""Issue 16: a guideline version can carry an English text next to the German one. English
readers see it on the acknowledgment page (with a note that the German text is binding, and
the German text one click away) and read the English change summary in their mail; it is
frozen and fingerprinted with the German text, and the next version starts from it."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guidelines.services import guidelines as services
from tests import factories

pytestmark = pytest.mark.django_db

GERMAN_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}
ENGLISH_BODY = """# Who may say what

Everyone may talk about their work privately. Only the social media team and the management
speak for the company.
"""


def _draft_with_english(**kwargs):
    version = factories.guideline_version("draft")
    return services.version_update(
        version=version,
        body=version.body,
        change_summary="Neu: Abschnitt Betriebsgeheimnisse.",
        effective_date=timezone.localdate(),
        by=None,
        body_en=ENGLISH_BODY,
        change_summary_en="New: a section on trade secrets.",
        **kwargs,
    )


def _publish(version):
    version = services.version_submit(version=version, by=None)
    version = services.version_approve(
        version=version,
        approved_on=timezone.localdate(),
        works_agreement_reference="BV 2026/07",
        by=None,
    )
    return services.version_publish(
        version=version, by=None, scope_all=True, departments=[], acknowledge_by=None
    ).version


def _link(version, person) -> str:
    return services.ack_url(person_id=person.pk, version_id=version.pk, absolute=False)


def test_english_readers_see_the_english_text_and_that_the_german_one_binds(cast):
    english = factories.PersonFactory(department=cast.department_a, language="en")
    german = factories.PersonFactory(department=cast.department_a, language="de")
    version = _publish(_draft_with_english())
    assert "<h2>Who may say what</h2>" in version.body_en_html  # headings under the page title

    page = Client().get(_link(version, english), **GERMAN_BROWSER).text
    assert 'id="binding-note"' in page and "The German text is the binding one" in page
    text_en = page.split('id="text-en">', 1)[1].split("</div>", 1)[0]
    assert "Who may say what" in text_en
    german_part = page.split('id="text-de">', 1)[1].split("</details>", 1)[0]
    assert "Wer darf was sagen" in german_part and 'lang="de"' in german_part

    page = Client().get(_link(version, german)).text
    assert "Wer darf was sagen" in page
    assert "Who may say what" not in page and 'id="binding-note"' not in page


def test_without_an_english_text_english_readers_get_the_german_one(cast):
    english = factories.PersonFactory(department=cast.department_a, language="en")
    version = factories.guideline_version("published")
    page = Client().get(_link(version, english), **GERMAN_BROWSER).text
    assert "Wer darf was sagen" in page and 'id="binding-note"' not in page
    assert "I have read and understood" in page


def test_the_mail_gives_english_readers_the_english_summary(
    cast, django_capture_on_commit_callbacks
):
    english = factories.PersonFactory(department=cast.department_a, language="en")
    german = factories.PersonFactory(department=cast.department_a, language="de")
    draft = _draft_with_english()
    with django_capture_on_commit_callbacks(execute=True):
        _publish(draft)
    (to_english,) = [m for m in mail.outbox if english.email in m.to[0]]
    assert "What changed: New: a section on trade secrets." in to_english.body
    assert "The page shows you the guideline in English" in to_english.body
    assert 'id="english-text-note"' in to_english.alternatives[0][0]
    (to_german,) = [m for m in mail.outbox if german.email in m.to[0]]
    assert "Neu: Abschnitt Betriebsgeheimnisse." in to_german.body
    assert "trade secrets" not in to_german.body


def test_the_english_text_is_frozen_and_fingerprinted_with_the_german_one():
    plain = factories.guideline_version("draft")
    before = services.version_text_hash(plain)
    with_english = _draft_with_english()
    assert services.version_text_hash(with_english) != services.version_text_hash(
        factories.guideline_version("draft")
    )
    assert services.version_text_hash(plain) == before  # no English: the fingerprint as ever
    submitted = services.version_submit(version=with_english, by=None)
    with pytest.raises(ValidationError):
        services.version_update(
            version=submitted,
            body=submitted.body,
            change_summary=submitted.change_summary,
            effective_date=submitted.effective_date,
            by=None,
            body_en="Something else",
        )
    # The same text again (only the date is saved) is accepted.
    services.version_update(
        version=submitted,
        body=submitted.body,
        change_summary=submitted.change_summary,
        effective_date=submitted.effective_date,
        by=None,
    )
    approved = services.version_approve(
        version=submitted,
        approved_on=timezone.localdate(),
        works_agreement_reference="BV 2026/07",
        by=None,
    )
    assert approved.submitted_text_hash == services.version_text_hash(approved)


def test_the_manager_writes_the_english_text_on_the_edit_page(cast):
    version = factories.guideline_version("draft")
    client = cast.client("manager")
    url = reverse("guidelines:version_edit", args=[version.pk])
    page = client.get(url, **GERMAN_BROWSER).text
    assert 'name="body_en"' in page and 'lang="en"' in page
    response = client.post(
        url,
        {
            "body": version.body,
            "change_summary": "",
            "effective_date": "",
            "body_en": ENGLISH_BODY,
            "change_summary_en": "New.",
        },
        **GERMAN_BROWSER,
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.body_en.split() == ENGLISH_BODY.split()
    assert "Who may say what" in version.body_en_html and version.change_summary_en == "New."


def test_the_next_version_starts_from_the_english_text(cast):
    published = _publish(_draft_with_english())
    nxt, created = services.version_create(guideline=published.guideline, by=None)
    assert created and nxt.body_en == ENGLISH_BODY and "Who may say what" in nxt.body_en_html
    assert nxt.change_summary_en == ""


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **GERMAN_BROWSER).status_code == 200
    return len(queries)


def test_the_english_page_takes_the_same_queries(cast):
    english = factories.PersonFactory(department=cast.department_a, language="en")
    plain = factories.guideline_version("published")
    translated = _publish(_draft_with_english())
    assert _queries(Client(), _link(translated, english)) == _queries(
        Client(), _link(plain, english)
    )


def test_the_manager_sees_the_english_text_on_the_version_page(cast):
    version = _publish(_draft_with_english())
    page = cast.client("manager").get(
        reverse("guidelines:version", args=[version.pk]), **GERMAN_BROWSER
    )
    english = page.text.split('id="english-text">', 1)[1].split("</details>", 1)[0]
    assert "Englischer Text (für Englischsprachige" in english
    assert "Who may say what" in english and "New: a section on trade secrets." in english
    plain = factories.guideline_version("published")
    page = cast.client("manager").get(reverse("guidelines:version", args=[plain.pk]))
    assert 'id="english-text"' not in page.text
