"""Guideline pages: permissions for the whole cast, the manager's lifecycle through the pages,
the personal link (expiry, replay, superseded, another scope), the comprehension check, on
behalf, compliance with CSV, and query counts at two data sizes."""

import datetime
import re
import time
from unittest import mock

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guidelines.models import (
    Acknowledgment,
    AcknowledgmentMethod,
    AcknowledgmentRequest,
    GuidelineVersion,
    VersionStatus,
)
from guidelines.services import guidelines as services
from notifications.models import Notification
from tests import factories
from tests.conftest import CAST
from tests.helpers import expect_status

pytestmark = pytest.mark.django_db

READERS = {"manager", "leadership"}
HEADS = {"head_a", "head_b"}
QUESTION = ("Wer darf für das Unternehmen sprechen?", ["Alle", "Das Social-Media-Team"], 1)


def _page_expectation(who: str, allowed: set[str]) -> str:
    if who == "anonymous":
        return "login"
    return "ok" if who in allowed else "404"


def _action_expectation(who: str) -> str:
    if who == "anonymous":
        return "login"
    return "redirect" if who == "manager" else "403"


def _link(version, person) -> str:
    return services.ack_url(person_id=person.pk, version_id=version.pk, absolute=False)


# --- Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", CAST)
def test_reading_pages_are_for_the_manager_leadership_and_heads(cast, who):
    version = factories.guideline_version("published")
    draft = factories.guideline_version("draft")
    client = cast.client(who)
    for name, args in (
        ("guidelines:list", []),
        ("guidelines:version", [version.pk]),
        ("guidelines:version_diff", [version.pk]),
        ("guidelines:compliance", [version.pk]),
    ):
        expect_status(client.get(reverse(name, args=args)), _page_expectation(who, READERS | HEADS))
    # One row per person: the manager and heads (their people), not leadership (figures only).
    expect_status(
        client.get(reverse("guidelines:compliance_csv", args=[version.pk])),
        _page_expectation(who, (READERS | HEADS) - {"leadership"}),
    )
    # Drafts (e.g. in works council review) are not for department heads.
    for name in ("guidelines:version", "guidelines:version_diff"):
        expect_status(client.get(reverse(name, args=[draft.pk])), _page_expectation(who, READERS))


def test_a_head_sees_the_compliance_of_their_own_department_only(cast):
    version = factories.guideline_version("published", questions=[QUESTION])
    client = cast.client("head_a")
    report = client.get(reverse("guidelines:compliance", args=[version.pk])).context["report"]
    assert [row.name for row in report.departments] == ["Vertrieb"]
    assert report.overall.total == 2
    assert {item.person for item in report.missing} == {
        cast.head_a.person,
        cast.employee.person,
    }
    other = client.get(
        reverse("guidelines:compliance", args=[version.pk]), {"department": cast.department_b.pk}
    )
    assert other.status_code == 404
    csv = b"".join(
        client.get(reverse("guidelines:compliance_csv", args=[version.pk])).streaming_content
    ).decode()
    assert cast.employee.email in csv and cast.head_b.email not in csv
    assert cast.manager.email not in csv
    html = client.get(reverse("guidelines:version", args=[version.pk])).content.decode()
    assert "richtige Antwort" not in html and "Nächster Schritt" not in html
    manager_html = cast.client("manager").get(reverse("guidelines:version", args=[version.pk]))
    assert "richtige Antwort" in manager_html.content.decode()


