"""In Chromium: leadership opens the reports page, creates a report, sees it in the history
and downloads the PDF (Celery is eager in tests, so the report is ready at once)."""

import pytest
from playwright.sync_api import Page, expect

from reports.models import Report, ReportStatus
from rollout.models import Role
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def test_leadership_creates_and_downloads_a_report(page: Page, live_server):
    violations = watch_csp(page)
    browser_user("lena@example.de", "Lena Leitung", Role.LEADERSHIP)
    rollout = factories.RolloutFactory(name="Social Media 2027")
    sign_in(page, live_server, "lena@example.de")
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/reports/")
    expect(page.locator("tr.empty")).to_be_visible()
    form = page.locator(f'form[action="/rollouts/{rollout.pk}/reports/new/"]')
    form.locator("select").select_option("en")
    form.locator("button[type=submit]").click()
    # The new row arrives through htmx, without a reload, in the live region.
    report_row = page.locator("#report-rows tr[id^=report-]")
    expect(report_row).to_have_count(1)
    download_link = report_row.locator("a[href$='/download/']")
    expect(download_link).to_be_visible()
    report = Report.objects.get()
    assert report.status == ReportStatus.READY
    assert report.language == "en"
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename == report.filename
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert violations == []
