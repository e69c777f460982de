"""Progress, the least-squares forecast and the verdict."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from goals.forecast import Point, Verdict, goal_status, least_squares, worst

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _points(values, start=datetime.date(2026, 1, 5)):
    return [Point(start + datetime.timedelta(weeks=i), Decimal(v)) for i, v in enumerate(values)]


def _status(values, *, due=datetime.date(2026, 12, 31), baseline=1000, target=2000):
    return goal_status(
        points=_points(values),
        baseline=Decimal(baseline),
        target=Decimal(target),
        due_date=due,
        today=TODAY,
    )


def test_least_squares_fits_a_straight_line_exactly():
    line = least_squares(_points([100, 110, 120, 130]))
    assert round(line.slope * 7, 6) == 10
    assert round(line.at(datetime.date(2026, 1, 5) + datetime.timedelta(weeks=10)), 6) == 200


def test_least_squares_needs_two_dates():
    assert least_squares(_points([100])) is None
    assert least_squares([]) is None


def test_progress_is_the_share_of_the_way_from_baseline_to_target():
    assert _status([1000, 1250]).progress == 25


def test_a_pace_that_reaches_the_target_is_on_track():
    status = _status([1000 + 30 * week for week in range(10)])
    assert status.verdict == Verdict.ON_TRACK
    assert status.forecast_progress >= 100
    assert "current pace" in status.reason


def test_a_pace_just_short_is_at_risk_and_a_slow_one_off_track():
    # 51 weeks from the first value to the due date.
    short = _status([1000 + 17 * week for week in range(10)])
    assert short.verdict == Verdict.AT_RISK, short.forecast_progress
    slow = _status([1000 + 5 * week for week in range(10)])
    assert slow.verdict == Verdict.OFF_TRACK
    assert f"{slow.forecast_progress} %" in slow.reason


def test_a_falling_figure_with_a_lower_target_counts_the_right_way():
    status = _status([500 - 10 * week for week in range(10)], baseline=500, target=300)
    assert status.progress == 45
    assert status.verdict == Verdict.ON_TRACK


def test_no_values_at_risk_and_a_passed_due_date_off_track():
    assert _status([]).verdict == Verdict.AT_RISK
    passed = _status([1000, 1100], due=datetime.date(2026, 5, 1))
    assert passed.verdict == Verdict.OFF_TRACK


def test_a_reached_target_is_on_track_whatever_the_trend():
    assert _status([2100, 2050]).verdict == Verdict.ON_TRACK


def test_the_rollout_takes_the_worst_verdict():
    assert worst([Verdict.ON_TRACK, Verdict.AT_RISK]) == Verdict.AT_RISK
    assert worst([Verdict.OFF_TRACK, Verdict.AT_RISK]) == Verdict.OFF_TRACK
