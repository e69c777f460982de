"""Geometry of a goal's line chart (inline SVG on the goal page, the leadership page and the
PDF): the values as a line, the target as a dashed line, the least-squares trend to the due
date as a dotted line. Plain numbers, so the templates only place lines and text."""

import datetime
from dataclasses import dataclass

from core.forms import format_number
from goals.forecast import GoalStatus, Point

WIDTH = 520
HEIGHT = 200
LEFT = 60
RIGHT = 12
TOP = 12
BOTTOM = 28


@dataclass
class Tick:
    x: float
    y: float
    text: str


@dataclass
class LineChart:
    width: int
    height: int
    values: str  # "x,y x,y ..." of the recorded values
    target_y: float
    target_text: str
    trend: tuple[float, float, float, float] | None  # x1, y1, x2, y2
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    last: Tick | None
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    bottom_y: int = HEIGHT - BOTTOM


def line_chart(
    *,
    points: list[Point],
    status: GoalStatus,
    baseline,
    target,
    start: datetime.date,
    due: datetime.date,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> LineChart:
    dates = [p.date for p in points] + [start, due]
    first, last_date = min(dates), max(dates)
    span_days = max((last_date - first).days, 1)
    numbers = [float(p.value) for p in points] + [float(baseline), float(target)]
    if status.forecast is not None:
        numbers.append(status.forecast)
    low, high = min(numbers), max(numbers)
    if high == low:
        high = low + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM

    def x(date: datetime.date) -> float:
        return round(LEFT + plot_w * (date - first).days / span_days, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - (value - low) / (high - low)), 1)

    trend = None
    if status.line is not None:
        since = points[0].date if points else start
        trend = (x(since), y(status.line.at(since)), x(due), y(status.line.at(due)))
    months = []
    cursor = datetime.date(first.year, first.month, 1)
    while cursor <= last_date:
        if cursor >= first:
            months.append(cursor)
        cursor = datetime.date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    step = max(1, len(months) // 6)
    x_ticks = [Tick(x(m), height - 8, f"{m:%m/%y}") for m in months[::step]]
    y_ticks = [
        Tick(LEFT - 6, y(value), format_number(round(value)))
        for value in (low + (high - low) * i / 4 for i in range(5))
    ]
    last = None
    if points:
        last = Tick(x(points[-1].date), y(float(points[-1].value)), format_number(points[-1].value))
    return LineChart(
        width=width,
        height=height,
        values=" ".join(f"{x(p.date)},{y(float(p.value))}" for p in points),
        target_y=y(float(target)),
        target_text=format_number(target),
        trend=trend,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        last=last,
        right_x=width - RIGHT,
        bottom_y=height - BOTTOM,
    )
