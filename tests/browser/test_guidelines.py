"""In Chromium: the manager takes version 2 of the guideline (one section changed) through
works council review and publishes it; an employee without an account opens the personal link
from the email, sees the changed section first, answers the comprehension check and
acknowledges; the compliance view counts it."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from guidelines.models import Acknowledgment, AcknowledgmentMethod
from guidelines.services.guidelines import acknowledgment_record
from rollout.models import Role
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGED = factories.GUIDELINE_BODY.replace(
    "Bei einem Shitstorm nicht selbst antworten",
    "Bei einem Shitstorm nicht selbst antworten und nichts löschen",
)


def test_manager_publishes_v2_and_an_employee_acknowledges_from_the_email(
    page: Page, live_server, settings
):
    settings.NOTIFY_QUIET_HOURS = False
    settings.NOTIFY_WEEKLY_CAP = 0
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    sales = factories.DepartmentFactory(name="Vertrieb")
    erika = factories.PersonFactory(
        first_name="Erika", last_name="Muster", email="erika@example.de", department=sales
    )
    factories.PersonFactory(first_name="Paul", last_name="Papier", department=sales)
    v1 = factories.guideline_version("published")
    # Erika acknowledged version 1, so version 2 shows her what changed.
    acknowledgment_record(request=v1.requests.get(person=erika), method="link")
    v2 = factories.guideline_version("draft", guideline=v1.guideline, body=CHANGED)
    mail.outbox.clear()

    # The manager adds a question, sends the draft to the works council, records the approval
    # and publishes version 2 to everyone.
    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/guidelines/versions/{v2.pk}/")
    expect(page.locator("#version-status")).to_have_attribute("class", re.compile("status-draft"))
    page.locator("#id_text").fill("Was tun Sie bei einem Shitstorm?")
    page.locator("#id_choices").fill("Selbst antworten\nNichts löschen, das Team informieren")
    page.locator("#id_correct_choice").fill("2")
    page.locator("#question-add").click()
    expect(page.locator("#questions li").first).to_contain_text("Was tun Sie bei einem Shitstorm?")
    page.locator("#version-submit").click()
    expect(page.locator("#version-status")).to_have_attribute("class", re.compile("status-review"))
    page.locator("#id_approved_on").fill(timezone.localdate().isoformat())
    page.locator("#id_works_agreement_reference").fill("BV 2026/07, 1. Nachtrag")
    page.locator("#id_on_paper").fill("Beschluss in der Sitzung, Protokoll liegt vor")
    page.locator("#version-approve").click()
    expect(page.locator("#version-reference")).to_have_text("BV 2026/07, 1. Nachtrag")
    page.locator("#version-publish-link").click()
    page.locator("#publish-submit").click()
    expect(page).to_have_url(re.compile(rf"/guidelines/versions/{v2.pk}/compliance/$"))
    expect(page.locator("#overall-acknowledged")).to_contain_text("0 / 3")

    # The email to Erika carries her personal link.
    to_erika = [message for message in mail.outbox if "erika@example.de" in message.to[0]]
    assert len(to_erika) == 1
    path = re.search(r"https?://[^/\s]+(/g/\S+/)", to_erika[0].body).group(1)

    # Erika, with no account, opens it in her own browser.
    employee = page.context.browser.new_context(locale="de-DE")
    erika_page = employee.new_page()
    erika_violations = watch_csp(erika_page)
    erika_page.goto(f"{live_server.url}{path}")
    changed = erika_page.locator("#changed-sections")
    expect(changed).to_be_visible()
    expect(changed).to_contain_text("Krisen und Eskalation")
    expect(changed).to_contain_text("nichts löschen")
    expect(changed).not_to_contain_text("Betriebsgeheimnisse")  # unchanged: not repeated there
    box = changed.bounding_box()
    text_box = erika_page.locator("#text-heading").bounding_box()
    assert box["y"] < text_box["y"], "the changed section comes first"

    # A wrong answer: the button does not record anything yet.
    erika_page.get_by_label("Selbst antworten").check()
    erika_page.locator("#acknowledge-submit").click()
    expect(erika_page.locator("fieldset.question.has-error")).to_have_count(1)
    # The page moves to the question answered wrongly: its first choice has the focus.
    expect(erika_page.locator("fieldset.question.has-error input").first).to_be_focused()
    assert not Acknowledgment.objects.filter(person=erika, version=v2).exists()
    erika_page.get_by_label("Nichts löschen, das Team informieren").check()
    erika_page.locator("#acknowledge-submit").click()
    expect(erika_page.locator("#ack-done")).to_be_visible()
    # A reload (or the old link again) records nothing twice.
    erika_page.reload()
    expect(erika_page.locator("#ack-done")).to_be_visible()
    ack = Acknowledgment.objects.get(person=erika, version=v2)
    assert (ack.version_id, ack.method) == (v2.pk, AcknowledgmentMethod.LINK)

    # The compliance view counts her.
    page.reload()
    expect(page.locator("#overall-acknowledged")).to_contain_text("1 / 3")
    expect(page.locator(f"#missing-{erika.pk}")).to_have_count(0)
    employee.close()
    assert violations == [] and erika_violations == []
