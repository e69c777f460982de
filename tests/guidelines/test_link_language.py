"""Issue 16, "the person's language everywhere": every page behind an emailed link (the
acknowledgment and its expired link, the training answer and its expired link, the feedback,
the supplier's page, the unsubscribe page) speaks the language of the person the link was
made for, not the browser's; an account's language comes first, as in the mail."""

import datetime
import time
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guidelines.services import guidelines as guideline_services
from guidelines.services import trainings as training_services
from notifications.emails import unsubscribe_token
from rollout.models import PhaseKind
from rollout.services import workflows as workflow_services
from tests import factories

pytestmark = pytest.mark.django_db

GERMAN_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def _lang(response) -> str:
    return response.text.split('<html lang="', 1)[1].split('"', 1)[0]


def _english(department=None, **kwargs):
    return factories.PersonFactory(department=department, language="en", **kwargs)


def _ack_link(version, person) -> str:
    return guideline_services.ack_url(person_id=person.pk, version_id=version.pk, absolute=False)


# --- The acknowledgment ---------------------------------------------------------------------


def test_the_acknowledgment_page_speaks_the_persons_language(cast):
    english = _english(cast.department_a)
    german = factories.PersonFactory(department=cast.department_a, language="de")
    version = factories.guideline_version("published")
    page = Client().get(_ack_link(version, english), **GERMAN_BROWSER)
    assert page.status_code == 200
    assert _lang(page) == "en" and page["Content-Language"] == "en"
    assert "I have read and understood" in page.text
    page = Client().get(_ack_link(version, german), **ENGLISH_BROWSER)
    assert _lang(page) == "de"
    assert "Ich habe die Richtlinie gelesen und verstanden" in page.text


def test_the_acknowledgment_after_the_click_stays_in_the_persons_language(cast):
    english = _english(cast.department_a)
    version = factories.guideline_version("published")
    client = Client()
    url = _ack_link(version, english)
    response = client.post(url, **GERMAN_BROWSER)
    assert response.status_code == 302
    page = client.get(response["Location"], **GERMAN_BROWSER)
    assert "your acknowledgment has been recorded" in page.text
    assert 'id="ack-done"' in page.text and "Acknowledged" in page.text


def test_an_expired_acknowledgment_link_and_its_fresh_link_page_in_the_persons_language(cast):
    english = _english(cast.department_a)
    version = factories.guideline_version("published")
    url = _ack_link(version, english)
    later = time.time() + (guideline_services.link_max_age().days + 1) * 24 * 3600
    client = Client()
    with mock.patch("time.time", return_value=later):
        page = client.get(url, **GERMAN_BROWSER)
        assert "This link has expired" in page.text and _lang(page) == "en"
        resent = client.post(
            reverse("guidelines:acknowledge_resend", args=[url.split("/")[2]]), **GERMAN_BROWSER
        )
    assert "A fresh link is on its way" in resent.text


def test_an_account_language_comes_before_the_directory_entry(cast):
    person = cast.employee.person
    person.language = "de"
    person.save(update_fields=["language"])
    cast.employee.language = "en"
    cast.employee.save(update_fields=["language"])
    version = factories.guideline_version("published")
    page = Client().get(_ack_link(version, person), **GERMAN_BROWSER)
    assert _lang(page) == "en"


# --- Trainings --------------------------------------------------------------------------------


@pytest.fixture
def invitation(cast):
    english = _english(cast.department_a, first_name="Emma")
    session = factories.training_session(
        phase=cast.rollout.phases.get(kind=PhaseKind.MOVE), people=[english]
    )
    return session.invitations.select_related("person").get(person=english)


def test_the_expired_training_link_speaks_the_persons_language(invitation):
    old = timezone.now() - training_services.RSVP_MAX_AGE - datetime.timedelta(days=1)
    with mock.patch("time.time", return_value=old.timestamp()):
        token = signing.TimestampSigner(salt=training_services.RSVP_SALT).sign(str(invitation.pk))
    client = Client()
    page = client.get(reverse("guidelines:training_rsvp", args=[token]), **GERMAN_BROWSER)
    assert page.status_code == 410
    assert "This link has expired" in page.text and _lang(page) == "en"
    sent = client.post(reverse("guidelines:training_rsvp_renew", args=[token]), **GERMAN_BROWSER)
    assert _lang(sent) == "en"


def test_the_feedback_page_speaks_the_persons_language(invitation):
    training_services.attendance_set(invitation=invitation, attended=True, by=None)
    url = reverse(
        "guidelines:training_feedback", args=[training_services.feedback_token(invitation)]
    )
    page = Client().get(url, **GERMAN_BROWSER)
    assert page.status_code == 200 and _lang(page) == "en"
    assert "How was the session?" in page.text