@pytest.mark.parametrize("who", CAST)
def test_editing_pages_are_for_the_manager_only(cast, who):
    draft = factories.guideline_version("draft")
    approved = factories.guideline_version("approved")
    published = factories.guideline_version("published")
    request = AcknowledgmentRequest.objects.filter(version=published).first()
    client = cast.client(who)
    for url in (
        reverse("guidelines:create"),
        reverse("guidelines:version_edit", args=[draft.pk]),
        reverse("guidelines:version_publish", args=[approved.pk]),
        reverse("guidelines:on_behalf", args=[request.pk]),
    ):
        expect_status(client.get(url), _page_expectation(who, {"manager"}))


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_takes_a_version_through_its_steps(cast, who):
    version = factories.guideline_version("draft")
    client = cast.client(who)
    response = client.post(
        reverse("guidelines:question_add", args=[version.pk]),
        {"text": "Frage?", "choices": "a\nb", "correct_choice": "1"},
    )
    expect_status(response, _action_expectation(who))
    assert version.questions.count() == (1 if who == "manager" else 0)

    response = client.post(reverse("guidelines:version_submit", args=[version.pk]))
    expect_status(response, _action_expectation(who))
    version.refresh_from_db()
    assert version.status == (VersionStatus.REVIEW if who == "manager" else VersionStatus.DRAFT)


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_publishes_and_nothing_is_written_otherwise(cast, who):
    version = factories.guideline_version("approved")
    response = cast.client(who).post(
        reverse("guidelines:version_publish", args=[version.pk]), {"scope": "all"}
    )
    expect_status(response, _action_expectation(who))
    expected = (
        AcknowledgmentRequest.objects.filter(version=version).exists() if who == "manager" else 0
    )
    assert AcknowledgmentRequest.objects.filter(version=version).exists() == bool(expected)


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_records_on_someones_behalf(cast, who):
    version = factories.guideline_version("published")
    request = AcknowledgmentRequest.objects.get(version=version, person=cast.head_b.person)
    response = cast.client(who).post(
        reverse("guidelines:on_behalf", args=[request.pk]), {"reason": "Papierformular"}
    )
    expect_status(response, _action_expectation(who))
    assert Acknowledgment.objects.filter(request=request).exists() == (who == "manager")


# --- The manager's way through the pages ----------------------------------------------------------


def test_the_manager_writes_reviews_approves_and_publishes(
    cast, manager_client, django_capture_on_commit_callbacks
):
    response = manager_client.post(
        reverse("guidelines:create"),
        {"title": "Social-Media-Richtlinie", "description": "", "body": factories.GUIDELINE_BODY},
    )
    version = GuidelineVersion.objects.get()
    assert response["Location"] == reverse("guidelines:version", args=[version.pk])
    manager_client.post(reverse("guidelines:version_submit", args=[version.pk]))
    response = manager_client.post(
        reverse("guidelines:version_approve", args=[version.pk]),
        {"approved_on": "", "works_agreement_reference": ""},
    )
    assert response.status_code == 400
    manager_client.post(
        reverse("guidelines:version_approve", args=[version.pk]),
        {
            "approved_on": timezone.localdate().isoformat(),
            "works_agreement_reference": "BV 2026/07",
            "on_paper": "Protokoll der Sitzung",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("guidelines:version_publish", args=[version.pk]),
            {
                "scope": "departments",
                "departments": [cast.department_b.pk],
                "effective_on_publication": "on",  # it has no date of its own
            },
        )
    assert response["Location"] == reverse("guidelines:compliance", args=[version.pk])
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert [m.to[0] for m in mail.outbox] == [f"Berta B <{cast.head_b.email}>"]
    # A second publish (double click) changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("guidelines:version_publish", args=[version.pk]), {"scope": "all"}
        )
    assert AcknowledgmentRequest.objects.count() == 1
    assert len(mail.outbox) == 1


def test_publish_form_needs_departments_when_not_everyone(cast, manager_client):
    version = factories.guideline_version("approved")
    response = manager_client.post(
        reverse("guidelines:version_publish", args=[version.pk]), {"scope": "departments"}
    )
    assert response.status_code == 400
    assert not AcknowledgmentRequest.objects.exists()


def test_the_diff_page_shows_changed_sections(cast, manager_client):
    v1 = factories.guideline_version("published")
    v2 = factories.guideline_version(
        "draft",
        guideline=v1.guideline,
        body=factories.GUIDELINE_BODY.replace("Interna, Kundendaten", "Interna, Rezepturen")
        + "\n# Firmenkonten\n\nNur das Social-Media-Team eröffnet Konten.\n",
    )
    html = manager_client.get(reverse("guidelines:version_diff", args=[v2.pk])).content.decode()
    assert "change-changed" in html and "Rezepturen" in html
    assert "change-added" in html and "Firmenkonten" in html


