"""Render a rollout's leadership report synchronously to a file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.services import report_pdf
from rollout.models import Rollout


class Command(BaseCommand):
    help = "Render the leadership progress report of a rollout to a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("rollout_id", type=int)
        parser.add_argument("--out", required=True, help="The PDF file to write.")
        parser.add_argument("--lang", choices=["de", "en"], default="de")

    def handle(self, *args, rollout_id: int, out: str, lang: str, **options):
        rollout = Rollout.objects.filter(pk=rollout_id).first()
        if rollout is None:
            raise CommandError(f"No rollout {rollout_id}.")
        rendered, _summary = report_pdf(rollout=rollout, language=lang)
        Path(out).write_bytes(rendered.content)
        self.stdout.write(
            f"{out}: {len(rendered.content)} bytes, figures {rendered.html_seconds:.2f} s, "
            f"PDF {rendered.pdf_seconds:.2f} s"
        )