# --- The supplier's page and the unsubscribe page ----------------------------------------------


def test_the_supplier_page_speaks_the_persons_language(cast):
    workflow = factories.ContentWorkflowFactory(
        department=cast.department_a, title="Eventfotos", by=cast.manager
    )
    supplier = _english(cast.department_a, first_name="Sam")
    terms = workflow_services.Terms(
        content="Fotos",
        trigger="Jede Messe",
        turnaround_hours=24,
        channel="email",
        channel_detail="social@example.de",
        suppliers=(supplier,),
    )
    workflow_services.workflow_edit(workflow=workflow, terms=terms, by=cast.manager)
    path = workflow_services.supply_link_path(workflow=workflow, person=supplier)
    page = Client().get(path, **GERMAN_BROWSER)
    assert page.status_code == 200 and _lang(page) == "en"
    assert "Thank you for supplying content!" in page.text


@pytest.mark.parametrize(("language", "expected"), [("en", "Unsubscribe"), ("de", "Abbestellen")])
def test_the_unsubscribe_page_speaks_the_language_of_the_address(cast, language, expected):
    person = factories.PersonFactory(department=cast.department_a, language=language)
    browser = GERMAN_BROWSER if language == "en" else ENGLISH_BROWSER
    url = reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(person.email, "training_feedback")]
    )
    page = Client().get(url, **browser)
    assert page.status_code == 200
    assert _lang(page) == language
    assert f"<h1>{expected}</h1>" in page.text


def test_an_unknown_address_keeps_the_browsers_language(cast):
    url = reverse(
        "notifications:unsubscribe",
        args=[unsubscribe_token("nobody@example.de", "training_feedback")],
    )
    assert _lang(Client().get(url, **ENGLISH_BROWSER)) == "en"
    assert _lang(Client().get(url, **GERMAN_BROWSER)) == "de"


# --- Fixed query counts -----------------------------------------------------------------------


def _count(url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url, **GERMAN_BROWSER)
    assert response.status_code == 200, url
    return len(queries)


def _linked_pages(cast) -> dict[str, str]:
    """One URL of each page behind an emailed link, for an English person with an account
    (the most queries): a waitlisted invitation, an attended one, a guideline, a workflow."""
    user = factories.UserFactory(language="en")
    person = factories.PersonFactory(
        department=cast.department_a, email=user.email, user=user, language="en"
    )
    phase = cast.rollout.phases.get(kind=PhaseKind.MOVE)
    seated = factories.PersonFactory(department=cast.department_b)
    session = factories.training_session(phase=phase, people=[seated, person], capacity=1)
    for someone in (seated, person):
        invitation = session.invitations.get(person=someone)
        training_services.invitation_respond(invitation=invitation, answer="accept")
    waitlisted = session.invitations.get(person=person)
    attended = factories.training_session(phase=phase, people=[person]).invitations.get()
    training_services.attendance_set(invitation=attended, attended=True, by=None)
    version = factories.guideline_version("published")
    workflow = factories.ContentWorkflowFactory(department=cast.department_a, by=cast.manager)
    terms = workflow_services.Terms(
        content="Fotos",
        trigger="Jede Messe",
        turnaround_hours=24,
        channel="email",
        channel_detail="social@example.de",
        suppliers=(person,),
    )
    workflow_services.workflow_edit(workflow=workflow, terms=terms, by=cast.manager)
    return {
        "acknowledge": _ack_link(version, person),
        "rsvp": reverse(
            "guidelines:training_rsvp", args=[training_services.rsvp_token(waitlisted)]
        ),
        "feedback": reverse(
            "guidelines:training_feedback", args=[training_services.feedback_token(attended)]
        ),
        "supply": workflow_services.supply_link_path(workflow=workflow, person=person),
        "unsubscribe": reverse(
            "notifications:unsubscribe", args=[unsubscribe_token(person.email, "training_feedback")]
        ),
    }


def _grow(cast, n: int) -> None:
    phase = cast.rollout.phases.get(kind=PhaseKind.MOVE)
    people = [factories.PersonFactory(department=cast.department_a) for _ in range(n)]
    session = factories.training_session(phase=phase, people=people, capacity=1)
    for person in people:
        invitation = session.invitations.get(person=person)
        training_services.invitation_respond(invitation=invitation, answer="accept")
    factories.guideline_version("published")


def test_the_linked_pages_take_as_many_queries_with_more_data(cast):
    pages = _linked_pages(cast)
    small = {name: _count(url) for name, url in pages.items()}
    _grow(cast, 15)
    large = {name: _count(url) for name, url in pages.items()}
    assert small == large
    assert all(count <= 12 for count in large.values()), large
