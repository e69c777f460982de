"""Advancing a phase early: the next phases start earlier (each keeping its planned length),
and the manager says what happens to the phase's open activities (move to the next phase,
cancel, leave); the choice is kept while the sponsor decides, applied once, and the gate log
says who decided, what and for how many."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rollout import services
from rollout.models import (
    Activity,
    ActivityStatus,
    GateDecision,
    GateException,
    OpenActivities,
    Phase,
    PhaseKind,
    PhaseStatus,
    Rollout,
)
from rollout.selectors.plan import phase_dates_after_advance
from rollout.services import gates as gate_services
from rollout.services import plan as plan_services
from tests.helpers import expect_status

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
TODAY = datetime.date(2026, 12, 3)
DE = {"HTTP_ACCEPT_LANGUAGE": "de"}


def _dates(phase: Phase, start, end) -> None:
    Phase.objects.filter(pk=phase.pk).update(start_date=start, end_date=end)
    phase.refresh_from_db()


@pytest.fixture
def early(cast):
    """The cast's rollout (no sponsor: the manager's override decides) planned from
    1 November 2026: Auftauen to 31 December, Verändern January to March, Stabilisieren April to
    June; Auftauen has two open activities, one done, and Verändern one of its own."""
    Rollout.objects.filter(pk=cast.rollout.pk).update(sponsor=None)
    phases = {p.kind: p for p in cast.rollout.phases.all()}
    unfreeze, move, refreeze = (
        phases[PhaseKind.UNFREEZE],
        phases[PhaseKind.MOVE],
        phases[PhaseKind.REFREEZE],
    )
    _dates(unfreeze, datetime.date(2026, 11, 1), datetime.date(2026, 12, 31))
    _dates(move, datetime.date(2027, 1, 1), datetime.date(2027, 3, 31))
    _dates(refreeze, datetime.date(2027, 4, 1), datetime.date(2027, 6, 30))
    planned = services.activity_create(phase=unfreeze, title="Kick-off", kind="meeting", by=None)
    running = services.activity_create(phase=unfreeze, title="Umfrage", kind="workshop", by=None)
    services.activity_set_status(activity=running, status=ActivityStatus.IN_PROGRESS, by=None)
    done = services.activity_create(phase=unfreeze, title="Mail", kind="communication", by=None)
    services.activity_set_status(activity=done, status=ActivityStatus.DONE, by=None)
    waiting = services.activity_create(phase=move, title="Schulung", kind="training", by=None)
    return unfreeze, move, refreeze, planned, running, done, waiting


def _advance(phase, by, choice="", today=TODAY):
    return plan_services.phase_advance(
        phase=phase, by=by, override=True, reason="Die Messe.", open_activities=choice, today=today
    )


def _spans(*phases) -> list[tuple]:
    for phase in phases:
        phase.refresh_from_db()
    return [(p.start_date, p.end_date) for p in phases]


# --- Dates ------------------------------------------------------------------------------------


def test_an_early_advance_starts_the_next_phases_earlier_keeping_their_length(cast, early):
    unfreeze, move, refreeze, *_ = early
    lengths = [p.end_date - p.start_date for p in (move, refreeze)]
    _advance(unfreeze, cast.manager, OpenActivities.LEAVE)
    shift = datetime.date(2027, 1, 1) - TODAY  # Verändern starts 29 days earlier
    assert _spans(unfreeze, move, refreeze) == [
        (datetime.date(2026, 11, 1), TODAY),
        (TODAY, datetime.date(2027, 3, 31) - shift),
        (datetime.date(2027, 4, 1) - shift, datetime.date(2027, 6, 30) - shift),
    ]
    assert [p.end_date - p.start_date for p in (move, refreeze)] == lengths
    assert move.status == PhaseStatus.ACTIVE


def test_a_next_phase_without_dates_starts_today_and_a_later_one_without_stays_so(cast, early):
    unfreeze, move, refreeze, *_ = early
    _dates(move, None, None)
    _dates(refreeze, None, None)
    _advance(unfreeze, cast.manager, OpenActivities.LEAVE)
    assert _spans(unfreeze, move, refreeze) == [
        (datetime.date(2026, 11, 1), TODAY),
        (TODAY, None),
        (None, None),
    ]


def test_without_a_start_for_the_next_phase_the_later_ones_move_by_the_days_saved(cast, early):
    unfreeze, move, refreeze, *_ = early
    _dates(move, None, None)
    _advance(unfreeze, cast.manager, OpenActivities.LEAVE)
    saved = datetime.date(2027, 1, 1) - TODAY  # it would have started after 31 December
    assert _spans(move, refreeze) == [
        (TODAY, None),
        (datetime.date(2027, 4, 1) - saved, datetime.date(2027, 6, 30) - saved),
    ]


def test_a_late_advance_keeps_the_plan(cast, early):
    unfreeze, move, refreeze, *_ = early
    before = _spans(move, refreeze)
    _advance(unfreeze, cast.manager, OpenActivities.LEAVE, today=datetime.date(2027, 1, 5))
    assert _spans(move, refreeze) == before
    assert _spans(unfreeze) == [(datetime.date(2026, 11, 1), datetime.date(2026, 12, 31))]


def test_the_preview_is_what_the_advance_does(cast, early):
    unfreeze, move, refreeze, *_ = early
    phases = list(cast.rollout.phases.order_by("order"))
    current = next(p for p in phases if p.pk == unfreeze.pk)
    preview = {
        c.phase.pk: (c.start_date, c.end_date)
        for c in phase_dates_after_advance(phases=phases, current=current, today=TODAY)
    }
    _advance(unfreeze, cast.manager, OpenActivities.LEAVE)
    assert preview == {
        p.pk: span
        for p, span in zip(
            (unfreeze, move, refreeze), _spans(unfreeze, move, refreeze), strict=True
        )
    }


# --- Open activities --------------------------------------------------------------------------


def test_moving_puts_the_open_activities_after_the_next_phases_own(cast, early):
    unfreeze, move, _, planned, running, done, waiting = early
    decision = _advance(unfreeze, cast.manager, OpenActivities.MOVE)
    assert list(move.activities.order_by("position").values_list("pk", flat=True)) == [
        waiting.pk,
        planned.pk,
        running.pk,
    ]
    assert list(unfreeze.activities.values_list("pk", flat=True)) == [done.pk]
    running.refresh_from_db()
    assert running.status == ActivityStatus.IN_PROGRESS  # moved, not changed
    assert decision.open_activities == OpenActivities.MOVE
    assert decision.open_activities_count == 2 and decision.decided_by == cast.manager
    assert running.history.count() >= 2  # the move is in the activity's history


def test_cancelling_cancels_only_the_open_ones(cast, early):
    unfreeze, move, _, planned, running, done, waiting = early
    decision = _advance(unfreeze, cast.manager, OpenActivities.CANCEL)
    statuses = dict(unfreeze.activities.values_list("pk", "status"))
    assert statuses == {
        planned.pk: ActivityStatus.CANCELLED,
        running.pk: ActivityStatus.CANCELLED,
        done.pk: ActivityStatus.DONE,
    }
    assert list(move.activities.values_list("pk", flat=True)) == [waiting.pk]
    assert (decision.open_activities, decision.open_activities_count) == ("cancel", 2)


def test_leaving_leaves_them_open_in_the_completed_phase(cast, early):
    unfreeze, _, _, planned, running, *_ = early
    decision = _advance(unfreeze, cast.manager, OpenActivities.LEAVE)
    assert set(
        unfreeze.activities.filter(status__in=["planned", "in_progress"]).values_list(
            "pk", flat=True
        )
    ) == {planned.pk, running.pk}
    assert (decision.open_activities, decision.open_activities_count) == ("leave", 2)


def test_without_a_choice_nothing_happens(cast, early):
    unfreeze, move, refreeze, *_ = early
    before = _spans(unfreeze, move, refreeze)
    with pytest.raises(ValidationError) as refused:
        _advance(unfreeze, cast.manager, "")
    assert refused.value.code == "open_activities_required"
    assert not GateDecision.objects.exists() and _spans(unfreeze, move, refreeze) == before
    unfreeze.refresh_from_db()
    assert unfreeze.status == PhaseStatus.ACTIVE


def test_without_open_activities_no_choice_is_needed(cast, early):
    unfreeze, *_ = early
    Activity.objects.filter(phase=unfreeze).update(
        status=ActivityStatus.DONE, completed_at=timezone.now()
    )
    decision = _advance(unfreeze, cast.manager, "")
    assert (decision.open_activities, decision.open_activities_count) == ("", 0)


def test_the_last_phase_cannot_move_its_activities_anywhere(cast, early):
    unfreeze, move, refreeze, *_ = early
    _advance(unfreeze, cast.manager, OpenActivities.MOVE)
    _advance(move, cast.manager, OpenActivities.MOVE)
    with pytest.raises(ValidationError) as refused:
        _advance(refreeze, cast.manager, OpenActivities.MOVE)
    assert refused.value.code == "open_activities_required"
    decision = _advance(refreeze, cast.manager, OpenActivities.CANCEL)
    assert decision.open_activities_count == 3


def test_a_second_advance_moves_and_shifts_nothing_twice(cast, early):
    unfreeze, move, refreeze, *_ = early
    stale = Phase.objects.get(pk=unfreeze.pk)
    _advance(unfreeze, cast.manager, OpenActivities.MOVE)
    spans = _spans(unfreeze, move, refreeze)
    places = dict(Activity.objects.values_list("pk", "phase_id"))
    with pytest.raises(ValidationError) as refused:
        _advance(stale, cast.manager, OpenActivities.MOVE, today=TODAY + DAY)
    assert refused.value.code == "not_active"
    assert _spans(unfreeze, move, refreeze) == spans
    assert dict(Activity.objects.values_list("pk", "phase_id")) == places
    assert GateDecision.objects.count() == 1


# --- With the sponsor -------------------------------------------------------------------------


def test_the_choice_waits_for_the_sponsor_and_is_applied_when_they_approve(
    cast, early, django_capture_on_commit_callbacks
):
    unfreeze, move, _, planned, running, *_ = early
    Rollout.objects.filter(pk=cast.rollout.pk).update(sponsor=cast.leadership.person)
    url = reverse("rollout:phase_advance", args=[unfreeze.pk])
    data = {"override": "on", "reason": "Die Messe.", "open_activities": "move"}
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client("manager").post(url, data, **DE)
    assert response["Location"].endswith("#gate-exception")
    exception = GateException.objects.get()
    assert exception.open_activities == OpenActivities.MOVE
    assert set(unfreeze.activities.values_list("pk", flat=True)) >= {planned.pk, running.pk}
    page = cast.client("manager").get(reverse("rollout:phase_gate", args=[unfreeze.pk]), **DE)
    assert "In die nächste Phase verschieben" in page.text  # what will happen, while waiting
    body = mail.outbox[0].body  # the sponsor reads it before approving, by email and link
    assert "Offene Maßnahmen: In die nächste Phase verschieben" in body
    link = re.search(r"https?://[^/\s]+(/gate/exceptions/link/[^\s<\"]+)", body).group(1)
    assert "In die nächste Phase verschieben" in Client().get(link).text

    gate_services.gate_exception_decide(
        exception=exception, approve=True, person=cast.leadership.person
    )
    assert set(move.activities.values_list("pk", flat=True)) >= {planned.pk, running.pk}
    decision = GateDecision.objects.get()
    assert decision.open_activities == OpenActivities.MOVE
    assert decision.open_activities_count == 2 and decision.decided_by == cast.manager
    move.refresh_from_db()
    assert move.start_date == timezone.localdate()  # the day of the sponsor's approval
    with pytest.raises(gate_services.GateExceptionClosed):
        gate_services.gate_exception_decide(
            exception=exception, approve=True, person=cast.leadership.person
        )
    assert GateDecision.objects.count() == 1


def test_the_sponsor_is_asked_only_with_a_choice(cast, early, django_capture_on_commit_callbacks):
    unfreeze, *_ = early
    Rollout.objects.filter(pk=cast.rollout.pk).update(sponsor=cast.leadership.person)
    with pytest.raises(ValidationError) as refused:
        gate_services.gate_exception_request(phase=unfreeze, reason="Die Messe.", by=cast.manager)
    assert refused.value.code == "open_activities_required"
    assert not GateException.objects.exists()


# --- The gate page ------------------------------------------------------------------------


@pytest.fixture
def soon(early):
    """The same plan around today: Auftauen ends in 20 days."""
    unfreeze, move, refreeze, *_ = early
    today = timezone.localdate()
    _dates(unfreeze, today - 30 * DAY, today + 20 * DAY)
    _dates(move, today + 21 * DAY, today + 100 * DAY)
    _dates(refreeze, today + 101 * DAY, today + 200 * DAY)
    return early


def _de(date: datetime.date) -> str:
    return date.strftime("%d.%m.%Y")


def test_the_gate_page_in_german_shows_the_new_dates_and_asks_about_open_activities(cast, soon):
    unfreeze, *_ = soon
    today = timezone.localdate()
    page = cast.client("manager").get(reverse("rollout:phase_gate", args=[unfreeze.pk]), **DE)
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert (
        f"Die folgenden Phasen beginnen früher: Verändern ab {_de(today)} "
        f"(bis {_de(today + 79 * DAY)}), Stabilisieren ab {_de(today + 80 * DAY)} "
        f"(bis {_de(today + 179 * DAY)})."
    ) in text
    assert f"„Auftauen“ endet am {_de(today)} statt am {_de(today + 20 * DAY)}." in text
    assert "Was geschieht mit den offenen Maßnahmen?" in text
    assert "2 Maßnahmen dieser Phase sind geplant oder in Arbeit." in text
    for label in ("In die nächste Phase verschieben", "Absagen", "In dieser Phase lassen"):
        assert label in text
    assert text.count('name="open_activities"') == 3
    assert "<legend" in text  # the radio buttons are a group with its question


def test_without_open_activities_the_page_does_not_ask(cast, soon):
    unfreeze, *_ = soon
    Activity.objects.filter(phase=unfreeze).update(
        status=ActivityStatus.DONE, completed_at=timezone.now()
    )
    page = cast.client("manager").get(reverse("rollout:phase_gate", args=[unfreeze.pk]), **DE)
    assert 'name="open_activities"' not in page.text
    assert "Die folgenden Phasen beginnen früher" in page.text


def test_a_missing_choice_is_a_form_error_and_writes_nothing(cast, soon):
    unfreeze, move, refreeze, *_ = soon
    before = _spans(unfreeze, move, refreeze)
    response = cast.client("manager").post(
        reverse("rollout:phase_advance", args=[unfreeze.pk]),
        {"override": "on", "reason": "Die Messe."},
        **DE,
    )
    assert response.status_code == 400
    assert "Bitte wählen Sie, was mit den offenen Maßnahmen geschieht." in response.text
    assert "Die Messe.</textarea>" in response.text  # the input is kept
    assert not GateDecision.objects.exists() and _spans(unfreeze, move, refreeze) == before
    wrong = cast.client("manager").post(
        reverse("rollout:phase_advance", args=[unfreeze.pk]),
        {"override": "on", "reason": "Die Messe.", "open_activities": "everywhere"},
        **DE,
    )
    assert wrong.status_code == 400 and not GateDecision.objects.exists()


def test_advancing_from_the_page_moves_them_and_the_log_says_who_and_what(cast, soon):
    unfreeze, move, _, planned, running, *_ = soon
    client = cast.client("manager")
    url = reverse("rollout:phase_advance", args=[unfreeze.pk])
    data = {"override": "on", "reason": "Die Messe.", "open_activities": "move"}
    first = client.post(url, data, **DE)
    decision = GateDecision.objects.get()
    assert first["Location"].endswith(f"#decision-{decision.pk}")
    second = client.post(url, data, **DE)  # a double submit
    assert second.status_code == 302 and GateDecision.objects.count() == 1
    assert move.activities.filter(pk__in=[planned.pk, running.pk]).count() == 2
    move.refresh_from_db()
    assert move.start_date == timezone.localdate()
    log = re.sub(r"\s+", " ", client.get(reverse("rollout:phase_gate", args=[move.pk]), **DE).text)
    assert "Entschieden von Mara Manager" in log
    assert (
        "Offene Maßnahmen:</strong> 2 offene Maßnahmen wurden nach „Verändern“ verschoben." in log
    )


@pytest.mark.parametrize("who", ["anonymous", "employee", "head_a", "leadership"])
def test_only_the_manager_advances_and_chooses(cast, soon, who):
    unfreeze, move, refreeze, planned, *_ = soon
    before = _spans(unfreeze, move, refreeze)
    response = cast.client(who).post(
        reverse("rollout:phase_advance", args=[unfreeze.pk]),
        {"override": "on", "reason": "Die Messe.", "open_activities": "cancel"},
        **DE,
    )
    expect_status(response, "login" if who == "anonymous" else "404")
    planned.refresh_from_db()
    assert planned.status == ActivityStatus.PLANNED
    assert not GateDecision.objects.exists() and _spans(unfreeze, move, refreeze) == before
    if who == "leadership":  # reads the gate, without the form
        page = cast.client(who).get(reverse("rollout:phase_gate", args=[unfreeze.pk]), **DE)
        assert page.status_code == 200 and 'name="open_activities"' not in page.text


def test_the_gate_page_queries_do_not_grow_with_the_activities(cast, soon):
    unfreeze, *_ = soon
    client = cast.client("manager")
    url = reverse("rollout:phase_gate", args=[unfreeze.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url, **DE)
    for number in range(15):
        services.activity_create(phase=unfreeze, title=f"M{number}", kind="meeting", by=None)
    client.get(url)  # the navigation's cache is filled again after the writes
    with CaptureQueriesContext(connection) as many:
        assert "17 Maßnahmen" in client.get(url, **DE).text
    assert len(many.captured_queries) == len(few.captured_queries)
