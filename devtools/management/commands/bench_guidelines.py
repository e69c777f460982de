"""`manage.py bench_guidelines`: publishing a guideline to everyone, and the acknowledgment page
and action under concurrent employees, on seed_scale data (20,000 people).

    manage.py seed_scale --departments 200 --people 20000
    manage.py bench_guidelines [--users 50] [--seconds 20] [--out var/bench/results.json]

1. Publishes a new version of a bench guideline to every active person, in this process, and
   times it (`publish_20k_seconds`: status change, one request per person, commit). Queueing
   the 20,000 emails is the worker's part after the commit; it is timed separately in a
   transaction that is rolled back, so no email is ever sent (`publish_20k_queue_seconds`).
2. Starts gunicorn as in production (like `manage.py bench`) and lets `--users` employees
   (threads with keep-alive connections) each open their personal link and press the button,
   person after person, for `--seconds`. `ack_p95_ms` is the p95 of both requests together
   (target under 30 ms); the page and the action are also reported on their own.

The figures are merged into the results file next to those of `manage.py bench`.
"""

import datetime
import os
import random
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from devtools.bench import (
    Browser,
    login_page_ready,
    machine_info,
    page_stats,
    percentile,
    results_merge,
    start_gunicorn,
)
from guidelines.models import AcknowledgmentRequest, Guideline, GuidelineVersion
from guidelines.services import guidelines as services
from rollout.models import Person

BENCH_TITLE = "Bench: Social-Media-Richtlinie"
TARGET_ACK_P95_MS = 30.0
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- Arithmetic (unit-tested) ------------------------------------------------------------------


@dataclass
class AckLoad:
    page_ms: list[float] = field(default_factory=list)
    action_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    acknowledged: int = 0


def ack_results(
    *, load: AckLoad, publish_seconds: float, queue_seconds: float | None, people: int, users: int
) -> dict:
    """The figures for results.json: the publish times and the acknowledgment p95 (page and
    action together, and each on its own)."""
    both = [*load.page_ms, *load.action_ms]
    p95 = percentile(both, 95)
    return {
        "publish_20k_seconds": round(publish_seconds, 2),
        "publish_20k_queue_seconds": None if queue_seconds is None else round(queue_seconds, 2),
        "ack_p95_ms": None if p95 is None else round(p95, 1),
        "guidelines_bench": {
            "people": people,
            "users": users,
            "target_ack_p95_ms": TARGET_ACK_P95_MS,
            "target_met": p95 is not None and p95 < TARGET_ACK_P95_MS and not load.errors,
            "acknowledged": load.acknowledged,
            "page": page_stats(load.page_ms, errors=0, seconds=load.seconds),
            "action": page_stats(load.action_ms, errors=0, seconds=load.seconds),
            "both": page_stats(both, errors=load.errors, seconds=load.seconds),
            "error_samples": load.error_samples[:5],
        },
    }


def split_paths(paths: Sequence[str], users: int) -> list[list[str]]:
    """Each user's own links, dealt round-robin so that nobody shares a person."""
    return [list(paths[index::users]) for index in range(users)]


# --- The load ---------------------------------------------------------------------------------


def employee_load(
    *,
    host: str,
    port: int,
    paths_per_user: list[list[str]],
    seconds: float,
    think_ms: float = 0.0,
) -> AckLoad:
    """Each user opens a link (GET, 200) and presses the button (POST, 302), then the next
    person's link, until `seconds` are over or their links run out. With `think_ms`, each
    user pauses a random 0.5x-1.5x of it after each request (reading, deciding)."""
    load = AckLoad()
    lock = threading.Lock()
    gate = threading.Barrier(len(paths_per_user) + 1)
    deadline_box: list[float] = []

    def user(index: int, paths: list[str]) -> None:
        rng = random.Random(index)  # noqa: S311 - jitter, not a secret
        page_ms, action_ms, errors, samples, done = [], [], 0, [], 0
        browser = Browser(host, port)

        def think() -> None:
            if think_ms:
                pause = rng.uniform(0.5, 1.5) * think_ms / 1000
                time.sleep(max(min(pause, deadline - time.perf_counter()), 0))

        gate.wait()
        deadline = deadline_box[0]
        if think_ms:
            # People do not all click at the same millisecond: each user's first request
            # comes somewhere within one think time, as every later one does.
            time.sleep(rng.uniform(0, think_ms) / 1000)
        try:
            for path in paths:
                if time.perf_counter() >= deadline:
                    break
                started = time.perf_counter()
                try:
                    status, _headers, body = browser.request(
                        "GET", path, headers={"Accept": "text/html"}
                    )
                except Exception as error:  # every failure is a counted error
                    errors += 1
                    samples.append(f"GET {path}: {type(error).__name__}")
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                match = CSRF_FIELD.search(body)
                if status != 200 or match is None:
                    errors += 1
                    samples.append(f"GET {path}: HTTP {status}")
                    continue
                page_ms.append(elapsed)
                think()
                form = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1).decode()})
                started = time.perf_counter()
                try:
                    status, _headers, _body = browser.request(
                        "POST",
                        path,
                        body=form,
                        headers={"Content-Type": "application/x-www-form-urlencoded"},
                    )
                except Exception as error:
                    errors += 1
                    samples.append(f"POST {path}: {type(error).__name__}")
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                if status != 302:
                    errors += 1
                    samples.append(f"POST {path}: HTTP {status}")
                    continue
                action_ms.append(elapsed)
                done += 1
                think()
        finally:
            browser.close()
            with lock:
                load.page_ms.extend(page_ms)
                load.action_ms.extend(action_ms)
                load.errors += errors
                load.error_samples.extend(samples[: 5 - len(load.error_samples)])
                load.acknowledged += done

    threads = [
        threading.Thread(target=user, args=(index, paths), daemon=True)
        for index, paths in enumerate(paths_per_user)
    ]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline_box.append(began + seconds)
    gate.wait()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - began
    return load


