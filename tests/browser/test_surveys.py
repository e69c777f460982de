"""In Chromium on a phone-sized screen (390 px): a German and an English colleague answer the
pulse survey from the link in their email, each in their own language, without an account;
opening the link again shows the answer is recorded, and a second answer is not possible. The
manager reads the result (small departments merged away, the free texts) and a double click on
the suggested next step puts one activity into the plan."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from rollout.models import Activity, Role
from surveys import services
from surveys.models import SurveyAnswer, SurveyInvitation
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp
from tests.surveys.helpers import answer_as, people_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _send_at_any_hour(settings):
    settings.NOTIFY_QUIET_HOURS = False


def _link(email: str) -> str:
    message = next(m for m in mail.outbox if email in m.to[0])
    return urlsplit(re.search(r"https?://\S+/survey/\S+/", message.body).group(0)).path


def _fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(
    ("language", "locale", "texts"),
    [
        (
            "de",
            "de-DE",
            {
                "hint": "1 = gar nicht, 5 = voll und ganz",
                "question": "Ich weiß, warum wir Social Media in unserer Arbeit einführen.",
                "open": "Was würde Ihnen jetzt am meisten helfen?",
                "send": "Antwort senden",
                "done": "Ihre Antwort ist gespeichert",
                "thanks": "Vielen Dank: Ihre Antwort ist gespeichert.",
            },
        ),
        (
            "en",
            "en-GB",
            {
                "hint": "1 = not at all, 5 = fully",
                "question": "I know why we are bringing social media into our work.",
                "open": "What would help you most right now?",
                "send": "Send my answer",
                "done": "Your answer is recorded",
                "thanks": "Thank you: your answer has been recorded.",
            },
        ),
    ],
)
def test_answering_the_survey_on_a_phone(browser, live_server, language, locale, texts):
    rollout = factories.RolloutFactory(name="Social Media 2027")
    sales = factories.DepartmentFactory(name="Vertrieb")
    person = factories.PersonFactory(
        first_name="Anna",
        last_name="Auer",
        email="anna@example.de",
        department=sales,
        language=language,
    )
    survey = services.survey_create(rollout=rollout, title="Puls Dezember", by=None)
    services.wave_start(survey=survey, by=None)
    link = _link(person.email)

    context = browser.new_context(viewport=PHONE, locale=locale, timezone_id="Europe/Berlin")
    page = context.new_page()
    violations = watch_csp(page)
    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_role("heading", name="Puls Dezember")).to_be_visible()
    expect(page.get_by_text(texts["hint"])).to_be_visible()
    assert page.locator("html").get_attribute("lang") == language
    assert _fits_the_screen(page)

    # Sending without choosing keeps the page and says what is missing.
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.locator("#question-awareness .errorlist")).to_be_visible()
    assert not SurveyAnswer.objects.exists()

    for index, dimension in enumerate(
        ("awareness", "desire", "knowledge", "ability", "reinforcement")
    ):
        group = page.locator(f"#question-{dimension}")
        choice = group.locator("label", has_text=re.compile(rf"^{index % 5 + 1}$"))
        choice.click()
        expect(group.locator(f"input[value='{index % 5 + 1}']")).to_be_checked()
    expect(page.locator("#question-awareness legend")).to_have_text(texts["question"])
    page.get_by_label(texts["open"]).fill("Mehr Zeit" if language == "de" else "More time")
    assert _fits_the_screen(page)
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.locator("#messages")).to_contain_text(texts["thanks"])
    expect(page.locator("#survey-answered")).to_contain_text(texts["done"])

    answer = SurveyAnswer.objects.get()
    assert (answer.awareness, answer.desire, answer.reinforcement) == (1, 2, 5)
    assert answer.department_id == sales.pk
    assert SurveyInvitation.objects.get(person=person).answered_on is not None

    # Opened again (from the email, later): recorded, no form to answer twice.
    page.goto(f"{live_server.url}{link}")
    expect(page.locator("#survey-answered")).to_contain_text(texts["done"])
    expect(page.locator("#survey-form")).to_have_count(0)
    assert _fits_the_screen(page)
    assert SurveyAnswer.objects.count() == 1
    assert violations == []
    context.close()


def test_the_manager_reads_the_result_and_plans_the_suggested_activity_once(
    page: Page, live_server
):
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    rollout = factories.RolloutFactory(name="Social Media 2027")
    marketing = factories.DepartmentFactory(name="Marketing")
    purchasing = factories.DepartmentFactory(name="Einkauf")
    marketing_people = people_in(marketing, 5)
    purchasing_people = people_in(purchasing, 2)
    survey = services.survey_create(rollout=rollout, title="Puls Dezember", by=manager)
    wave = services.wave_start(survey=survey, by=manager)
    answer_as(wave, marketing_people, ability=2, comment="Uns fehlen Diensthandys")
    answer_as(wave, purchasing_people, ability=1)

    sign_in(page, live_server, manager.email)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Umfragen"
    ).click()
    page.get_by_role("link", name="Puls Dezember").click()
    expect(page.locator(f"#group-d{marketing.pk}")).to_contain_text("Marketing")
    expect(page.locator(f"#group-d{marketing.pk} td.weakest")).to_have_text("2,0")
    expect(page.locator("#result-hidden")).to_contain_text("2 Antworten")
    expect(page.locator("#comments")).to_contain_text("Uns fehlen Diensthandys")
    expect(page.locator("#result-table")).not_to_contain_text("Einkauf")

    button = page.locator(f"#follow-up-button-d{marketing.pk}")
    expect(button).to_have_text("Einplanen: Coaching und Ressourcen")
    button.dblclick()
    expect(page.locator(f"#follow-up-d{marketing.pk} a")).to_contain_text("Im Plan")
    assert Activity.objects.filter(title__startswith="Coaching und Ressourcen").count() == 1
    page.reload()  # the page opened again: the button is gone, the link stays
    expect(page.locator(f"#follow-up-d{marketing.pk} a")).to_contain_text("Im Plan")
    page.locator(f"#follow-up-d{marketing.pk} a").click()
    expect(page.get_by_text("Coaching und Ressourcen (Marketing)")).to_be_visible()
    assert violations == []
