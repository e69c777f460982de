"""In Chromium: the manager works on the phase board inline (add, edit, complete, reorder)
and passes a gate with an override; the gate log shows the decision. Leadership reads."""

import re

import pytest
from playwright.sync_api import Page, expect

from rollout.models import Activity, ActivityStatus, GateDecision, PhaseKind, PhaseStatus, Role
from rollout.services import activity_create
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_plans_inline_and_passes_a_gate_with_an_override(page: Page, live_server):
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    rollout = factories.RolloutFactory(name="Social Media 2027")
    phase = rollout.phases.get(kind=PhaseKind.UNFREEZE)
    first = activity_create(
        phase=phase, title="Kick-off mit der Geschäftsführung", kind="meeting", by=None
    )

    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/plan/")
    counter = page.locator(f"#plan-counter-{phase.pk}")
    expect(counter).to_contain_text("0 von 1 erledigt")
    page.evaluate("window.stillTheSamePage = true")

    # Add an activity with the small form at the end of the phase.
    create = page.locator(f"#create-form-{phase.pk}")
    create.locator(f"#id_new-{phase.pk}-title").fill("Workshop Vertrieb")
    create.locator(f"#id_new-{phase.pk}-kind").select_option("workshop")
    create.get_by_test_id("add-activity").click()
    rows = page.locator(f"#phase-rows-{phase.pk} tr.activity")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Workshop Vertrieb")
    expect(counter).to_contain_text("0 von 2 erledigt")
    expect(page.locator(f"#id_new-{phase.pk}-title")).to_have_value("")
    added = Activity.objects.get(title="Workshop Vertrieb")

    # Edit it inline: row, form, row.
    row = page.locator(f"#activity-{added.pk}")
    row.get_by_test_id("edit").click()
    title = page.locator(f"#id_edit-{added.pk}-title")
    expect(title).to_be_focused()
    title.fill("Workshop Vertrieb und Marketing")
    row.get_by_test_id("save").click()
    expect(row.get_by_role("rowheader")).to_have_text("Workshop Vertrieb und Marketing")

    # Move it above the kick-off, then complete it: only the counter changes elsewhere.
    row.get_by_test_id("move-up").click()
    expect(rows.first).to_have_id(f"activity-{added.pk}")
    expect(rows.nth(1)).to_have_id(f"activity-{first.pk}")
    complete = row.get_by_test_id("complete")
    expect(complete).to_have_accessible_name("Erledigt Workshop Vertrieb und Marketing")
    complete.click()
    expect(row.get_by_test_id("reopen")).to_be_visible()
    expect(counter).to_contain_text("1 von 2 erledigt")
    assert page.evaluate("window.stillTheSamePage") is True, "htmx updated the page in place"
    added.refresh_from_db()
    assert added.status == ActivityStatus.DONE
    assert list(phase.activities.order_by("position").values_list("pk", flat=True)) == [
        added.pk,
        first.pk,
    ]

    # The gate: add a manual criterion, then advance despite the unmet ones.
    counter.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/phases/{phase.pk}/gate/$"))
    page.locator("#criterion-kind").select_option("manual")
    page.locator("#criterion-label").fill("IT hat LinkedIn freigeschaltet")
    page.get_by_test_id("add-criterion").click()
    expect(page.locator("table.criteria-table")).to_contain_text("IT hat LinkedIn freigeschaltet")

    page.get_by_label("In dieser Phase lassen").check()  # the kick-off is still open
    page.get_by_test_id("advance").click()  # without override: refused, nothing written
    expect(page.locator("#gate-advance .message.error")).to_be_visible()
    assert not GateDecision.objects.exists()
    page.locator("#advance-override").check()
    page.locator("#advance-reason").fill("Die Geschäftsführung will vor der Messe starten.")
    page.get_by_test_id("advance").click()

    log = page.locator("#gate-log")
    expect(log).to_contain_text("Die Geschäftsführung will vor der Messe starten.")
    expect(log).to_contain_text("Mara Manager")
    expect(log.locator("article.decision")).to_have_count(1)
    expect(log).to_contain_text("1 offene Maßnahme blieb in „Auftauen“.")
    decision = GateDecision.objects.get()
    assert not decision.all_met and decision.phase == phase
    assert (decision.open_activities, decision.open_activities_count) == ("leave", 1)
    assert {item["label"] for item in decision.snapshot} >= {"IT hat LinkedIn freigeschaltet"}
    phase.refresh_from_db()
    assert phase.status == PhaseStatus.COMPLETED
    assert rollout.phases.get(kind=PhaseKind.MOVE).status == PhaseStatus.ACTIVE
    assert violations == []


def test_leadership_reads_the_board_and_filters_it(page: Page, live_server):
    violations = watch_csp(page)
    leader = browser_user("lena@example.de", "Lena Leitung", Role.LEADERSHIP)
    rollout = factories.RolloutFactory(name="Social Media 2027")
    phase = rollout.phases.get(kind=PhaseKind.UNFREEZE)
    activity_create(phase=phase, title="Kick-off", kind="meeting", by=None)
    activity_create(phase=phase, title="Workshop", kind="workshop", by=None)

    sign_in(page, live_server, leader.email)
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/plan/")
    rows = page.locator(f"#phase-rows-{phase.pk} tr.activity")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-testid]")).to_have_count(0)
    expect(
        page.locator(
            "form[method=post][action*='/activities/'], form[method=post][action*='/plan/']"
        )
    ).to_have_count(0)

    page.locator("#filter-kind").select_option("workshop")  # htmx swaps the board
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Workshop")
    expect(page).to_have_url(re.compile(r"kind=workshop"))
    assert violations == []
