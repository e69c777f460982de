"""In Chromium, in German: the manager leaves the first phase three weeks early, reads on the
gate page which phases start earlier, moves the open activities to the next phase, and
finds them there on the plan, with the new dates."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rollout.models import ActivityStatus, GateDecision, Phase, PhaseKind, PhaseStatus, Role
from rollout.services import activity_create, activity_set_status
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = datetime.timedelta(days=1)
DASH = " \N{EN DASH} "


def _de(date: datetime.date) -> str:
    return date.strftime("%d.%m.%Y")


def test_advancing_early_moves_the_open_activities_and_the_next_phases_start_earlier(
    page: Page, live_server
):
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    rollout = factories.RolloutFactory(name="Social Media 2027")  # no sponsor
    phases = {p.kind: p for p in rollout.phases.all()}
    unfreeze, move, refreeze = (
        phases[PhaseKind.UNFREEZE],
        phases[PhaseKind.MOVE],
        phases[PhaseKind.REFREEZE],
    )
    today = timezone.localdate()
    for phase, start, end in (
        (unfreeze, today - 30 * DAY, today + 20 * DAY),
        (move, today + 21 * DAY, today + 100 * DAY),
        (refreeze, today + 101 * DAY, today + 200 * DAY),
    ):
        Phase.objects.filter(pk=phase.pk).update(start_date=start, end_date=end)
    kickoff = activity_create(phase=unfreeze, title="Kick-off", kind="meeting", by=None)
    workshop = activity_create(phase=unfreeze, title="Workshop Vertrieb", kind="workshop", by=None)
    activity_set_status(activity=workshop, status=ActivityStatus.IN_PROGRESS, by=None)

    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/phases/{unfreeze.pk}/gate/")
    preview = page.get_by_test_id("date-preview")
    expect(preview).to_contain_text(
        f"Die folgenden Phasen beginnen früher: Verändern ab {_de(today)} "
        f"(bis {_de(today + 79 * DAY)}), Stabilisieren ab {_de(today + 80 * DAY)}"
    )
    expect(preview).to_contain_text(f"„Auftauen“ endet am {_de(today)}")

    # Without a choice for the open activities the browser asks for one (the server would
    # refuse too): nothing is sent, nothing written.
    page.locator("#advance-override").check()
    page.locator("#advance-reason").fill("Die Messe beginnt früher.")
    page.get_by_test_id("advance").click()
    choice = page.get_by_role("group", name="Was geschieht mit den offenen Maßnahmen?")
    expect(choice).to_contain_text("2 Maßnahmen dieser Phase sind geplant oder in Arbeit.")
    first_option = choice.get_by_role("radio").first
    assert first_option.evaluate("input => input.validity.valueMissing") is True
    assert not GateDecision.objects.exists()

    choice.get_by_label("In die nächste Phase verschieben").check()
    page.get_by_test_id("advance").click()
    log = page.locator("#gate-log")
    expect(log).to_contain_text("Entschieden von Mara Manager")
    expect(log).to_contain_text("2 offene Maßnahmen wurden nach „Verändern“ verschoben.")

    # The plan, opened again: both activities in Verändern, which starts today.
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/plan/")
    move_rows = page.locator(f"#phase-rows-{move.pk} tr.activity")
    expect(move_rows).to_have_count(2)
    expect(move_rows.nth(0)).to_contain_text("Kick-off")
    expect(move_rows.nth(1)).to_contain_text("Workshop Vertrieb")
    expect(page.locator(f"#phase-rows-{unfreeze.pk} tr.activity")).to_have_count(0)
    expect(page.locator(f"#phase-dates-{move.pk}")).to_have_text(
        f"{_de(today)}{DASH}{_de(today + 79 * DAY)}"
    )
    expect(page.locator(f"#phase-dates-{refreeze.pk}")).to_have_text(
        f"{_de(today + 80 * DAY)}{DASH}{_de(today + 179 * DAY)}"
    )
    expect(page.locator(f"#phase-dates-{unfreeze.pk}")).to_have_text(
        f"{_de(today - 30 * DAY)}{DASH}{_de(today)}"
    )
    move.refresh_from_db()
    assert move.status == PhaseStatus.ACTIVE
    assert set(move.activities.values_list("pk", flat=True)) == {kickoff.pk, workshop.pk}
    assert violations == []
