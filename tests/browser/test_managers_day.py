"""The social media manager's day in Chromium, end to end across the workspace (in German),
and leadership's read-only view of the dashboard (in English)."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from rollout import services
from rollout.models import (
    Activity,
    ActivityStatus,
    Attitude,
    AttitudeChange,
    GateDecision,
    Person,
    PhaseKind,
    Role,
    Rollout,
    StakeholderRole,
)
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HR_EXPORT = (
    "Vorname;Nachname;E-Mail;Abteilung\n"
    "Jana;Jürgens;jana.juergens@example.de;Vertrieb\n"
    "Kaputt;Zeile;keine-adresse;Vertrieb\n"
)


def test_the_managers_day(page: Page, live_server):
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    sven = factories.PersonFactory(first_name="Sven", last_name="Skeptisch")
    sign_in(page, live_server, manager.email)

    # No rollout yet: create one from the Lewin template.
    page.get_by_role("link", name="Einführung anlegen").click()
    page.locator("#id_name").fill("Social Media 2027")
    today = datetime.date.today()
    page.locator("#id_start_date").fill(today.isoformat())
    page.locator("#id_end_date").fill((today + datetime.timedelta(days=365)).isoformat())
    page.locator("input[name=template][value=lewin]").check()
    page.get_by_role("button", name="Einführung anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Social Media 2027")
    rollout = Rollout.objects.get(name="Social Media 2027")
    assert Activity.objects.filter(phase__rollout=rollout).count() >= 12
    unfreeze = rollout.phases.get(kind=PhaseKind.UNFREEZE)

    # Add an activity inline on the phase board and complete it.
    page.get_by_role("navigation").get_by_role("link", name="Plan").click()
    create = page.locator(f"#create-form-{unfreeze.pk}")
    create.locator(f"#id_new-{unfreeze.pk}-title").fill("Fotos vom Sommerfest posten")
    create.get_by_test_id("add-activity").click()
    expect(page.locator(f"#phase-rows-{unfreeze.pk}")).to_contain_text("Fotos vom Sommerfest")
    added = Activity.objects.get(title="Fotos vom Sommerfest posten")
    page.locator(f"#activity-{added.pk}").get_by_test_id("complete").click()
    expect(page.locator(f"#activity-{added.pk}").get_by_test_id("reopen")).to_be_visible()
    added.refresh_from_db()
    assert added.status == ActivityStatus.DONE

    # Import people from an HR export with one bad row: the preview says why.
    page.get_by_role("navigation").get_by_role("link", name="Abteilungen").click()
    page.locator("#people-import-link").click()
    page.locator("#people-import-form input[type=file]").set_input_files(
        files=[{"name": "export.csv", "mimeType": "text/csv", "buffer": HR_EXPORT.encode()}]
    )
    page.locator("#people-import-form button[type=submit]").click()
    expect(page.locator("#import-counts [data-count=reject]")).to_have_text("1")
    expect(page.locator("#import-line-3 .row-errors")).to_contain_text("keine-adresse")
    page.locator("#import-confirm").click()
    expect(page.locator("#department-table")).to_contain_text("Vertrieb")
    assert Person.objects.filter(email="jana.juergens@example.de").exists()
    assert not Person.objects.filter(last_name="Zeile").exists()

    # Move a sceptical stakeholder on the map after a good talk.
    stakeholder = services.stakeholder_add(
        rollout=rollout,
        person=sven,
        role=StakeholderRole.DEPARTMENT_HEAD,
        influence=4,
        attitude=Attitude.SCEPTICAL,
        by=manager,
    )
    page.get_by_role("navigation").get_by_role("link", name="Beteiligte").click()
    page.locator(f"#chip-{stakeholder.pk}").click()
    panel = page.locator("#stakeholder-panel")
    panel.locator("#attitude-attitude").select_option(str(Attitude.SUPPORTIVE.value))
    panel.locator("#attitude-note").fill("Nach dem Workshop überzeugt")
    panel.locator("#attitude-submit").click()
    expect(
        page.locator(f"#cell-4-{Attitude.SUPPORTIVE.value} #chip-{stakeholder.pk}")
    ).to_be_visible()
    assert AttitudeChange.objects.filter(
        stakeholder=stakeholder, note="Nach dem Workshop überzeugt"
    ).exists()

    # Leave the unfreeze phase although not every criterion is met: an override with a reason.
    page.goto(f"{live_server.url}/phases/{unfreeze.pk}/gate/")
    page.locator("#advance-override").check()
    page.locator("#advance-reason").fill("Die Geschäftsführung will vor der Messe starten.")
    page.get_by_label("In die nächste Phase verschieben").check()  # the open activities
    page.get_by_test_id("advance").click()
    expect(page.locator("#gate-log")).to_contain_text("Die Geschäftsführung will vor der Messe")
    decision = GateDecision.objects.get(phase=unfreeze)
    assert decision.all_met is False and decision.decided_by == manager
    assert decision.open_activities == "move" and decision.open_activities_count > 0
    assert rollout.phases.get(kind=PhaseKind.MOVE).status == "active"

    # The dashboard shows what happened today.
    page.get_by_role("navigation").get_by_role("link", name="Übersicht").click()
    expect(page.locator("#readiness-heatmap")).to_be_visible()
    assert violations == []


def test_leadership_sees_the_dashboard_read_only_in_english(page: Page, live_server):
    violations = watch_csp(page)
    leader = browser_user("lena@example.de", "Lena Leitung", Role.LEADERSHIP)
    rollout = factories.RolloutFactory(name="Social Media 2027", sponsor=leader.person)
    phase = rollout.phases.get(kind=PhaseKind.UNFREEZE)
    services.activity_create(
        phase=phase, title="Kick-off mit der Geschäftsführung", kind="meeting", by=None
    )

    sign_in(page, live_server, leader.email)
    page.get_by_label("Sprache").select_option("en")
    page.get_by_role("button", name="Wechseln").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What social media brings us")
    page.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Phases")).to_be_visible()
    expect(page.get_by_text("Read-only view")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Kick-off mit der Geschäftsführung")
    expect(page.locator("main form[action*='/status/']")).to_have_count(0)
    # The plan is read-only too, and the stakeholder map (individual attitudes) is not shown.
    page.get_by_role("navigation").get_by_role("link", name="Plan").click()
    expect(page).to_have_url(re.compile(rf"/rollouts/{rollout.pk}/plan/$"))
    expect(page.locator("[data-testid=add-activity]")).to_have_count(0)
    expect(page.get_by_role("navigation").get_by_role("link", name="Stakeholders")).to_have_count(0)
    response = page.request.get(f"{live_server.url}/rollouts/{rollout.pk}/stakeholders/")
    assert response.status == 404
    assert violations == []
