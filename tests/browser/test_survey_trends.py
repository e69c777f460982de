"""In Chromium on a phone (390 px): a department head goes from “Meine Abteilung” to their
department's pulse survey results and reads the trend per ADKAR dimension (no free text, no
other department); leadership reads the company's trend on their start page. Both pages fit
the screen (the tables scroll inside their card)."""

import pytest
from playwright.sync_api import expect

from rollout.models import Person, Role
from surveys import services
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp
from tests.surveys.helpers import answer_as, people_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SECRET = "Niemand fragt uns"


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_head_and_leadership_read_the_trend_on_a_phone(browser, live_server):
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    head = browser_user("hanna@example.de", "Hanna Haupt", Role.DEPARTMENT_HEAD)
    boss = browser_user("lena@example.de", "Lena Leitung", Role.LEADERSHIP)
    rollout = factories.RolloutFactory(name="Social Media 2027", sponsor=boss.person)
    sales = factories.DepartmentFactory(name="Vertrieb", head=Person.objects.get(user=head))
    purchasing = factories.DepartmentFactory(name="Einkauf")
    sales_people = people_in(sales, 5)
    purchasing_people = people_in(purchasing, 6)
    survey = services.survey_create(rollout=rollout, title="Puls Dezember", by=manager)
    wave = services.wave_start(survey=survey, by=manager)
    answer_as(wave, sales_people, desire=2, comment=SECRET)
    answer_as(wave, purchasing_people, desire=5, comment=SECRET)

    context = browser.new_context(viewport=PHONE, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    violations = watch_csp(page)
    sign_in(page, live_server, head.email)
    page.goto(f"{live_server.url}/my-department/")
    page.get_by_role("link", name="Ergebnisse der Pulsbefragungen der Abteilung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulsbefragungen: Vertrieb")
    table = page.locator(f"#department-trend-{survey.pk}")
    expect(table).to_contain_text("Wollen")
    expect(table).to_contain_text("2,0")
    expect(page.locator("main")).not_to_contain_text("Einkauf")
    expect(page.locator("main")).not_to_contain_text(SECRET)
    assert _fits_the_screen(page)
    assert violations == []
    context.close()

    context = browser.new_context(viewport=PHONE, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    sign_in(page, live_server, boss.email)
    page.goto(f"{live_server.url}/leadership/")
    section = page.locator("#leadership-surveys")
    expect(section).to_contain_text("Gesamtes Unternehmen")
    expect(section).to_contain_text("Einkauf")
    expect(section).not_to_contain_text(SECRET)
    assert _fits_the_screen(page)
    context.close()
