"""In Chromium, in German (locale de-DE, Accept-Language: de), issue 20's "done when": the
manager creates a goal (and finds it intact when the form opens again), imports a CSV of weekly
follower counts and sees the chart, progress and forecast; asking to leave a phase with unmet
criteria mails the sponsor; leadership signs in, sees the verdict, approves the gate exception
from the emailed link (read from the mail sink); the board pack's first page holds the verdict
and every goal's progress."""

import datetime
import io
import re

import pypdf
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from goals.models import Goal, GoalValue
from reports.models import Report, ReportStatus
from rollout.models import (
    CriterionKind,
    GateCriterion,
    GateDecision,
    GateException,
    GateExceptionState,
    PhaseKind,
    PhaseStatus,
    Role,
)
from tests import factories
from tests.browser.helpers import browser_user, sign_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.NOTIFY_QUIET_HOURS = False
    settings.NOTIFY_WEEKLY_CAP = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def german(page: Page) -> Page:
    page.set_extra_http_headers({"Accept-Language": "de"})
    return page


def _weekly_csv(start: datetime.date, weeks: int) -> bytes:
    """A network's export as German offices get it: semicolons, German dates and numbers."""
    lines = ["Datum;Follower gesamt;Neue Follower"]
    for week in range(weeks):
        day = start + datetime.timedelta(weeks=week)
        lines.append(f"{day:%d.%m.%Y};{1200 + 40 * week:,};40".replace(",", "."))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _mail_to(address: str) -> mail.EmailMessage:
    found = [message for message in mail.outbox if address in message.to[0]]
    assert found, f"no mail to {address}: {[m.to for m in mail.outbox]}"
    return found[-1]