# --- The personal link ------------------------------------------------------------------------


def test_an_employee_acknowledges_from_the_link_once(cast, django_capture_on_commit_callbacks):
    version = factories.guideline_version("published", questions=[QUESTION])
    person = cast.employee.person
    question = version.questions.get()
    client = Client()
    url = _link(version, person)
    page = client.get(url)
    assert page.status_code == 200
    assert "Ich habe die Richtlinie gelesen und verstanden" in page.content.decode()

    wrong = client.post(url, {f"q{question.pk}": "0"})
    assert wrong.status_code == 400
    assert not Acknowledgment.objects.exists()
    missing = client.post(url, {})
    assert missing.status_code == 400
    assert not Acknowledgment.objects.exists()

    done = client.post(url, {f"q{question.pk}": "1"})
    assert done.status_code == 302 and done["Location"] == url
    again = client.post(url, {f"q{question.pk}": "1"})  # double click / reload
    assert again.status_code == 200
    assert "zur Kenntnis genommen. Es ist nichts" in again.content.decode()
    ack = Acknowledgment.objects.get()
    assert (ack.person, ack.version, ack.method) == (person, version, AcknowledgmentMethod.LINK)
    assert Acknowledgment.objects.count() == 1


def test_a_tampered_link_is_refused(cast):
    version = factories.guideline_version("published")
    url = _link(version, cast.employee.person)
    response = Client().get(url[:-3] + "xx/")
    assert response.status_code == 404
    assert Client().post(url[:-3] + "xx/").status_code == 404
    assert not Acknowledgment.objects.exists()


def test_a_person_outside_the_scope_is_refused(cast):
    version = factories.guideline_version("published", departments=[cast.department_a])
    outsider = cast.head_b.person  # department B: not asked
    url = _link(version, outsider)
    page = Client().get(url)
    assert page.status_code == 404
    assert "Sie müssen diese Richtlinie nicht zur Kenntnis nehmen" in page.content.decode()
    assert Client().post(url).status_code == 404
    assert not Acknowledgment.objects.exists()
    # Signed in, the same person gets no page for it either.
    expect_status(
        cast.client("head_b").get(reverse("guidelines:acknowledge_signed_in", args=[version.pk])),
        "404",
    )


def test_an_expired_link_offers_a_fresh_one_by_email(cast, django_capture_on_commit_callbacks):
    version = factories.guideline_version("published")
    person = cast.employee.person
    url = _link(version, person)
    later = time.time() + (services.link_max_age().days + 1) * 24 * 3600
    client = Client()
    with mock.patch("time.time", return_value=later):
        page = client.get(url)
        assert page.status_code == 200
        assert "Dieser Link ist abgelaufen" in page.content.decode()
        assert client.post(url).status_code == 200  # the old link records nothing
        assert not Acknowledgment.objects.exists()
        resend = re.search(r'action="([^"]+/new-link/)"', page.content.decode()).group(1)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(resend)
            client.post(resend)  # pressed twice: one email
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to[0].endswith(f"<{person.email}>")
    fresh = re.search(r"https?://[^/\s]+(/g/\S+/)", mail.outbox[0].body).group(1)
    assert fresh != url
    page = Client().get(fresh)
    assert (
        page.status_code == 200
        and "Ich habe die Richtlinie gelesen und verstanden" in page.content.decode()
    )


def test_a_superseded_versions_link_leads_to_the_current_version(cast):
    v1 = factories.guideline_version("published")
    person = cast.employee.person
    old_url = _link(v1, person)
    v2 = factories.guideline_version("published", guideline=v1.guideline, body="# Neu\nText")
    response = Client().get(old_url)
    assert response.status_code == 302
    assert response["Location"] == _link(v2, person)
    # A person not asked for the current version: told there is nothing to do.
    v3_scope = factories.guideline_version(
        "published", guideline=v1.guideline, body="# Neuer\nText", departments=[cast.department_b]
    )
    page = Client().get(_link(v2, person))
    assert page.status_code == 200
    assert "Diese Fassung gilt nicht mehr" in page.content.decode()
    assert not Acknowledgment.objects.exists()
    assert v3_scope.status == VersionStatus.PUBLISHED


