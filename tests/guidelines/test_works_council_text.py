"""The works council's text is frozen and an approval applies to exactly the text submitted
(SHA-256 fingerprint in the history); back to draft only with a reason; no approval before the
submission; no publication without an effective date unless "from publication" is chosen.
Through the services and through the pages in German (and English)."""

import datetime
import hashlib
import importlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from guidelines.models import (
    ComprehensionQuestion,
    GuidelineVersion,
    VersionEvent,
    VersionEventKind,
    VersionStatus,
)
from guidelines.services import guidelines as services
from tests import factories

pytestmark = pytest.mark.django_db

QUESTION = ("Wer darf für das Unternehmen sprechen?", ["Alle", "Das Social-Media-Team"], 1)
FROZEN_DE = "können jetzt nicht geändert werden"


def _approve(version, *, on=None):
    return services.version_approve(
        version=version,
        approved_on=on or timezone.localdate(),
        works_agreement_reference="BV 2026/07",
        by=None,
    )


def _de(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    return client


# --- Services: the fingerprint ------------------------------------------------------------------


def test_submitting_stores_the_sha256_of_text_summary_and_questions_in_the_history(cast):
    version = factories.guideline_version("draft", questions=[QUESTION])
    submitted = services.version_submit(version=version, by=cast.manager)
    expected = hashlib.sha256(
        json.dumps(
            {
                "body": version.body,
                "change_summary": version.change_summary,
                "questions": [[QUESTION[0], QUESTION[1], QUESTION[2]]],
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()
    assert submitted.submitted_text_hash == expected
    event = VersionEvent.objects.get(version=version)
    assert event.kind == VersionEventKind.SUBMITTED
    assert event.text_hash == expected and event.by == cast.manager
    assert event.short_hash == expected[:12]


def test_the_fingerprint_changes_with_any_word_or_answer(cast):
    version = factories.guideline_version("draft", questions=[QUESTION])
    before = services.version_text_hash(version)
    ComprehensionQuestion.objects.filter(version=version).update(correct_choice=0)
    assert services.version_text_hash(version) != before
    GuidelineVersion.objects.filter(pk=version.pk).update(body=version.body + " ")
    version.refresh_from_db()
    assert services.version_text_hash(version) not in (before,)


def test_the_migration_fingerprints_like_the_service(cast):
    migration = importlib.import_module(
        "guidelines.migrations.0003_version_frozen_text_and_history"
    )
    version = factories.guideline_version("review", questions=[QUESTION])
    assert migration._fingerprint(version) == version.submitted_text_hash


def test_an_approval_is_refused_when_the_text_is_no_longer_the_one_submitted(cast):
    version = factories.guideline_version("review", questions=[QUESTION])
    # Changed behind the service's back (a database edit, an old script).
    GuidelineVersion.objects.filter(pk=version.pk).update(body=version.body + "\n\nNeu.")
    with pytest.raises(ValidationError) as refused:
        _approve(version)
    assert refused.value.code == "changed"
    assert "nicht mehr die, die an den Betriebsrat gingen" in refused.value.messages[0]
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW


def test_an_approval_is_refused_when_a_question_changed_after_submission(cast):
    version = factories.guideline_version("review", questions=[QUESTION])
    ComprehensionQuestion.objects.filter(version=version).update(text="Andere Frage?")
    with pytest.raises(ValidationError):
        _approve(version)


def test_the_approval_is_recorded_for_the_submitted_fingerprint(cast):
    version = factories.guideline_version("review")
    approved = _approve(version)
    event = VersionEvent.objects.get(version=version, kind=VersionEventKind.APPROVED)
    assert event.text_hash == approved.submitted_text_hash
    assert event.reason == "BV 2026/07"


# --- Services: frozen text ----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["review", "approved"])
def test_the_text_and_questions_cannot_change_with_the_works_council(cast, status):
    version = factories.guideline_version(status, questions=[QUESTION])
    with pytest.raises(ValidationError) as refused:
        services.version_update(
            version=version,
            body=version.body + "\nNeu",
            change_summary=version.change_summary,
            effective_date=None,
            by=None,
        )
    assert refused.value.code == "frozen"
    with pytest.raises(ValidationError):
        services.version_update(
            version=version,
            body=version.body,
            change_summary="Anders",
            effective_date=None,
            by=None,
        )
    with pytest.raises(ValidationError):
        services.question_add(
            version=version, text="Frage?", choices=["a", "b"], correct_choice=0, by=None
        )
    with pytest.raises(ValidationError):
        services.question_delete(question=version.questions.get(), by=None)
    version.refresh_from_db()
    assert version.questions.count() == 1
    assert services.version_text_hash(version) == version.submitted_text_hash


@pytest.mark.parametrize("status", ["review", "approved"])
def test_the_effective_date_may_still_change(cast, status):
    version = factories.guideline_version(status)
    day = timezone.localdate() + datetime.timedelta(days=30)
    updated = services.version_update(
        version=version,
        body=version.body,
        change_summary=version.change_summary,
        effective_date=day,
        by=None,
    )
    assert updated.effective_date == day and updated.status == status


def test_a_published_version_cannot_change_at_all(cast):
    version = factories.guideline_version("published")
    with pytest.raises(ValidationError):
        services.version_update(
            version=version,
            body=version.body,
            change_summary=version.change_summary,
            effective_date=None,
            by=None,
        )


# --- Services: back to draft --------------------------------------------------------------------


def test_back_to_draft_needs_a_reason(cast):
    version = factories.guideline_version("review")
    with pytest.raises(ValidationError):
        services.version_return_to_draft(version=version, reason="  ", by=cast.manager)
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW
    assert not VersionEvent.objects.filter(kind=VersionEventKind.PULLED_BACK).exists()


@pytest.mark.parametrize("status", ["review", "approved"])
def test_back_to_draft_is_recorded_with_its_reason_and_voids_the_approval(cast, status):
    version = factories.guideline_version(status)
    back = services.version_return_to_draft(
        version=version, reason="Abschnitt zu Privatkonten fehlt", by=cast.manager
    )
    assert back.status == VersionStatus.DRAFT
    assert back.approved_on is None and back.works_agreement_reference == ""
    event = VersionEvent.objects.get(version=version, kind=VersionEventKind.PULLED_BACK)
    assert event.reason == "Abschnitt zu Privatkonten fehlt" and event.by == cast.manager
    # A draft again: the text may change, and a new submission gets a new fingerprint.
    services.version_update(
        version=back,
        body=back.body + "\n# Privatkonten\n\nNeu.",
        change_summary="",
        by=None,
        effective_date=None,
    )
    again = services.version_submit(version=back, by=None)
    assert again.submitted_text_hash != event.text_hash
    assert list(version.events.values_list("kind", flat=True)) == (
        ["submitted", "approved", "pulled_back", "submitted"]
        if status == "approved"
        else ["submitted", "pulled_back", "submitted"]
    )
    # Twice is once.
    services.version_return_to_draft(version=again, reason="noch mal", by=None)
    services.version_return_to_draft(version=again, reason="noch mal", by=None)
    assert version.events.filter(kind=VersionEventKind.PULLED_BACK).count() == 2


def test_a_published_version_cannot_go_back_to_draft(cast):
    version = factories.guideline_version("published")
    with pytest.raises(ValidationError):
        services.version_return_to_draft(version=version, reason="zu spät", by=None)


# --- Services: approval date and effective date -------------------------------------------------


def test_an_approval_before_the_submission_is_refused(cast):
    version = factories.guideline_version("review")
    submitted_on = timezone.localdate(version.submitted_at)
    with pytest.raises(ValidationError) as refused:
        _approve(version, on=submitted_on - datetime.timedelta(days=1))
    assert "approved_on" in refused.value.message_dict
    assert _approve(version, on=submitted_on).status == VersionStatus.APPROVED


def test_no_publication_without_an_effective_date(cast):
    guideline = factories.GuidelineFactory(effective_date=None)
    version = _approve(services.version_submit(version=guideline.versions.get(), by=None))
    with pytest.raises(ValidationError) as refused:
        services.version_publish(version=version, by=None)
    assert "effective_date" in refused.value.message_dict
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED and not version.requests.exists()


def test_from_publication_explicitly_applies_from_the_day_of_publication(cast):
    guideline = factories.GuidelineFactory(effective_date=None)
    version = _approve(services.version_submit(version=guideline.versions.get(), by=None))
    result = services.version_publish(version=version, by=None, effective_on_publication=True)
    assert result.version.effective_date == timezone.localdate()
    assert result.version.effective_on_publication is True


def test_the_version_keeps_its_own_effective_date_when_published(cast):
    version = factories.guideline_version("approved")
    day = version.effective_date
    published = services.version_publish(version=version, by=None).version
    published.refresh_from_db()
    assert published.effective_date == day and not published.effective_on_publication


# --- Through the pages, in German -------------------------------------------------------------


def test_the_edit_page_of_a_submitted_version_explains_and_keeps_only_the_date(cast):
    version = factories.guideline_version("review")
    client = _de(cast.client("manager"))
    page = client.get(reverse("guidelines:version_edit", args=[version.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Der Betriebsrat prüft genau diesen Text" in html
    assert 'name="body"' not in html and 'name="effective_date"' in html
    assert 'id="return-form"' in html

    day = timezone.localdate() + datetime.timedelta(days=20)
    response = client.post(
        reverse("guidelines:version_edit", args=[version.pk]),
        {"effective_date": day.isoformat()},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.effective_date == day and version.status == VersionStatus.REVIEW


def test_a_text_sent_after_the_submission_is_refused_and_shown_again(cast):
    """An edit page opened while it was a draft, saved after the submission."""
    version = factories.guideline_version("review")
    client = _de(cast.client("manager"))
    response = client.post(
        reverse("guidelines:version_edit", args=[version.pk]),
        {"body": "# Ganz anders\n\nMein neuer Text.", "change_summary": "", "effective_date": ""},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert FROZEN_DE in html
    assert "Mein neuer Text." in html  # nothing the manager typed is lost
    version.refresh_from_db()
    assert "Mein neuer Text." not in version.body


def test_the_edit_page_explains_in_english_too(cast):
    version = factories.guideline_version("approved")
    cast.manager.language = "en"
    cast.manager.save(update_fields=["language"])
    page = cast.client("manager").get(
        reverse("guidelines:version_edit", args=[version.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "The works council approved exactly this text" in page.content.decode()


def test_questions_cannot_be_added_in_review_through_the_page(cast):
    version = factories.guideline_version("review")
    client = _de(cast.client("manager"))
    html = client.get(reverse("guidelines:version", args=[version.pk])).content.decode()
    assert 'id="question-form"' not in html and "Der Betriebsrat prüft" in html
    response = client.post(
        reverse("guidelines:question_add", args=[version.pk]),
        {"text": "Frage?", "choices": "a\nb", "correct_choice": "1"},
    )
    assert response.status_code == 400
    assert FROZEN_DE in response.content.decode()
    assert not version.questions.exists()


def test_back_to_draft_through_the_page_needs_a_reason_and_shows_it_in_the_history(cast):
    version = factories.guideline_version("review")
    client = _de(cast.client("manager"))
    url = reverse("guidelines:version_return", args=[version.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Bitte sagen Sie, warum die Fassung zurück in den Entwurf geht." in (
        response.content.decode()
    )
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW

    response = client.post(
        url, {"reason": "Der Betriebsrat wünscht einen Abschnitt zu Privatkonten"}
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    html = client.get(reverse("guidelines:version", args=[version.pk])).content.decode()
    assert "Verlauf mit dem Betriebsrat" in html
    assert "Der Betriebsrat wünscht einen Abschnitt zu Privatkonten" in html
    assert version.submitted_text_hash[:12] in html


def test_the_version_page_shows_the_shortened_fingerprint(cast):
    version = factories.guideline_version("review")
    html = (
        _de(cast.client("manager"))
        .get(reverse("guidelines:version", args=[version.pk]))
        .content.decode()
    )
    assert f">{version.submitted_text_hash[:12]}</code>" in html
    assert "Fingerabdruck des Textes" in html
    assert "An den Betriebsrat gesendet" in html


def test_an_approval_dated_before_the_submission_is_refused_on_the_page(cast):
    version = factories.guideline_version("review")
    client = _de(cast.client("manager"))
    before = timezone.localdate(version.submitted_at) - datetime.timedelta(days=3)
    response = client.post(
        reverse("guidelines:version_approve", args=[version.pk]),
        {
            "approved_on": before.isoformat(),
            "works_agreement_reference": "BV 1",
            "on_paper": "Protokoll",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Die Zustimmung kann nicht vor dem Versand an den Betriebsrat liegen" in html
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW


def test_publishing_without_a_date_asks_for_one_or_from_publication(cast):
    guideline = factories.GuidelineFactory(effective_date=None)
    version = _approve(services.version_submit(version=guideline.versions.get(), by=None))
    client = _de(cast.client("manager"))
    url = reverse("guidelines:version_publish", args=[version.pk])
    page = client.get(url).content.decode()
    assert 'name="effective_date"' in page and 'name="effective_on_publication"' in page

    response = client.post(url, {"scope": "all"})
    assert response.status_code == 400
    assert "oder wählen Sie „ab Veröffentlichung“" in response.content.decode()
    both = client.post(
        url,
        {
            "scope": "all",
            "effective_date": timezone.localdate().isoformat(),
            "effective_on_publication": "on",
        },
    )
    assert both.status_code == 400
    assert "Entweder ein Datum oder „ab Veröffentlichung“" in both.content.decode()
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED

    response = client.post(url, {"scope": "all", "effective_on_publication": "on"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert version.effective_date == timezone.localdate() and version.effective_on_publication
    html = client.get(reverse("guidelines:version", args=[version.pk])).content.decode()
    assert "(ab Veröffentlichung)" in html


def test_publishing_with_a_date_on_the_page_stores_it(cast):
    guideline = factories.GuidelineFactory(effective_date=None)
    version = _approve(services.version_submit(version=guideline.versions.get(), by=None))
    day = timezone.localdate() + datetime.timedelta(days=14)
    response = _de(cast.client("manager")).post(
        reverse("guidelines:version_publish", args=[version.pk]),
        {"scope": "all", "effective_date": day.isoformat()},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.effective_date == day and not version.effective_on_publication


def test_a_version_with_its_date_is_published_with_it(cast):
    version = factories.guideline_version("approved")
    client = _de(cast.client("manager"))
    url = reverse("guidelines:version_publish", args=[version.pk])
    page = client.get(url).content.decode()
    assert 'name="effective_date"' not in page and 'id="publish-effective"' in page
    assert client.post(url, {"scope": "all"}).status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert version.effective_date == timezone.localdate()


def test_the_refusals_are_the_same_with_production_settings(cast, settings):
    settings.DEBUG = False
    version = factories.guideline_version("approved")
    client = _de(cast.client("manager"))
    response = client.post(
        reverse("guidelines:version_edit", args=[version.pk]),
        {"body": "# Anders", "change_summary": "", "effective_date": ""},
    )
    assert response.status_code == 400
    assert "Der Betriebsrat hat genau diesem Text zugestimmt" in response.content.decode()
    response = client.post(reverse("guidelines:version_return", args=[version.pk]), {})
    assert response.status_code == 400
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED and version.body != "# Anders"


def test_the_admin_shows_the_history_read_only(cast):
    version = factories.guideline_version("approved")
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client = _de(cast.client("anonymous"))
    client.force_login(staff)
    page = client.get(reverse("admin:guidelines_guidelineversion_change", args=[version.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert version.submitted_text_hash in html
    assert 'name="events-0-reason"' not in html  # read only
