"""Chart geometry for the PDF report's inline SVG (templates/pdf/charts/): plain numbers, so
the templates only place rectangles and text. Greys and patterns keep them readable in black
and white; every value is also written as text."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from goals.charts import line_chart
from reports.selectors import MIN_GROUP

# Two goal charts side by side on an A4 page.
GOAL_CHART_WIDTH = 330
GOAL_CHART_HEIGHT = 150

BAR_HEIGHT = 14
BAR_GAP = 6
LABEL_WIDTH = 190
PLOT_WIDTH = 260


@dataclass
class Bar:
    label: str
    width: float  # 0..PLOT_WIDTH
    text: str
    y: int


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH

    @property
    def text_x(self) -> int:
        return self.label_width + self.plot_width + 6

    @property
    def width(self) -> int:
        return self.label_width + self.plot_width + 60


def bar_chart(title: str, rows: list[tuple[str, int | None]], *, unit: str = " %") -> BarChart:
    """Horizontal bars of percentages (None: no data, drawn empty with a dash)."""
    bars = []
    for index, (label, value) in enumerate(rows):
        width = PLOT_WIDTH * max(0, min(value, 100)) / 100 if value is not None else 0
        text = f"{value}{unit}" if value is not None else "\N{EN DASH}"
        bars.append(Bar(label=label[:40], width=width, text=text, y=index * (BAR_HEIGHT + BAR_GAP)))
    return BarChart(title=title, bars=bars, height=max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP))


@dataclass
class Segment:
    label: str
    x: float
    width: float
    text: str
    fill: str  # a grey or a pattern id


@dataclass
class StackedBar:
    title: str
    segments: list[Segment]
    width: int = LABEL_WIDTH + PLOT_WIDTH + 60


FILLS = ["url(#hatch)", "#555", "#999", "#ccc", "url(#dots)"]


def stacked_bar(title: str, parts: list[tuple[str, int, str]]) -> StackedBar:
    """One bar split into parts (label, count, text); each part keeps its own fill."""
    total = sum(count for _label, count, _text in parts) or 1
    full = LABEL_WIDTH + PLOT_WIDTH
    x, segments = 0.0, []
    for index, (label, count, text) in enumerate(parts):
        width = full * count / total
        segments.append(
            Segment(label=label, x=x, width=width, text=text, fill=FILLS[index % len(FILLS)])
        )
        x += width
    return StackedBar(title=title, segments=segments)


def charts_for(figures) -> dict:
    """The charts of a report's figures."""

    dashboard = figures.dashboard
    hidden = _("fewer than %(count)s") % {"count": MIN_GROUP}
    return {
        "goals": [
            (
                row,
                line_chart(
                    points=row.points,
                    status=row.status,
                    baseline=row.goal.baseline,
                    target=row.goal.target,
                    start=row.goal.start_date,
                    due=row.goal.due_date,
                    width=GOAL_CHART_WIDTH,
                    height=GOAL_CHART_HEIGHT,
                ),
            )
            for row in figures.goals
        ],
        "phases": bar_chart(
            _("Activities done per phase"),
            [(str(s.phase.get_kind_display()), s.percent_done) for s in dashboard.phases],
        ),
        "attitudes": stacked_bar(
            _("Stakeholder attitudes"),
            [
                (
                    str(bar.attitude.label),
                    0 if bar.hidden else bar.count,
                    hidden if bar.hidden else str(bar.count),
                )
                for bar in figures.attitudes
            ],
        ),
        "guidelines": bar_chart(
            _("Guideline acknowledged per department"),
            [
                (entry.name, 100 * entry.acknowledged // entry.asked if entry.asked else None)
                for entry in figures.departments
            ],
        ),
        "training": bar_chart(
            _("Training coverage per department"),
            [(entry.name, 100 * entry.trained // entry.members) for entry in figures.departments],
        ),
        "trend": bar_chart(
            _("Content on time per week"),
            [(str(week.label), week.figures.on_time_percent) for week in figures.trend],
        ),
    }
