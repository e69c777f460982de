"""The works council as a role with its own login: told by email when a version is sent to
it, reads the text and what changed, approves it or sends it back with a comment; the manager
records a paper approval only with how it was given (issue 15)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guidelines.models import GuidelineVersion, VersionEvent, VersionEventKind, VersionStatus
from guidelines.notices import COUNCIL_DECISION, COUNCIL_REVIEW
from guidelines.services import guidelines as services
from notifications.models import Notification
from rollout.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def member(cast):
    """The council's member exists before anything is sent to the council."""
    return cast.works_council


DE = {"HTTP_ACCEPT_LANGUAGE": "de"}


def _in_review(cast) -> GuidelineVersion:
    version = factories.guideline_version("draft")
    return services.version_submit(version=version, by=cast.manager)


def test_every_member_hears_of_a_version_sent_to_the_council(cast):
    second = factories.UserFactory(roles=[Role.WORKS_COUNCIL], full_name="Otto Obmann")
    factories.PersonFactory(email=second.email, user=second, first_name="Otto", last_name="O")
    gone = factories.UserFactory(roles=[Role.WORKS_COUNCIL], is_active=False)
    version = _in_review(cast)
    rows = Notification.objects.filter(kind=COUNCIL_REVIEW)
    assert sorted(rows.values_list("recipient_email", flat=True)) == sorted(
        [cast.works_council.email, second.email]
    )
    assert gone.email not in rows.values_list("recipient_email", flat=True)
    services.version_submit(version=version, by=cast.manager)  # a double click
    assert rows.count() == 2


def test_the_review_mail_links_to_the_councils_page_in_german(cast, settings):
    from notifications.emails import notification_message

    version = _in_review(cast)
    row = Notification.objects.get(kind=COUNCIL_REVIEW, recipient_email=cast.works_council.email)
    message = notification_message(row)
    body = message.body
    assert f"/works-council/versions/{version.pk}/" in body
    assert "Betriebsrat" in message.subject


def test_a_member_reads_the_text_and_what_changed(cast):
    version = _in_review(cast)
    page = cast.client("works_council").get(
        reverse("guidelines:council_version", args=[version.pk]), **DE
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert version.guideline.title in html
    assert version.submitted_text_hash[:12] in html
    assert 'id="council-approve"' in html and 'id="council-send-back"' in html
    assert "Ihre Entscheidung" in html
    listing = cast.client("works_council").get(reverse("guidelines:council_list"), **DE)
    assert f'id="waiting-{version.pk}"' in listing.content.decode()


def test_a_draft_never_sent_stays_hidden_from_the_council(cast):
    draft = factories.guideline_version("draft")
    url = reverse("guidelines:council_version", args=[draft.pk])
    assert cast.client("works_council").get(url, **DE).status_code == 404


def test_a_member_approves_from_their_own_login_and_the_manager_is_told(cast):
    version = _in_review(cast)
    client = cast.client("works_council")
    url = reverse("guidelines:council_approve", args=[version.pk])
    today = timezone.localdate().isoformat()
    refused = client.post(url, {"approved_on": today, "works_agreement_reference": ""}, **DE)
    assert refused.status_code == 400
    assert "Geben Sie die Betriebsvereinbarung an" in refused.content.decode() or (
        "Dieses Feld ist zwingend erforderlich" in refused.content.decode()
    )
    response = client.post(
        url, {"approved_on": today, "works_agreement_reference": "BV 2026/11"}, **DE
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert version.works_agreement_reference == "BV 2026/11"
    event = version.events.get(kind=VersionEventKind.APPROVED)
    assert event.by == cast.works_council and event.text_hash == version.submitted_text_hash
    told = Notification.objects.filter(kind=COUNCIL_DECISION)
    assert list(told.values_list("recipient_email", flat=True)) == [cast.manager.email]
    # A second press changes nothing and tells nobody again.
    again = client.post(
        url, {"approved_on": today, "works_agreement_reference": "BV 2026/11"}, **DE
    )
    assert again.status_code == 302
    assert version.events.filter(kind=VersionEventKind.APPROVED).count() == 1
    assert told.count() == 1


def test_a_member_sends_a_version_back_with_a_comment(cast):
    version = _in_review(cast)
    client = cast.client("works_council")
    url = reverse("guidelines:council_send_back", args=[version.pk])
    empty = client.post(url, {"comment": "  "}, **DE)
    assert empty.status_code == 400
    assert "Sagen Sie, was sich ändern soll" in empty.content.decode()
    assert GuidelineVersion.objects.get(pk=version.pk).status == VersionStatus.REVIEW
    response = client.post(url, {"comment": "Bitte einen Abschnitt zu privaten Konten."}, **DE)
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    event = version.events.get(kind=VersionEventKind.PULLED_BACK)
    assert event.by == cast.works_council
    assert event.reason == "Bitte einen Abschnitt zu privaten Konten."
    row = Notification.objects.get(kind=COUNCIL_DECISION)
    assert row.recipient_email == cast.manager.email


def test_the_manager_cannot_decide_for_the_council_here_but_records_paper_with_how(cast):
    version = _in_review(cast)
    manager = cast.client("manager")
    today = timezone.localdate().isoformat()
    council = reverse("guidelines:council_approve", args=[version.pk])
    data = {"approved_on": today, "works_agreement_reference": "BV 2026/11"}
    assert manager.post(council, data, **DE).status_code == 403
    own = reverse("guidelines:version_approve", args=[version.pk])
    refused = manager.post(own, data, **DE)
    assert refused.status_code == 400
    assert "Sagen Sie, wie der Betriebsrat freigegeben hat" in refused.content.decode()
    assert manager.post(own, {**data, "on_paper": "Unterschrift vom 1. Dezember"}, **DE)[
        "Location"
    ] == reverse("guidelines:version", args=[version.pk])
    event = VersionEvent.objects.get(version=version, kind=VersionEventKind.APPROVED)
    assert event.by == cast.manager
    assert "Unterschrift vom 1. Dezember" in event.reason and "BV 2026/11" in event.reason
    assert not Notification.objects.filter(kind=COUNCIL_DECISION).exists()
    page = manager.get(reverse("guidelines:version", args=[version.pk]), **DE).content.decode()
    assert "Unterschrift vom 1. Dezember" in page


def test_a_member_starts_on_the_councils_page_with_its_link(cast):
    client = cast.client("works_council")
    response = client.get("/", **DE)
    assert response.status_code == 302
    assert response["Location"] == reverse("guidelines:council_list")
    page = client.get(response["Location"], **DE).content.decode()
    assert '<a href="/works-council/">Betriebsrat</a>' in page


def test_the_councils_pages_cost_the_same_queries_with_many_versions(cast):
    client = cast.client("works_council")

    def count(url: str) -> int:
        client.get(url, **DE)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **DE).status_code == 200
        return len(queries)

    first = _in_review(cast)
    few = count(reverse("guidelines:council_list"))
    one = count(reverse("guidelines:council_version", args=[first.pk]))
    for _ in range(6):
        _in_review(cast)
    services.version_approve(
        version=first,
        approved_on=timezone.localdate(),
        works_agreement_reference="BV 1",
        by=cast.works_council,
    )
    assert count(reverse("guidelines:council_list")) == few
    assert count(reverse("guidelines:council_version", args=[first.pk])) == one