def test_a_reacknowledgment_shows_the_changed_sections_first(cast):
    v1 = factories.guideline_version("published")
    services.acknowledgment_record(
        request=v1.requests.get(person=cast.employee.person), method="link"
    )
    v2 = factories.guideline_version(
        "published",
        guideline=v1.guideline,
        body=factories.GUIDELINE_BODY.replace("Interna, Kundendaten", "Interna, Rezepturen"),
    )
    html = Client().get(_link(v2, cast.employee.person)).content.decode()
    changed = html.index('id="changed-sections"')
    assert changed < html.index('id="text-heading"')
    section = html[changed : html.index('id="text-heading"')]
    assert "Betriebsgeheimnisse" in section and "Rezepturen" in section
    assert "Wer darf was sagen" not in section  # unchanged sections are not repeated there


def test_someone_who_never_acknowledged_an_earlier_text_reads_the_whole_text(cast):
    """A new joiner (or anyone who skipped the old version) is not told what "changed"."""
    v1 = factories.guideline_version("published")
    v2 = factories.guideline_version(
        "published",
        guideline=v1.guideline,
        body=factories.GUIDELINE_BODY.replace("Interna, Kundendaten", "Interna, Rezepturen"),
    )
    html = Client().get(_link(v2, cast.employee.person)).content.decode()
    assert 'id="changed-sections"' not in html
    assert "Rezepturen" in html and "Wer darf was sagen" in html


def test_a_signed_in_employee_acknowledges_their_own_request(cast):
    version = factories.guideline_version("published")
    client = cast.client("employee")
    mine = client.get(reverse("guidelines:mine"))
    url = reverse("guidelines:acknowledge_signed_in", args=[version.pk])
    assert url in mine.content.decode()
    assert client.post(url).status_code == 302
    ack = Acknowledgment.objects.get()
    assert (ack.person, ack.method) == (cast.employee.person, AcknowledgmentMethod.SIGNED_IN)


def test_the_link_page_escapes_and_sanitises_the_text(cast):
    guideline = factories.GuidelineFactory(
        title="<script>alert(1)</script>Richtlinie",
        body="# Titel\n\n<img src=x onerror=alert(1)>[x](javascript:alert(1))",
    )
    version = guideline.versions.get()
    services.version_submit(version=version, by=None)
    services.version_approve(
        version=version,
        approved_on=timezone.localdate(),
        works_agreement_reference="BV",
        by=None,
    )
    services.version_publish(version=version, by=None)
    html = Client().get(_link(version, cast.employee.person)).content.decode()
    assert "<script>alert" not in html
    assert "onerror" not in html and "javascript:" not in html


# --- On behalf, compliance, CSV -------------------------------------------------------------------


def test_on_behalf_needs_a_reason_and_is_marked(cast, manager_client):
    version = factories.guideline_version("published")
    request = AcknowledgmentRequest.objects.get(version=version, person=cast.head_b.person)
    url = reverse("guidelines:on_behalf", args=[request.pk])
    assert manager_client.post(url, {"reason": ""}).status_code == 400
    manager_client.post(url, {"reason": "Papierformular vom 3. März"})
    manager_client.post(url, {"reason": "noch einmal"})
    ack = Acknowledgment.objects.get()
    assert ack.method == AcknowledgmentMethod.ON_BEHALF
    assert ack.reason == "Papierformular vom 3. März" and ack.recorded_by == cast.manager


def test_compliance_counts_per_department_and_overall(cast, manager_client):
    version = factories.guideline_version(
        "published", acknowledge_by=timezone.localdate() + datetime.timedelta(days=3)
    )
    services.acknowledgment_record(
        request=AcknowledgmentRequest.objects.select_related("version").get(
            version=version, person=cast.employee.person
        ),
        method=AcknowledgmentMethod.LINK,
    )
    response = manager_client.get(reverse("guidelines:compliance", args=[version.pk]))
    report = response.context["report"]
    assert (report.overall.total, report.overall.acknowledged, report.overall.pending) == (5, 1, 4)
    rows = {row.name: row for row in report.departments}
    assert (rows["Vertrieb"].total, rows["Vertrieb"].acknowledged) == (2, 1)
    assert (rows["Personal"].total, rows["Personal"].acknowledged) == (1, 0)
    assert cast.employee.person not in [item.person for item in report.missing]
    filtered = manager_client.get(
        reverse("guidelines:compliance", args=[version.pk]),
        {"department": cast.department_b.pk},
    ).context["report"]
    assert [item.person for item in filtered.missing] == [cast.head_b.person]


