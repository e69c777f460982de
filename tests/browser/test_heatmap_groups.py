"""In Chromium, German: the heatmap of a company with sites and divisions shows one row per
division and opens a division's departments in place from the keyboard; the stakeholder map
never breaks a name inside a word, on a laptop or a phone (issue 17)."""

import pytest
from playwright.sync_api import Page, expect

from rollout.models import Attitude, Role
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(1366, 768), (390, 844)]


def _fits(page: Page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


@pytest.fixture
def company():
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    rollout = factories.RolloutFactory(name="Social Media 2027")
    made = {}
    for site_name in ("Hamburg", "München", "Leipzig"):
        site = factories.DepartmentFactory(name=f"Standort {site_name}", parent=None)
        for division_name in ("Vertrieb", "Personal", "Produktion"):
            division = factories.DepartmentFactory(name=f"{division_name} {site_name}", parent=site)
            made[division.name] = division
            for team in ("Innendienst", "Außendienst", "Planung"):
                made[f"{division.name} / {team}"] = factories.DepartmentFactory(
                    name=f"{division.name} / {team}", parent=division
                )
    factories.StakeholderFactory(
        rollout=rollout,
        person=factories.PersonFactory(department=made["Vertrieb Hamburg / Außendienst"]),
        attitude=Attitude.RESISTANT,
        influence=5,
    )
    return {"manager": manager, "rollout": rollout, "departments": made}


@pytest.mark.parametrize("width,height", WIDTHS)
def test_a_division_opens_and_closes_in_place_from_the_keyboard(
    page: Page, live_server, company, width, height
):
    violations = watch_csp(page)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server, company["manager"].email)
    page.goto(f"{live_server.url}/rollouts/{company['rollout'].pk}/")
    division = company["departments"]["Vertrieb Hamburg"]
    team = company["departments"]["Vertrieb Hamburg / Außendienst"]
    toggle = page.locator(f"#heat-toggle-{division.pk}")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    summary = page.locator(f"#heat-group-{division.pk} td[data-signal=resistant_high_influence]")
    expect(summary).to_have_attribute("data-level", "bad")
    expect(summary).to_contain_text("1 von 4")
    expect(page.locator("th[scope=rowgroup]", has_text="Standort Hamburg")).to_be_visible()
    expect(page.locator(f"#readiness-{team.pk}")).to_have_count(0)
    page.evaluate("window.stillTheSamePage = true")

    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#readiness-{team.pk}")).to_be_visible()
    cell = page.locator(f"#readiness-{team.pk} td[data-signal=resistant_high_influence]")
    expect(cell).to_have_attribute("data-level", "bad")
    toggle = page.locator(f"#heat-toggle-{division.pk}")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_be_focused()
    assert _fits(page), f"the dashboard scrolls sideways at {width} px"

    page.keyboard.press("Enter")
    expect(page.locator(f"#readiness-{team.pk}")).to_have_count(0)
    expect(page.locator(f"#heat-toggle-{division.pk}")).to_have_attribute("aria-expanded", "false")
    expect(page.locator(f"#heat-toggle-{division.pk}")).to_be_focused()
    assert page.evaluate("window.stillTheSamePage") is True
    assert violations == []


# Names that are long single words: a browser would break or hyphenate them to fit a cell.
LONG_NAMES = [
    ("Maximiliane", "Schwarzenberger-Lüdenscheidt"),
    ("Hildegard", "Oberstudienratsvertretungsbeauftragte"),
    ("Jo", "Ng"),
]


@pytest.mark.parametrize("width,height", WIDTHS)
def test_stakeholder_names_never_break_inside_a_word(
    page: Page, live_server, company, width, height
):
    rollout = company["rollout"]
    chips = []
    for first, last in LONG_NAMES:
        chips.append(
            factories.StakeholderFactory(
                rollout=rollout,
                person=factories.PersonFactory(
                    first_name=first,
                    last_name=last,
                    department=company["departments"]["Personal Leipzig"],
                ),
                attitude=Attitude.SUPPORTIVE,
                influence=4,
            )
        )
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server, company["manager"].email)
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/stakeholders/")
    for stakeholder in chips:
        chip = page.locator(f"#chip-{stakeholder.pk}")
        expect(chip).to_be_visible()
        # Every word of the name lies on one line (one client rect) and inside its chip.
        broken = chip.evaluate(
            """el => {
              const text = el.firstChild;
              const words = [...text.data.matchAll(/[^\\s-]+/g)];
              const box = el.getBoundingClientRect();
              return words.filter(match => {
                const range = document.createRange();
                range.setStart(text, match.index);
                range.setEnd(text, match.index + match[0].length);
                const rects = [...range.getClientRects()];
                const lines = new Set(rects.map(r => Math.round(r.top)));
                return lines.size !== 1 || rects.some(r => r.right > box.right + 1);
              }).map(match => match[0]);
            }"""
        )
        assert broken == [], f"{broken} broken at {width} px"
        assert chip.evaluate("el => getComputedStyle(el).hyphens") == "manual"
    assert _fits(page), f"the stakeholder map scrolls sideways at {width} px"