def test_manager_sets_a_goal_and_leadership_approves_the_gate_and_reads_the_pack(
    german: Page, browser, live_server
):
    page = german
    violations = watch_csp(page)
    manager = browser_user("mara@example.de", "Mara Manager", Role.MANAGER)
    lena = browser_user("lena@example.de", "Lena Leitung", Role.LEADERSHIP)
    rollout = factories.RolloutFactory(name="Social Media 2027", sponsor=lena.person)
    unfreeze = rollout.phases.get(kind=PhaseKind.UNFREEZE)
    GateCriterion.objects.filter(phase=unfreeze).delete()
    GateCriterion.objects.create(
        phase=unfreeze, kind=CriterionKind.MANUAL, label="IT hat LinkedIn freigeschaltet"
    )
    today = timezone.localdate()
    start = today - datetime.timedelta(weeks=12)

    # The manager creates the goal, in German numbers, and opens the form again.
    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/rollouts/{rollout.pk}/goals/")
    page.get_by_role("link", name="Neues Ziel").click()
    page.get_by_label("Unternehmensziel").fill("Mehr qualifizierte Bewerbungen")
    page.locator("#id_sub_goal").select_option("employer_branding")
    page.locator("#id_key_figure").fill("LinkedIn-Follower")
    page.locator("#id_baseline").fill("1.200")
    page.locator("#id_target").fill("2.500")
    page.locator("#id_start_date").fill(start.isoformat())
    page.locator("#id_due_date").fill((today + datetime.timedelta(weeks=26)).isoformat())
    page.get_by_role("button", name="Ziel speichern").click()
    expect(page.locator("h1")).to_have_text("LinkedIn-Follower")
    goal = Goal.objects.get()
    page.goto(f"{live_server.url}/goals/{goal.pk}/edit/")
    expect(page.locator("#id_baseline")).to_have_value("1.200")
    expect(page.locator("#id_target")).to_have_value("2.500")
    expect(page.locator("#id_start_date")).to_have_value(start.isoformat())
    page.get_by_role("button", name="Ziel speichern").click()  # saved again unchanged
    goal.refresh_from_db()
    assert (goal.baseline, goal.target, goal.start_date) == (1200, 2500, start)

    # The weekly export: upload, map (guessed), preview, import.
    page.goto(f"{live_server.url}/goals/{goal.pk}/import/")
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "linkedin-follower.csv",
                "mimeType": "text/csv",
                "buffer": _weekly_csv(start, 13),
            }
        ]
    )
    page.get_by_role("button", name="Datei einlesen").click()
    page.locator("#id_value_column").select_option(label="Follower gesamt")
    page.get_by_role("button", name="Vorschau anzeigen").click()
    page.locator("#import-confirm").click()
    expect(page.locator("h1")).to_have_text("LinkedIn-Follower")
    assert GoalValue.objects.filter(goal=goal).count() == 13
    assert GoalValue.objects.get(goal=goal, date=start).value == 1200
    expect(page.locator("svg.goal-chart .value-line")).to_have_count(1)
    expect(page.locator("svg.goal-chart .target-line")).to_have_count(1)
    expect(page.locator("svg.goal-chart .trend-line")).to_have_count(1)
    expect(page.locator("#goal-status .goal-progress")).to_contain_text("% des Zielwerts")
    expect(page.locator("#goal-status .goal-forecast")).to_contain_text("Prognose")

    # Leaving the first phase with the criterion unmet asks the sponsor.
    page.goto(f"{live_server.url}/phases/{unfreeze.pk}/gate/")
    page.locator("#advance-override").check()
    page.locator("#advance-reason").fill("Die Messe beginnt, IT folgt nächste Woche.")
    page.locator("[data-testid=advance]").click()
    expect(page.locator("#gate-exception")).to_contain_text("Wartet auf die Sponsorin")
    assert GateException.objects.get().state == GateExceptionState.PENDING
    message = _mail_to(lena.email)
    link = re.search(r"https?://\S+/gate/exceptions/link/\S+/", message.body).group(0)
    link = re.sub(r"^https?://[^/]+", live_server.url, link)

    # Leadership signs in: the verdict on their start page, the exception waiting.
    leadership = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    leadership.set_extra_http_headers({"Accept-Language": "de"})
    lena_page = leadership.new_page()
    sign_in(lena_page, live_server, lena.email)
    lena_page.goto(f"{live_server.url}/")
    verdict = lena_page.locator("#rollout-verdict")
    expect(verdict).to_be_visible()
    verdict_word = verdict.locator(".verdict").inner_text()
    assert verdict_word in {"Im Plan", "Gefährdet", "Nicht im Plan"}, verdict_word
    expect(lena_page.locator("#leadership-needed")).to_contain_text("Ausnahme am Phasenübergang")
    expect(lena_page.locator("#leadership-goals")).to_contain_text("LinkedIn-Follower")

    # … and approves from the emailed link.
    lena_page.goto(link)
    expect(lena_page.locator("h1")).to_contain_text("trotz offener Kriterien abschließen?")
    expect(lena_page.locator("body")).to_contain_text("IT hat LinkedIn freigeschaltet")
    lena_page.locator("[data-testid=approve]").click()
    expect(lena_page.locator("#exception-state")).to_contain_text("Genehmigt von Lena Leitung")
    unfreeze.refresh_from_db()
    assert unfreeze.status == PhaseStatus.COMPLETED
    decision = GateDecision.objects.get()
    assert decision.exception.decided_by == lena.person and decision.exception.decided_from_link
    lena_page.goto(f"{live_server.url}/phases/{unfreeze.pk}/gate/")
    expect(lena_page.locator(f"#decision-{decision.pk}")).to_contain_text(
        "Ausnahme genehmigt von Lena Leitung"
    )

    # The board pack: its first page holds the verdict and each goal's progress.
    lena_page.goto(f"{live_server.url}/rollouts/{rollout.pk}/reports/")
    form = lena_page.locator(f'form[action="/rollouts/{rollout.pk}/reports/new/"]')
    form.locator("select").select_option("de")
    form.locator("button[type=submit]").click()
    download_link = lena_page.locator("#report-rows tr[id^=report-] a[href$='/download/']")
    expect(download_link).to_be_visible()
    assert Report.objects.get().status == ReportStatus.READY
    with lena_page.expect_download() as info:
        download_link.click()
    with open(info.value.path(), "rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    first = " ".join(reader.pages[0].extract_text().split())
    assert f"Gesamturteil: {verdict_word}" in first or verdict_word in first, first[:600]
    progress = goal.values.order_by("-date").first().value - goal.baseline
    percent = round(100 * progress / (goal.target - goal.baseline))
    assert "LinkedIn-Follower" in first and f"{percent} %" in first, first[:800]
    assert violations == []
    leadership.close()
