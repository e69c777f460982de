"""In Chromium, in German (locale de-DE, Accept-Language: de): a date typed once survives every
later opening of the form. The manager edits a guideline version twice, sends it to the works
council (the text is then frozen, the page says why), records the approval with the prefilled
date and publishes it with its effective date intact; a training's date is changed and is still
there when the form is opened again."""

import datetime
import re
import zoneinfo

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import Page, expect

from guidelines.models import GuidelineVersion, TrainingSession, VersionStatus
from rollout.models import Role
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _send_at_any_hour(settings):
    settings.NOTIFY_QUIET_HOURS = False
    settings.NOTIFY_WEEKLY_CAP = 0


@pytest.fixture
def german(page: Page) -> Page:
    page.set_extra_http_headers({"Accept-Language": "de"})
    return page


def test_a_guideline_version_edited_twice_is_published_with_its_effective_date(
    german: Page, live_server
):
    page = german
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    factories.PersonFactory(first_name="Erika", last_name="Muster", email="erika@example.de")
    v1 = factories.guideline_version("published")
    v2 = factories.guideline_version("draft", guideline=v1.guideline)
    GuidelineVersion.objects.filter(pk=v2.pk).update(effective_date=None)
    effective = timezone.localdate() + datetime.timedelta(days=21)
    edit_url = f"{live_server.url}/guidelines/versions/{v2.pk}/edit/"

    sign_in(page, live_server, manager.email)
    expect(page.locator("html")).to_have_attribute("lang", "de")

    # First edit: the effective date and a summary.
    page.goto(edit_url)
    page.get_by_label("Gültig ab").fill(effective.isoformat())
    page.locator("#id_change_summary").fill("Neu: Abschnitt zu Fotos.")
    page.locator("#version-save").click()
    expect(page).to_have_url(re.compile(rf"/guidelines/versions/{v2.pk}/$"))

    # Second edit: only the text. The date is there when the form opens again.
    page.goto(edit_url)
    expect(page.get_by_label("Gültig ab")).to_have_value(effective.isoformat())
    body = page.locator("#id_body")
    body.fill(body.input_value() + "\n\n# Fotos\n\nFotos nur mit Einverständnis.\n")
    page.locator("#version-save").click()
    expect(page).to_have_url(re.compile(rf"/guidelines/versions/{v2.pk}/$"))
    page.goto(edit_url)
    expect(page.get_by_label("Gültig ab")).to_have_value(effective.isoformat())
    page.goto(f"{live_server.url}/guidelines/versions/{v2.pk}/")

    # To the works council: the text is frozen, the page says why; the fingerprint is shown.
    page.locator("#version-submit").click()
    expect(page.locator("#version-status")).to_have_attribute("class", re.compile("status-review"))
    expect(page.locator("#frozen-note")).to_contain_text("Der Betriebsrat prüft genau diesen Text")
    v2.refresh_from_db()
    expect(page.locator("#version-hash")).to_have_text(v2.submitted_text_hash[:12])
    page.locator("#version-edit-link").click()
    expect(page.locator("#frozen-note")).to_be_visible()
    expect(page.locator("#id_body")).to_have_count(0)
    expect(page.get_by_label("Gültig ab")).to_have_value(effective.isoformat())
    page.goto(f"{live_server.url}/guidelines/versions/{v2.pk}/")

    # The approval date comes prefilled (today) and is kept.
    expect(page.locator("#id_approved_on")).to_have_value(timezone.localdate().isoformat())
    page.locator("#id_works_agreement_reference").fill("BV 2026/07, 2. Nachtrag")
    page.locator("#id_on_paper").fill("Unterschriebene Vereinbarung vom Betriebsrat erhalten")
    page.locator("#version-approve").click()
    expect(page.locator("#version-reference")).to_have_text("BV 2026/07, 2. Nachtrag")

    # Published with the date the manager typed at the start.
    page.locator("#version-publish-link").click()
    with translation.override("de"):
        shown = formats.date_format(effective, "DATE_FORMAT")
    expect(page.locator("#publish-effective")).to_contain_text(shown)
    page.locator("#publish-submit").click()
    expect(page).to_have_url(re.compile(rf"/guidelines/versions/{v2.pk}/compliance/$"))
    v2.refresh_from_db()
    assert v2.status == VersionStatus.PUBLISHED
    assert v2.effective_date == effective and not v2.effective_on_publication
    page.goto(f"{live_server.url}/guidelines/versions/{v2.pk}/")
    expect(page.locator("#version-effective")).to_have_text(shown)
    expect(page.locator("#history")).to_contain_text("Vom Betriebsrat zugestimmt")
    assert violations == []


def test_a_trainings_date_is_kept_when_its_form_is_opened_again(german: Page, live_server):
    page = german
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    day = timezone.localdate() + datetime.timedelta(days=3)
    sales = factories.DepartmentFactory(name="Vertrieb")
    factories.PersonFactory(first_name="Anna", last_name="Auer", department=sales)
    session = factories.training_session(
        starts_at=datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=BERLIN),
        ends_at=datetime.datetime.combine(day, datetime.time(11, 15), tzinfo=BERLIN),
        departments=[sales],
    )
    edit_url = f"{live_server.url}/trainings/{session.pk}/edit/"
    sign_in(page, live_server, manager.email)

    page.goto(edit_url)
    expect(page.locator("#id_date")).to_have_value(day.isoformat())
    expect(page.locator("#id_start_time")).to_have_value("09:30")
    expect(page.locator("#id_end_time")).to_have_value("11:15")

    # Saved once without touching the date: nothing refuses it, nothing is emptied.
    page.locator("#id_room").fill("Raum 3.01")
    page.locator("#session-submit").click()
    expect(page).to_have_url(re.compile(rf"/trainings/{session.pk}/$"))

    later = day + datetime.timedelta(days=7)
    page.goto(edit_url)
    expect(page.locator("#id_date")).to_have_value(day.isoformat())
    page.locator("#id_date").fill(later.isoformat())
    page.locator("#session-submit").click()
    expect(page).to_have_url(re.compile(rf"/trainings/{session.pk}/$"))

    page.goto(edit_url)
    expect(page.locator("#id_date")).to_have_value(later.isoformat())
    expect(page.locator("#id_start_time")).to_have_value("09:30")
    session.refresh_from_db()
    starts = session.starts_at.astimezone(BERLIN)
    assert starts.date() == later and starts.time() == datetime.time(9, 30)
    assert session.room == "Raum 3.01"
    assert TrainingSession.objects.count() == 1
