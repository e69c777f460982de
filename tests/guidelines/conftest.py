"""Guideline tests send their emails at any hour: the outbox's quiet hours are tested there."""

import pytest


@pytest.fixture(autouse=True)
def _mail_at_any_hour(settings):
    settings.NOTIFY_QUIET_HOURS = False
    settings.NOTIFY_WEEKLY_CAP = 0


@pytest.fixture(autouse=True)
def _fresh_diff_cache():
    """The acknowledgment page's per-process diff cache never leaks between tests."""
    from guidelines.selectors import guidelines

    guidelines._DIFF_CACHE.clear()
    yield
    guidelines._DIFF_CACHE.clear()
