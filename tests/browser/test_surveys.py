"""In Chromium on a phone-sized screen (390 px): a German and an English colleague answer the
pulse survey from the link in their email, each in their own language, without an account;
opening the link again shows the answer is recorded, and a second answer is not possible."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from surveys import services
from surveys.models import SurveyAnswer, SurveyInvitation
from tests import factories
from tests.browser.helpers import watch_csp

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
