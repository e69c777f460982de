"""The leadership report's figures as CSV and XLSX, for people who build their own charts:
the same aggregates as the PDF (rollout.selectors.reports), one row per figure."""

import csv
import io

from django.utils.translation import gettext as _


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


HEADER = ("section", "subject", "figure", "value")


def figures_csv(figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in figure_rows(figures):
        writer.writerow([_safe_cell(value) for value in row])
    return out.getvalue()


def figures_xlsx(figures) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Figures")[:31])
    sheet.append(HEADER)
    for row in figure_rows(figures):
        sheet.append([_safe_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe_cell(value: object) -> object:
    """No spreadsheet formulas from user text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    return value