def test_missing_acknowledgments_after_the_deadline_are_overdue(cast, manager_client):
    version = factories.guideline_version("published")
    GuidelineVersion.objects.filter(pk=version.pk).update(
        acknowledge_by=timezone.localdate() - datetime.timedelta(days=1)
    )
    report = manager_client.get(reverse("guidelines:compliance", args=[version.pk])).context[
        "report"
    ]
    assert (report.overall.pending, report.overall.overdue) == (0, 5)


def test_the_csv_export_lists_everyone_with_their_status(cast, manager_client):
    version = factories.guideline_version("published")
    services.acknowledgment_record(
        request=AcknowledgmentRequest.objects.select_related("version").get(
            version=version, person=cast.head_b.person
        ),
        method=AcknowledgmentMethod.ON_BEHALF,
        reason="=HYPERLINK(1)",
        by=cast.manager,
    )
    response = manager_client.get(reverse("guidelines:compliance_csv", args=[version.pk]))
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 5
    row_b = next(line for line in lines if cast.head_b.email in line)
    assert "zur Kenntnis genommen" in row_b and "'=HYPERLINK(1)" in row_b
    row_e = next(line for line in lines if cast.employee.email in line)
    assert "ausstehend" in row_e


# --- Query counts at two data sizes ---------------------------------------------------------------


def _grow(version, departments: int, people: int) -> None:
    for _ in range(departments):
        department = factories.DepartmentFactory()
        for _ in range(people):
            person = factories.PersonFactory(department=department)
            request = AcknowledgmentRequest.objects.create(version=version, person=person)
            if person.pk % 2:
                Acknowledgment.objects.create(
                    request=request, person=person, version=version, method="link"
                )


def _grow_department(version, department, people: int) -> None:
    for _ in range(people):
        person = factories.PersonFactory(department=department)
        AcknowledgmentRequest.objects.create(version=version, person=person)


@pytest.mark.parametrize("size", [1, 4])
def test_compliance_runs_a_fixed_number_of_queries(
    cast, manager_client, django_assert_num_queries, size
):
    version = factories.guideline_version("published")
    _grow(version, size, size * 2)
    _grow_department(version, cast.department_a, size * 3)
    url = reverse("guidelines:compliance", args=[version.pk])
    # session, user, roles (+ nav), version, grouped counts, missing people
    with django_assert_num_queries(6):
        assert manager_client.get(url).status_code == 200
    head = cast.client("head_a")
    with django_assert_num_queries(6):  # the head's departments instead of the nav rollout
        assert head.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 4])
def test_list_and_version_pages_run_a_fixed_number_of_queries(
    cast, manager_client, django_assert_num_queries, size
):
    versions = [factories.guideline_version("published", questions=[QUESTION]) for _ in range(size)]
    with django_assert_num_queries(5):  # session, user, roles (+ nav), guidelines, versions
        assert manager_client.get(reverse("guidelines:list")).status_code == 200
    # session, user, roles (+ nav), version (+ questions and departments prefetched), history
    with django_assert_num_queries(6):
        assert (
            manager_client.get(reverse("guidelines:version", args=[versions[-1].pk])).status_code
            == 200
        )


