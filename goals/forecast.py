"""Progress, the forecast at the current pace, and the verdict of a goal.

The forecast is a least-squares straight line through the recorded values (value against
day); the pages say so. Nothing here queries the database: it works on the values given.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

# A forecast reaching at least this share of the way to the target is "at risk", not "off track".
AT_RISK_FROM = 80


class Verdict(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")


VERDICT_ORDER = {Verdict.ON_TRACK: 0, Verdict.AT_RISK: 1, Verdict.OFF_TRACK: 2}


@dataclass(frozen=True)
class Point:
    date: datetime.date
    value: Decimal


@dataclass(frozen=True)
class Line:
    """value = intercept + slope * (date - origin).days"""

    origin: datetime.date
    slope: float  # per day
    intercept: float

    def at(self, date: datetime.date) -> float:
        return self.intercept + self.slope * (date - self.origin).days


def least_squares(points: Sequence[Point]) -> Line | None:
    """The least-squares line through the points; None for fewer than two distinct dates."""
    if len(points) < 2:
        return None
    origin = points[0].date
    xs = [float((p.date - origin).days) for p in points]
    ys = [float(p.value) for p in points]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return Line(origin=origin, slope=slope, intercept=mean_y - slope * mean_x)


def percent_of_way(value: float, *, baseline: Decimal, target: Decimal) -> int:
    """How far `value` has come from the baseline to the target, in whole percent (may be
    below 0 or above 100)."""
    span = float(target - baseline)
    return round((value - float(baseline)) / span * 100) if span else 0


@dataclass(frozen=True)
class GoalStatus:
    latest: Point | None
    progress: int | None  # percent of the way from baseline to target, latest value
    forecast: float | None  # value expected on the due date at the current pace
    forecast_progress: int | None
    line: Line | None
    verdict: Verdict
    reason: str


def goal_status(
    *,
    points: Sequence[Point],
    baseline: Decimal,
    target: Decimal,
    due_date: datetime.date,
    today: datetime.date,
) -> GoalStatus:
    """The goal's progress, forecast and verdict with its reason in one sentence."""
    points = sorted(points, key=lambda p: p.date)
    latest = points[-1] if points else None
    progress = (
        percent_of_way(float(latest.value), baseline=baseline, target=target) if latest else None
    )
    line = least_squares(points)
    forecast = line.at(due_date) if line else None
    forecast_progress = (
        percent_of_way(forecast, baseline=baseline, target=target) if forecast is not None else None
    )
    if latest is None:
        return GoalStatus(
            None, None, None, None, None, Verdict.AT_RISK, str(_("No value recorded yet."))
        )
    if progress >= 100:
        verdict, reason = Verdict.ON_TRACK, _("The target is reached.")
    elif due_date <= today:
        verdict, reason = Verdict.OFF_TRACK, _("The due date has passed without the target.")
    elif forecast_progress is None:
        verdict = Verdict.AT_RISK
        reason = _("Too few values for a forecast: at least two dates are needed.")
    elif forecast_progress >= 100:
        verdict = Verdict.ON_TRACK
        reason = _("At the current pace the target is reached by the due date.")
    elif forecast_progress >= AT_RISK_FROM:
        verdict = Verdict.AT_RISK
        reason = _(
            "At the current pace %(percent)s %% of the target is reached by the due date."
        ) % {"percent": forecast_progress}
    else:
        verdict = Verdict.OFF_TRACK
        reason = _(
            "At the current pace only %(percent)s %% of the target is reached by the due date."
        ) % {"percent": max(forecast_progress, 0)}
    return GoalStatus(latest, progress, forecast, forecast_progress, line, verdict, str(reason))


def worst(verdicts: Sequence[Verdict]) -> Verdict:
    return max(verdicts, key=lambda v: VERDICT_ORDER[v]) if verdicts else Verdict.ON_TRACK
