"""Gate sign-off by the sponsor: leaving a phase with unmet criteria asks the rollout's
sponsor, who approves or declines in the browser or from the emailed link (no sign-in); the
gate log shows who decided and how."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from rollout.models import (
    CriterionKind,
    GateCriterion,
    GateDecision,
    GateException,
    GateExceptionState,
    PhaseKind,
    PhaseStatus,
)
from rollout.services import gates as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def phase(cast):
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    GateCriterion.objects.filter(phase=phase).delete()
    GateCriterion.objects.create(phase=phase, kind=CriterionKind.MANUAL, label="Grünes Licht")
    return phase


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/gate/exceptions/link/[^\s<\"]+)", body)
    assert match, body
    return match.group(1)


def _ask(cast, phase, capture) -> GateException:
    with capture(execute=True):
        response = cast.client("manager").post(
            reverse("rollout:phase_advance", args=[phase.pk]),
            {"override": "on", "reason": "Die Messe beginnt."},
        )
    assert response.status_code == 302
    assert response["Location"].endswith("#gate-exception")
    return GateException.objects.get()


def test_advancing_with_unmet_criteria_asks_the_sponsor_by_email(
    cast, phase, django_capture_on_commit_callbacks
):
    exception = _ask(cast, phase, django_capture_on_commit_callbacks)
    assert exception.state == GateExceptionState.PENDING
    assert exception.sponsor == cast.leadership.person and exception.requested_by == cast.manager
    phase.refresh_from_db()
    assert phase.status == PhaseStatus.ACTIVE and not GateDecision.objects.exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert cast.leadership.email in message.to[0]
    assert "Grünes Licht" in message.body and "Die Messe beginnt." in message.body
    assert message.subject.startswith("Bitte entscheiden")
    # A second click asks once.
    with django_capture_on_commit_callbacks(execute=True):
        cast.client("manager").post(
            reverse("rollout:phase_advance", args=[phase.pk]),
            {"override": "on", "reason": "Die Messe beginnt."},
        )
    assert GateException.objects.count() == 1 and len(mail.outbox) == 1
    page = cast.client("manager").get(reverse("rollout:phase_gate", args=[phase.pk])).text
    assert "Wartet auf die Sponsorin oder den Sponsor" in page
    assert "/gate/advance/" not in page  # no second way through while the sponsor decides


def test_the_sponsor_approves_from_the_emailed_link_without_signing_in(
    cast, phase, django_capture_on_commit_callbacks
):
    _ask(cast, phase, django_capture_on_commit_callbacks)
    path = _link(mail.outbox[0].body)
    visitor = Client()
    shown = visitor.get(path)
    assert shown.status_code == 200 and "Grünes Licht" in shown.text
    assert 'lang="de"' in shown.text and "Genehmigen" in shown.text
    assert GateException.objects.get().state == GateExceptionState.PENDING  # a GET decides nothing
    answered = visitor.post(path, {"answer": "approve"})
    assert answered.status_code == 302
    exception = GateException.objects.get()
    decision = GateDecision.objects.get()
    assert exception.state == GateExceptionState.APPROVED and exception.decision == decision
    assert exception.decided_by == cast.leadership.person and exception.decided_from_link
    assert not decision.all_met and decision.override_reason == "Die Messe beginnt."
    phase.refresh_from_db()
    assert phase.status == PhaseStatus.COMPLETED
    # The second click, or the other answer afterwards, changes nothing.
    assert visitor.post(path, {"answer": "decline"}).status_code == 302
    assert GateException.objects.get().state == GateExceptionState.APPROVED
    assert GateDecision.objects.count() == 1
    assert "Genehmigt von" in visitor.get(path).text
    log = cast.client("manager").get(reverse("rollout:phase_gate", args=[phase.pk])).text
    assert "Ausnahme genehmigt von" in log and "über den Link aus der E-Mail" in log


def test_the_link_page_speaks_the_sponsors_language(
    cast, phase, django_capture_on_commit_callbacks
):
    person = cast.leadership.person
    person.language = "en"
    person.save(update_fields=["language"])
    _ask(cast, phase, django_capture_on_commit_callbacks)
    page = Client().get(_link(mail.outbox[0].body), HTTP_ACCEPT_LANGUAGE="de")
    assert 'lang="en"' in page.text and "Approve: leave the phase" in page.text


def test_a_refused_answer_and_a_foreign_token(cast, phase, django_capture_on_commit_callbacks):
    _ask(cast, phase, django_capture_on_commit_callbacks)
    path = _link(mail.outbox[0].body)
    assert Client().post(path, {"answer": "maybe"}).status_code == 400
    assert GateException.objects.get().state == GateExceptionState.PENDING
    assert Client().get(path[:-3] + "xyz/").status_code == 404
    # The link belongs to the sponsor asked: a new sponsor gets their own.
    rollout = cast.rollout
    rollout.sponsor = cast.head_a.person
    rollout.save(update_fields=["sponsor"])
    GateException.objects.update(sponsor=cast.head_a.person)
    assert Client().get(path).status_code == 404


def test_leadership_declines_in_the_browser_and_the_manager_may_ask_again(
    cast, phase, django_capture_on_commit_callbacks
):
    exception = _ask(cast, phase, django_capture_on_commit_callbacks)
    url = reverse("rollout:gate_exception_decide", args=[exception.pk])
    for who in ("manager", "head_a", "employee"):
        assert cast.client(who).post(url, {"answer": "approve"}).status_code == 404
    assert GateException.objects.get().state == GateExceptionState.PENDING
    gate = cast.client("leadership").get(reverse("rollout:phase_gate", args=[phase.pk])).text
    assert url in gate
    response = cast.client("leadership").post(url, {"answer": "decline"})
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.state == GateExceptionState.DECLINED and not exception.decided_from_link
    phase.refresh_from_db()
    assert phase.status == PhaseStatus.ACTIVE
    again = _ask_again(cast, phase, django_capture_on_commit_callbacks)
    assert again.pk != exception.pk and again.state == GateExceptionState.PENDING


def _ask_again(cast, phase, capture) -> GateException:
    with capture(execute=True):
        cast.client("manager").post(
            reverse("rollout:phase_advance", args=[phase.pk]),
            {"override": "on", "reason": "Neuer Versuch."},
        )
    return GateException.objects.order_by("-pk").first()


def test_an_answer_after_the_phase_moved_on_changes_nothing(
    cast, phase, django_capture_on_commit_callbacks
):
    exception = _ask(cast, phase, django_capture_on_commit_callbacks)
    GateCriterion.objects.update(is_checked=True)
    from rollout.services.plan import phase_advance

    phase_advance(phase=phase, by=cast.manager)
    with pytest.raises(services.GateExceptionClosed):
        services.gate_exception_decide(exception=exception, approve=True, person=None)
    exception.refresh_from_db()
    assert exception.state == GateExceptionState.VOID and GateDecision.objects.count() == 1


@pytest.mark.parametrize("criteria", [1, 6])
def test_the_link_page_needs_a_fixed_number_of_queries(
    cast, phase, criteria, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for number in range(criteria - 1):
        GateCriterion.objects.create(phase=phase, kind=CriterionKind.MANUAL, label=f"K{number}")
    _ask(cast, phase, django_capture_on_commit_callbacks)
    path = _link(mail.outbox[0].body)
    client = Client()
    with django_assert_max_num_queries(12):
        assert client.get(path).status_code == 200


def test_while_the_sponsor_decides_a_second_advance_asks_nothing_more_unless_all_is_met(
    cast, phase, django_capture_on_commit_callbacks
):
    exception = _ask(cast, phase, django_capture_on_commit_callbacks)
    client = cast.client("manager")
    url = reverse("rollout:phase_advance", args=[phase.pk])
    again = client.post(url, {})
    assert again.status_code == 302 and again["Location"].endswith("#gate-exception")
    assert GateException.objects.count() == 1 and not GateDecision.objects.exists()
    GateCriterion.objects.update(is_checked=True)
    assert client.post(url, {}).status_code == 302
    phase.refresh_from_db()
    exception.refresh_from_db()
    assert phase.status == PhaseStatus.COMPLETED and exception.state == GateExceptionState.VOID
    leadership = cast.client("leadership").get(reverse("goals:leadership")).text
    assert "Die Messe beginnt." not in leadership
