"""`manage.py bench_report`: the leadership report of the large seeded company (seed_scale:
200 departments, 20,000 people), rendered in a fresh child process so that its peak memory
is the report's own process.

    manage.py seed_scale --departments 200 --people 20000
    manage.py bench_report [--rollout ID] [--out var/bench/results.json]

`report_seconds`: gathering the figures, the HTML and the PDF (target under 6 s);
`report_peak_mib`: the child process's peak resident memory (target under 400 MiB);
`report_overhead_ratio`: that total over WeasyPrint's own time for the same HTML, rendered
again in the same process (target at most 1.15). Merged into the results file.
"""

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from devtools.bench import results_merge
from rollout.models import Rollout

TARGET_SECONDS = 6.0
TARGET_PEAK_MIB = 400.0
TARGET_OVERHEAD = 1.15


class Command(BaseCommand):
    help = "Time the leadership report (PDF) on the seeded company; write var/bench/results.json."

    def add_arguments(self, parser):
        parser.add_argument("--rollout", type=int, default=None)
        parser.add_argument(
            "--out", default=str(Path(settings.BASE_DIR) / "var/bench/results.json")
        )
        parser.add_argument("--child", action="store_true", help="(internal) render and print")

    def handle(self, *args, rollout: int | None, out: str, child: bool, **options):
        chosen = self._rollout(rollout)
        if child:
            self.stdout.write(json.dumps(_measure(chosen)))
            return
        completed = subprocess.run(  # noqa: S603 - our own manage.py
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "bench_report",
                "--child",
                "--rollout",
                str(chosen.pk),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode:
            raise CommandError(completed.stderr[-2000:])
        measured = json.loads(completed.stdout.strip().splitlines()[-1])
        values = {
            "report_seconds": round(measured["total_seconds"], 2),
            "report_peak_mib": round(measured["peak_mib"], 1),
            "report_overhead_ratio": round(
                measured["total_seconds"] / measured["weasyprint_seconds"], 3
            ),
            "report_bench": {
                "rollout": chosen.pk,
                "pages": measured["pages"],
                "bytes": measured["bytes"],
                "figures_and_html_seconds": round(measured["html_seconds"], 3),
                "weasyprint_seconds": round(measured["weasyprint_seconds"], 3),
                "targets": {
                    "report_seconds": TARGET_SECONDS,
                    "report_peak_mib": TARGET_PEAK_MIB,
                    "report_overhead_ratio": TARGET_OVERHEAD,
                },
            },
        }
        results_merge(Path(out), values)
        for key in ("report_seconds", "report_peak_mib", "report_overhead_ratio"):
            self.stdout.write(f"{key}: {values[key]}")

    def _rollout(self, pk: int | None) -> Rollout:
        rollouts = Rollout.objects.all()
        if pk is not None:
            rollouts = rollouts.filter(pk=pk)
        chosen = rollouts.annotate(size=Count("stakeholders")).order_by("-size", "-pk").first()
        if chosen is None:
            raise CommandError("No rollout: run manage.py seed_scale first.")
        return chosen


def _measure(rollout: Rollout) -> dict:
    import io

    from pypdf import PdfReader
    from weasyprint import HTML

    from reports.selectors import report_figures
    from reports.services import BASE_URL, report_html, report_pdf, report_url_fetcher

    # Warm the imports and templates once, as a worker process is warm.
    report_html(figures=report_figures(rollout=rollout), language="de")
    started = time.perf_counter()
    rendered, _summary = report_pdf(rollout=rollout, language="de")
    total = time.perf_counter() - started
    html = report_html(figures=report_figures(rollout=rollout), language="de")
    started = time.perf_counter()
    HTML(string=html, base_url=BASE_URL, url_fetcher=report_url_fetcher()).write_pdf()
    weasyprint_seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "total_seconds": total,
        "html_seconds": rendered.html_seconds,
        "weasyprint_seconds": weasyprint_seconds,
        "peak_mib": peak_kib / 1024,
        "pages": len(PdfReader(io.BytesIO(rendered.content)).pages),
        "bytes": len(rendered.content),
    }
