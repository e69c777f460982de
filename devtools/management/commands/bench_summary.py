"""`manage.py bench_summary`: one readable table of every figure `make bench` wrote into
var/bench/results.json (pages, guideline publishing and acknowledgment, reminders under
faults, report rendering), each with its target and whether it is met."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    unit: str
    comparison: str  # "<", "<=", ">=" or "=="
    value: float

    def met(self, figure: float) -> bool:
        return {
            "<": figure < self.value,
            "<=": figure <= self.value,
            ">=": figure >= self.value,
            "==": figure == self.value,
        }[self.comparison]


TARGETS = (
    Target("dashboard_p95_ms", "Dashboard p95, 20 users", "ms", "<", 60),
    Target("plan_p95_ms", "Phase board p95, 20 users", "ms", "<", 40),
    Target("publish_20k_seconds", "Publish a guideline to 20,000 people", "s", "<", 10),
    Target("ack_p95_ms", "Acknowledgment page and action p95, 50 employees", "ms", "<", 30),
    Target("reminders_lost", "Reminders lost (SIGKILL x2, Redis restart)", "", "==", 0),
    Target("reminders_duplicated", "Reminders sent twice", "", "==", 0),
    Target("reminders_per_second", "Reminder throughput, 2 worker processes", "/s", ">=", 150),
    Target("report_seconds", "Leadership report render", "s", "<", 6),
    Target("report_peak_mib", "Leadership report peak memory", "MiB", "<", 400),
    Target("report_overhead_ratio", "Report time / WeasyPrint's own time", "", "<=", 1.15),
)


def summary_rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(figure, value, target, verdict) per target; a figure the results lack is "not run"."""
    rows = []
    for target in TARGETS:
        figure = results.get(target.key)
        goal = f"{target.comparison} {target.value:g} {target.unit}".rstrip()
        if not isinstance(figure, int | float):
            rows.append((target.label, "-", goal, "not run"))
            continue
        value = f"{figure:g} {target.unit}".rstrip()
        rows.append((target.label, value, goal, "ok" if target.met(figure) else "MISSED"))
    return rows


def summary_table(results: dict) -> str:
    header = ("figure", "value", "target", "")
    rows = [header, *summary_rows(results)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print every benchmark figure of var/bench/results.json with its target."
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--results", default=str(settings.VAR_DIR / "bench" / "results.json"))

    def handle(self, *args, **options) -> None:
        path = Path(options["results"])
        try:
            results = json.loads(path.read_text())
        except FileNotFoundError:
            raise CommandError(f"{path} does not exist yet: run `make bench` first.") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"{path} is not valid JSON: {error}") from None
        self.stdout.write(summary_table(results))
        missed = [row[0] for row in summary_rows(results) if row[3] == "MISSED"]
        if missed:
            self.stdout.write(self.style.WARNING(f"Missed: {', '.join(missed)}"))