# --- The command ------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Publish a guideline to 20,000 people and load the acknowledgment page and action."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=50, help="Concurrent employees (50).")
        parser.add_argument("--seconds", type=float, default=20.0, help="Load time (20 s).")
        parser.add_argument(
            "--think-ms",
            type=float,
            default=1000.0,
            help="Each employee pauses 0.5-1.5x this after each request (1000 ms), as in "
            "`manage.py bench`.",
        )
        parser.add_argument(
            "--saturation-seconds",
            type=float,
            default=5.0,
            help="Then the same employees back to back, without pause (5 s; 0: skip).",
        )
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4).")
        parser.add_argument("--threads", type=int, default=1, help="Threads per worker (1).")
        parser.add_argument(
            "--out",
            default=str(settings.VAR_DIR / "bench" / "results.json"),
            help="Where to merge the results (default var/bench/results.json).",
        )

    def handle(self, *args, **options) -> None:
        users, seconds = options["users"], options["seconds"]
        if users < 1 or seconds <= 0:
            raise CommandError("--users must be at least 1 and --seconds positive.")
        people = Person.objects.filter(is_active=True).count()
        if people < 1000:
            raise CommandError(
                "No scale data: run `manage.py seed_scale --departments 200 --people 20000` first."
            )
        if connection.vendor != "postgresql":
            self.stderr.write(
                self.style.WARNING("Not on PostgreSQL: the figures say little about production.")
            )
        load_average = os.getloadavg()[0]
        if load_average > 0.5 * (os.cpu_count() or 1):
            self.stderr.write(
                self.style.WARNING(
                    f"The machine is busy (load average {load_average:.1f}): the figures will be "
                    "pessimistic."
                )
            )
        machine = machine_info()

        version = self._approved_version()
        self.stdout.write(f"Publishing version {version.number} to {people} people ...")
        started = time.perf_counter()
        result = services.version_publish(
            version=version,
            by=None,
            effective_on_publication=True,
            notify=False,  # no emails
        )
        publish_seconds = time.perf_counter() - started
        queue_seconds = self._queue_seconds(version)
        self.stdout.write(
            f"  {result.requests_created} requests in {publish_seconds:.2f} s; queueing their "
            f"emails (worker) {queue_seconds:.2f} s"
        )

        from devtools.management.commands.bench import BENCH_SECRET_KEY

        with override_settings(SECRET_KEY=BENCH_SECRET_KEY):  # the key gunicorn runs with
            paths = [
                services.ack_url(person_id=person_id, version_id=version.pk, absolute=False)
                for person_id in AcknowledgmentRequest.objects.filter(version=version)
                .order_by("?")
                .values_list("person_id", flat=True)
            ]
        load, saturation = self._load(paths, options)
        results = ack_results(
            load=load,
            publish_seconds=publish_seconds,
            queue_seconds=queue_seconds,
            people=result.requests_created,
            users=users,
        )
        results["guidelines_bench"].update(
            {
                "seconds": seconds,
                "think_ms": options["think_ms"],
                "saturation": None
                if saturation is None
                else {
                    "seconds": options["saturation_seconds"],
                    "both": page_stats(
                        [*saturation.page_ms, *saturation.action_ms],
                        errors=saturation.errors,
                        seconds=saturation.seconds,
                    ),
                },
                "gunicorn": {"workers": options["workers"], "threads": options["threads"]},
                "database": connection.vendor,
                "machine": machine,
                "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            }
        )
        out = Path(options["out"])
        results_merge(out, results)
        bench = results["guidelines_bench"]
        self.stdout.write(
            f"publish_20k_seconds {results['publish_20k_seconds']}, "
            f"ack_p95_ms {results['ack_p95_ms']} (page p95 {bench['page']['p95_ms']}, action "
            f"p95 {bench['action']['p95_ms']}, {bench['both']['requests']} requests, "
            f"{bench['both']['errors']} errors, {load.acknowledged} acknowledged) -> {out}"
        )
        if saturation is not None:
            figures = results["guidelines_bench"]["saturation"]["both"]
            self.stdout.write(
                f"  back to back: p95 {figures['p95_ms']} ms, {figures['rps']} req/s, "
                f"{figures['errors']} errors"
            )
        for sample in load.error_samples:
            self.stdout.write(f"  error: {sample}")

    def _approved_version(self) -> GuidelineVersion:
        """A new approved version of the bench guideline whose text differs from the one in
        force (the two demo versions in turn), so that the page shows changed sections first.
        The first run puts the demo's first version in force for one department."""
        from devtools.demo_guidelines import VERSION_1, VERSION_2

        guideline = Guideline.objects.filter(title=BENCH_TITLE).first()
        if guideline is None:
            guideline = services.guideline_create(title=BENCH_TITLE, body=VERSION_1, by=None)
            first = self._approve(guideline.versions.get())
            department = Person.objects.exclude(department=None).first().department
            services.version_publish(
                version=first,
                by=None,
                scope_all=False,
                departments=[department],
                effective_on_publication=True,
                notify=False,
            )
        current = GuidelineVersion.objects.get(guideline=guideline, status="published")
        version, _created = services.version_create(guideline=guideline, by=None)
        if version.status == "approved":  # left by an interrupted run
            return version
        services.version_update(
            version=version,
            body=VERSION_2 if current.body == VERSION_1 else VERSION_1,
            change_summary="Bench",
            effective_date=None,
            by=None,
        )
        return self._approve(version)

    @staticmethod
    def _approve(version: GuidelineVersion) -> GuidelineVersion:
        version = services.version_submit(version=version, by=None)
        return services.version_approve(
            version=version,
            approved_on=timezone.localdate(),
            works_agreement_reference="Bench",
            by=None,
        )

    @staticmethod
    def _queue_seconds(version: GuidelineVersion) -> float:
        """The worker's part (queueing one email per person), rolled back afterwards."""
        with transaction.atomic():
            started = time.perf_counter()
            services.acknowledgment_requests_notify(version_id=version.pk)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        return elapsed

    def _load(self, paths: list[str], options: dict) -> tuple[AckLoad, AckLoad | None]:
        """The employees with think time, then (unless 0 s) back to back: each time with
        people who have not acknowledged yet."""
        from devtools.management.commands.bench import Command as PageBench

        bench_dir = settings.VAR_DIR / "bench"
        env = PageBench._server_env(bench_dir)
        PageBench()._collectstatic(env)
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        server = start_gunicorn(
            gunicorn=gunicorn,
            workers=options["workers"],
            threads=options["threads"],
            env=env,
            cwd=settings.BASE_DIR,
            log=bench_dir / "gunicorn-guidelines.log",
            ready=login_page_ready,
        )
        users, host, port = options["users"], "127.0.0.1", server.port
        # Disjoint people for the warm-up, the main run and the saturation run.
        third = len(paths) // 3
        batches = iter([paths[:third], paths[third : 2 * third], paths[2 * third :]])

        def run(seconds: float, think_ms: float) -> AckLoad:
            return employee_load(
                host=host,
                port=port,
                paths_per_user=split_paths(next(batches), users),
                seconds=seconds,
                think_ms=think_ms,
            )

        try:
            run(3, 0)  # warm-up
            self.stdout.write(
                f"{users} employees for {options['seconds']:g} s, think time "
                f"{options['think_ms']:g} ms ..."
            )
            load = run(options["seconds"], options["think_ms"])
            saturation = None
            if options["saturation_seconds"] > 0:
                self.stdout.write(f"... and {options['saturation_seconds']:g} s back to back")
                saturation = run(options["saturation_seconds"], 0)
            return load, saturation
        finally:
            server.stop()
