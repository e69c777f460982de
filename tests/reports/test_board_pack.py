"""The board pack opens with the verdict and the goals against targets."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from guidelines.models import VersionStatus
from reports import services
from reports.models import Report
from tests import factories
from tests.goals.helpers import make_goal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def _pages(rollout, language):
    rendered, _summary = services.report_pdf(rollout=rollout, language=language)
    return [page.extract_text() for page in PdfReader(io.BytesIO(rendered.content)).pages]


def test_the_first_page_holds_the_verdict_and_each_goals_progress(cast):
    fast = make_goal(cast.rollout, weeks=20, per_week=40, key_figure="LinkedIn-Follower")
    slow = make_goal(cast.rollout, weeks=20, per_week=2, key_figure="Bewerbungen über Social Media")
    pages = _pages(cast.rollout, "en")
    first = pages[0]
    assert "Verdict: Off track" in first
    assert "Goals: 1 off track, 0 at risk, 1 on track." in first
    for goal, progress in ((fast, 76), (slow, 4)):
        assert goal.key_figure in first
        assert f"{progress} %" in first
    # The charts with the target line follow on the next page, before the contents.
    assert "Goals against targets" in pages[1] and "Target 2,000" in pages[1]


def test_the_german_pack_speaks_german_and_explains_a_reset_of_acknowledgments(cast):
    make_goal(cast.rollout, weeks=10, per_week=40)
    version = factories.guideline_version("published")
    assert version.status == VersionStatus.PUBLISHED
    pages = _pages(cast.rollout, "de")
    assert "Einschätzung: Im Plan" in pages[0] and "Prognose" in pages[0]
    text = "\n".join(pages[:3])
    assert "erneut" in text and version.guideline.title in text


def test_german_and_english_files_get_distinct_names(cast):
    today = timezone.now()
    german = Report(rollout=cast.rollout, language="de", created_at=today)
    english = Report(rollout=cast.rollout, language="en", created_at=today)
    assert german.filename != english.filename
    assert german.filename.startswith("fortschrittsbericht-")
    assert english.filename.startswith("progress-report-")
    assert datetime.date.today().year  # the date is part of both names
