"""In Chromium: the manager imports an HR export with one bad row, sees why it is rejected,
confirms, and finds the new people on the department's page."""

import pytest
from playwright.sync_api import Page, expect

from rollout.models import Department, ImportStatus, PeopleImport, Person, Role
from tests import factories
from tests.browser.helpers import PASSWORD, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HR_EXPORT = (
    "\ufeffE-Mail;Vorname;Nachname;Abteilung;Position;Sprache\r\n"
    "jana.juergens@example.de;Jana;Jürgens;Kundenservice;Teamleitung;Deutsch\r\n"
    "keine-adresse;Kai;Kaputt;Kundenservice;;de\r\n"
    "ole.oster@example.de;Ole;Oster;Kundenservice;Service-Agent;English\r\n"
)


@pytest.fixture
def manager():
    user = factories.UserFactory(
        email="mara@example.de", full_name="Mara Manager", password=PASSWORD, roles=[Role.MANAGER]
    )
    factories.PersonFactory(
        email=user.email, user=user, first_name="Mara", last_name="Manager", department=None
    )
    return user


def test_manager_imports_people_with_one_bad_row(page: Page, live_server, manager):
    violations = watch_csp(page)
    factories.RolloutFactory(name="Social Media 2027")
    sign_in(page, live_server, manager.email)

    page.goto(f"{live_server.url}/departments/")
    page.locator("#people-import-link").click()
    page.locator("#people-import-form input[type=file]").set_input_files(
        files=[
            {
                "name": "personal-export.csv",
                "mimeType": "text/csv",
                "buffer": HR_EXPORT.encode("utf-8"),
            }
        ]
    )
    page.locator("#people-import-form button[type=submit]").click()

    # The preview: two new people, one rejected with its reason; nothing written yet.
    expect(page.locator("#import-counts [data-count=create]")).to_have_text("2")
    expect(page.locator("#import-counts [data-count=reject]")).to_have_text("1")
    rejected = page.locator("#import-line-3")
    expect(rejected.locator(".action-badge.action-reject")).to_be_visible()
    expect(rejected.locator(".row-errors")).to_contain_text("keine-adresse")
    expect(page.locator("#import-line-2")).to_contain_text("jana.juergens@example.de")
    assert not Person.objects.filter(email="jana.juergens@example.de").exists()

    page.locator("#import-confirm").click()
    expect(page.locator("#department-table")).to_contain_text("Kundenservice")
    assert PeopleImport.objects.get().status == ImportStatus.APPLIED

    department = Department.objects.get(name="Kundenservice")
    page.locator(f"#department-{department.pk} a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kundenservice")
    members = page.locator("#department-members-table")
    expect(members).to_contain_text("Jana Jürgens")
    expect(members).to_contain_text("Ole Oster")
    expect(members).not_to_contain_text("Kaputt")
    assert Person.objects.get(email="ole.oster@example.de").language == "en"
    assert violations == []


def test_department_list_shows_the_readiness_heatmap_readably(page: Page, live_server, manager):
    rollout = factories.RolloutFactory(name="Social Media 2027")
    sales = factories.DepartmentFactory(name="Vertrieb")
    factories.StakeholderFactory(
        rollout=rollout, person=factories.PersonFactory(department=sales), attitude=5
    )
    factories.DepartmentFactory(name="Einkauf")
    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/departments/")
    heatmap = page.locator("#readiness-heatmap table")
    expect(heatmap).to_be_visible()
    row = page.locator(f"#readiness-{sales.pk}")
    champion = row.locator("td[data-signal=champion]")
    expect(champion).to_have_class("heat heat-good")
    expect(champion.locator(".visually-hidden")).to_have_count(1)
    expect(page.locator("#readiness-summary")).to_be_visible()
    # Keyboard: the department link in the heatmap is reachable and opens the page.
    row.get_by_role("link", name="Vertrieb").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vertrieb")


def test_a_large_import_shows_its_progress_and_reloads_when_the_worker_is_done(
    page: Page, live_server, manager, settings, monkeypatch
):
    """Above PEOPLE_IMPORT_SYNC_MAX_ROWS the page waits for the worker, polls with htmx and
    shows the preview (and later the result) by itself, without a click."""
    from rollout.services import people_import_jobs

    settings.PEOPLE_IMPORT_SYNC_MAX_ROWS = 50
    handed: list[tuple[str, int]] = []
    # The worker is this test: what the web request hands over is recorded, not run inline.
    monkeypatch.setattr(
        people_import_jobs, "_enqueue", lambda task, pk: handed.append((task, pk)) or True
    )
    violations = watch_csp(page)
    sign_in(page, live_server, manager.email)
    lines = ["E-Mail;Vorname;Nachname;Abteilung"] + [
        f"gross{n}@example.de;Greta{n};Groß;Lager" for n in range(120)
    ]
    page.goto(f"{live_server.url}/people/import/")
    page.locator("#people-import-form input[type=file]").set_input_files(
        files=[{"name": "gross.csv", "mimeType": "text/csv", "buffer": "\r\n".join(lines).encode()}]
    )
    page.locator("#people-import-form button[type=submit]").click()
    expect(page.locator("#import-progress-text")).to_contain_text(
        "Warten auf den Hintergrunddienst"
    )
    people_import = PeopleImport.objects.get()
    assert handed == [("people_import_read", people_import.pk)]

    people_import_jobs.people_import_read(import_id=people_import.pk)
    expect(page.locator("#import-counts [data-count=create]")).to_have_text("120", timeout=10_000)

    page.locator("#import-confirm").click()
    expect(page.locator("#import-progress")).to_contain_text("im Hintergrund")
    assert handed[-1] == ("people_import_apply_rows", people_import.pk)
    assert not Person.objects.filter(last_name="Groß").exists()

    people_import_jobs.people_import_apply_run(import_id=people_import.pk)
    expect(page.locator("#import-status")).to_have_text("Übernommen", timeout=10_000)
    assert Person.objects.filter(last_name="Groß").count() == 120
    assert violations == []