@pytest.mark.parametrize("size", [1, 4])
def test_the_acknowledgment_page_runs_a_fixed_number_of_queries(
    cast, django_assert_num_queries, size
):
    v1 = factories.guideline_version("published")
    for person in (cast.head_a.person, cast.head_b.person):
        services.acknowledgment_record(request=v1.requests.get(person=person), method="link")
    questions = [QUESTION] * size
    v2 = factories.guideline_version(
        "published", guideline=v1.guideline, body="# Neu\nText", questions=questions
    )
    client = Client()
    # The request with everything, the questions, whether an earlier version was acknowledged,
    # and the first time only: the text it replaced, for the diff.
    with django_assert_num_queries(4):
        assert client.get(_link(v2, cast.head_a.person)).status_code == 200
    with django_assert_num_queries(3):
        assert client.get(_link(v2, cast.head_b.person)).status_code == 200
    with django_assert_num_queries(3):  # never acknowledged before: the whole text, no diff
        assert client.get(_link(v2, cast.employee.person)).status_code == 200


def test_signing_salt_is_specific_to_guidelines(cast):
    version = factories.guideline_version("published")
    foreign = signing.TimestampSigner().sign(f"{cast.employee.person.pk}.{version.pk}")
    assert Client().get(reverse("guidelines:acknowledge", args=[foreign])).status_code == 404


def test_pending_emails_are_withdrawn_when_superseded(cast):
    v1 = factories.guideline_version("published")
    services.acknowledgment_requests_notify(version_id=v1.pk)
    assert Notification.objects.filter(state="pending").count() == 5
    factories.guideline_version("published", guideline=v1.guideline, body="# Neu\nText")
    assert Notification.objects.filter(state="pending", object_id=v1.pk).count() == 0


@pytest.mark.parametrize("who", CAST)
def test_everyone_signed_in_sees_their_own_guidelines_only(cast, who):
    version = factories.guideline_version("published", departments=[cast.department_a])
    client = cast.client(who)
    expect_status(client.get(reverse("guidelines:mine")), "login" if who == "anonymous" else "ok")
    in_scope = who in {"employee", "head_a"}
    response = client.get(reverse("guidelines:acknowledge_signed_in", args=[version.pk]))
    expect_status(response, "login" if who == "anonymous" else ("ok" if in_scope else "404"))
    response = client.post(reverse("guidelines:acknowledge_signed_in", args=[version.pk]))
    expect_status(response, "login" if who == "anonymous" else ("redirect" if in_scope else "404"))
    assert Acknowledgment.objects.count() == (1 if in_scope else 0)


@pytest.mark.parametrize(
    "model", ["guideline", "guidelineversion", "acknowledgmentrequest", "acknowledgment"]
)
def test_the_admin_shows_guidelines_read_only(client, model):
    factories.PersonFactory()
    version = factories.guideline_version("published")
    request = AcknowledgmentRequest.objects.filter(version=version).select_related("version")[0]
    services.acknowledgment_record(request=request, method=AcknowledgmentMethod.LINK)
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse(f"admin:guidelines_{model}_changelist")).status_code == 200
    if model != "guideline":
        assert client.get(reverse(f"admin:guidelines_{model}_add")).status_code == 403


def test_a_second_guideline_with_the_same_title_is_refused(cast, manager_client):
    factories.GuidelineFactory(title="Social-Media-Richtlinie")
    response = manager_client.post(
        reverse("guidelines:create"),
        {"title": "social-media-richtlinie", "description": "", "body": "# A\ntext"},
    )
    assert response.status_code == 400
    assert GuidelineVersion.objects.count() == 1


def test_an_expired_link_of_a_superseded_version_is_no_way_around_the_expiry(
    cast, django_capture_on_commit_callbacks
):
    v1 = factories.guideline_version("published")
    person = cast.employee.person
    old_url = _link(v1, person)
    v2 = factories.guideline_version("published", guideline=v1.guideline, body="# Neu\nText")
    later = time.time() + (services.link_max_age().days + 1) * 24 * 3600
    with mock.patch("time.time", return_value=later):
        page = Client().get(old_url)
        assert page.status_code == 200
        assert "Dieser Link ist abgelaufen" in page.content.decode()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(old_url + "new-link/")
    assert len(mail.outbox) == 1
    fresh = re.search(r"https?://[^/\s]+(/g/\S+/)", mail.outbox[0].body).group(1)
    assert services.ack_token_read(fresh.split("/")[2]).version_id == v2.pk
