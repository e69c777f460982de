"""The leadership report's figures as CSV and XLSX (core.exports writes both), for people who
build their own charts: the same aggregates as the PDF (reports.selectors), one row per figure."""

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy


def figure_rows(figures) -> list[tuple[str, str, str, object]]:
    """(section, subject, figure, value) rows."""
    rows: list[tuple[str, str, str, object]] = []
    summary = _("Executive summary")
    for key, now, before in figures.changes:
        rows.append((summary, figures.rollout.name, key, now))
        if before is not None:
            rows.append((summary, figures.rollout.name, f"{key}_previous", before))
    for phase in figures.dashboard.phases:
        name = str(phase.phase.get_kind_display())
        rows += [
            (_("Phases"), name, "activities", phase.total),
            (_("Phases"), name, "done_percent", phase.percent_done),
            (_("Phases"), name, "overdue", phase.overdue),
        ]
    for entry in figures.departments:
        for signal in entry.readiness.signals:
            if entry.attitude_hidden and signal.column.key in (
                "stakeholders",
                "average_attitude",
                "champion",
                "resistant_high_influence",
            ):
                continue
            rows.append((_("Department readiness"), entry.name, signal.column.key, signal.text))
        rows += [
            (_("Departments"), entry.name, "members", entry.members),
            (_("Departments"), entry.name, "trained", entry.trained),
            (_("Departments"), entry.name, "guideline_asked", entry.asked),
            (_("Departments"), entry.name, "guideline_acknowledged", entry.acknowledged),
        ]
    left = figures.acknowledgment_left
    rows.append(
        (
            _("Guideline acknowledgment"),
            figures.rollout.name,
            "guideline_left",
            "<5" if 0 < left < 5 else left,
        )
    )
    for bar in figures.attitudes:
        rows.append(
            (
                _("Stakeholder attitudes"),
                str(bar.attitude.label),
                "count",
                "<5" if bar.hidden else bar.count,
            )
        )
    for week in figures.trend:
        rows.append(
            (_("Content on time"), str(week.label), "on_time_percent", week.figures.on_time_percent)
        )
    for kpi in figures.kpis:
        rows.append((_("Key figures"), kpi.label, "latest", kpi.latest.kpi_value))
    return rows


HEADER = (
    gettext_lazy("Section"),
    pgettext_lazy("report figures column", "Subject"),
    gettext_lazy("Figure"),
    gettext_lazy("Value"),
)


def figures_csv_rows(figures) -> Iterator[tuple[object, ...]]:
    """The column titles, then the figures, for `core.exports.csv_response`."""
    yield HEADER
    yield from figure_rows(figures)
