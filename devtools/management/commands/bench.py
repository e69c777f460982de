"""`manage.py bench`: the workspace pages under concurrent load, on seed_scale data.

    manage.py seed_scale --departments 200 --people 20000
    manage.py bench [--users 20] [--seconds 20] [--out var/bench/results.json]

Starts gunicorn as it runs in production (DEBUG off, collected static files) on a free local
port with the same DATABASE_URL and REDIS_URL, signs the scale manager in through the real login
form, and then, page by page, lets `--users` concurrent users (threads, each with a keep-alive
connection and the session cookie, pausing `--think-ms` between requests) request the page for
`--seconds`, followed by `--saturation-seconds` of the same users back to back. Every answer
must be a 200; anything else counts as an error. The dashboard and the phase board carry the
targets of issue 3 (p95 under 60 ms and 40 ms with 20 users); the department list and the
stakeholder map are measured when they answer 200. A page that does not exist yet is recorded
as null.

See docs/performance.md for the method and the figures. Before the load, each page is also
requested in this process to count its SQL queries and split its time into SQL and the rest
(`profile` in the results), as served from the page cache and right after a change
(`after_change`: the cached page is outdated and rebuilt).

`--create-database` only creates the PostgreSQL database of DATABASE_URL if it is missing
(`make bench` calls it before migrating).
"""

import datetime
import logging
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from core.freshness import data_changed
from devtools.bench import (
    Browser,
    login_page_ready,
    machine_info,
    page_stats,
    results_build,
    results_merge,
    results_table,
    run_load,
    sign_in,
    start_gunicorn,
)
from devtools.scale import DEFAULT_PASSWORD, MANAGER_EMAIL, ROLLOUT_NAME
from rollout.models import (
    Activity,
    AttitudeChange,
    CommunicationItem,
    Department,
    Person,
    Rollout,
    Stakeholder,
    SuccessStory,
    User,
)

BENCH_SECRET_KEY = "bench-only-secret-key-never-use-it-anywhere-else-4f1c9a7e2b6d"  # noqa: S105


def _gunicorn_configs(value: str) -> list[tuple[int, int]]:
    """ "4x1,2x4" -> [(4, 1), (2, 4)]: workers x threads."""
    configs = []
    for part in value.split(","):
        workers, _, threads = part.strip().partition("x")
        try:
            configs.append((int(workers), int(threads or 1)))
        except ValueError:
            message = f"--gunicorn expects WORKERSxTHREADS, e.g. 2x4, not {part!r}"
            raise CommandError(message) from None
    return configs


class Command(BaseCommand):
    help = "Measure the dashboard and the phase board under concurrent load (after seed_scale)."
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=20, help="Concurrent users (20).")
        parser.add_argument(
            "--seconds", type=float, default=20, help="Measured seconds per page (20)."
        )
        parser.add_argument(
            "--warmup", type=float, default=3, help="Unmeasured seconds before the load (3)."
        )
        parser.add_argument(
            "--think-ms",
            type=float,
            default=1000,
            help="Pause of each user between requests, jittered 0.5x-1.5x (default 1000: "
            "every user loads a page about once a second; 0: back to back).",
        )
        parser.add_argument(
            "--saturation-seconds",
            type=float,
            default=10,
            help="Then per page this many seconds with the same users back to back (no "
            "pause), for the throughput ceiling (default 10; 0 skips it).",
        )
        parser.add_argument(
            "--gunicorn",
            default="4x1",
            help="WORKERSxTHREADS, comma-separated to compare several (default 4x1); the "
            "headline figures come from the one with the lowest dashboard p95.",
        )
        parser.add_argument(
            "--out",
            default=str(settings.VAR_DIR / "bench" / "results.json"),
            help="Where to write the results (default var/bench/results.json).",
        )
        parser.add_argument("--email", default=MANAGER_EMAIL)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument(
            "--page",
            action="append",
            default=[],
            metavar="NAME=PATH",
            help="Measure another page too, e.g. --page me=/me/ (repeatable).",
        )
        parser.add_argument(
            "--only",
            default="",
            help="Measure only these pages (comma-separated keys, e.g. dashboard,plan).",
        )
        parser.add_argument(
            "--no-profile", action="store_true", help="Skip the in-process query profile."
        )
        parser.add_argument(
            "--create-database",
            action="store_true",
            help="Only create the PostgreSQL database of DATABASE_URL if it is missing.",
        )

    def handle(self, *args, **options) -> None:
        if options["create_database"]:
            self._create_database()
            return
        if options["users"] < 1 or options["seconds"] <= 0:
            raise CommandError("--users must be at least 1 and --seconds positive.")
        configs = _gunicorn_configs(options["gunicorn"])
        rollout = Rollout.objects.filter(name=ROLLOUT_NAME).first()
        if rollout is None:
            raise CommandError(
                "No scale data: run `manage.py seed_scale --departments 200 --people 20000` first."
            )
        if connection.vendor != "postgresql":
            self.stderr.write(
                self.style.WARNING("Not on PostgreSQL: the figures say little about production.")
            )
        paths = {
            "dashboard": f"/rollouts/{rollout.pk}/",
            "plan": f"/rollouts/{rollout.pk}/plan/",
            "departments": "/departments/",
            "stakeholders": f"/rollouts/{rollout.pk}/stakeholders/",
        }
        for page in options["page"]:
            key, _, path = page.partition("=")
            if not key or not path.startswith("/"):
                raise CommandError(f"--page expects NAME=/path/, not {page!r}")
            paths[key] = path
        if options["only"]:
            keys = [key.strip() for key in options["only"].split(",") if key.strip()]
            unknown = [key for key in keys if key not in paths]
            if unknown:
                raise CommandError(f"Unknown pages: {', '.join(unknown)}")
            paths = {key: paths[key] for key in keys}
        if "LocMem" in settings.CACHES["default"]["BACKEND"]:
            self.stderr.write(
                self.style.WARNING(
                    "No REDIS_URL: every gunicorn worker has its own page cache, kept 30 s. "
                    "Production uses Redis: set REDIS_URL for figures like production's."
                )
            )
        load = os.getloadavg()[0]
        if load > 0.5 * (os.cpu_count() or 1):
            self.stderr.write(
                self.style.WARNING(
                    f"The machine is busy (load average {load:.1f}): the figures will be "
                    "pessimistic. Run the benchmark on a quiet machine."
                )
            )
        machine = machine_info()  # before the load, with the load average
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        profile = {} if options["no_profile"] else self._profile(options["email"], paths)
        bench_dir = settings.VAR_DIR / "bench"  # static files and the gunicorn log
        env = self._server_env(bench_dir)
        self._collectstatic(env)

        runs = []
        for workers, threads in configs:
            self.stdout.write(f"gunicorn {workers} workers x {threads} threads ...")
            runs.append(self._run(workers, threads, env, paths, options, bench_dir))
        best = min(runs, key=_run_score)

        results = results_build(
            pages=best["pages"],
            settings={
                "users": options["users"],
                "seconds_per_page": options["seconds"],
                "warmup_seconds": options["warmup"],
                "think_ms": options["think_ms"],
                "saturation_seconds_per_page": options["saturation_seconds"],
                "gunicorn": best["gunicorn"],
                "database": connection.vendor,
                "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
                "debug": False,
            },
            machine={**machine, **self._versions()},
            data=self._data_sizes(rollout),
            git=_git(),
            date=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            extra={
                "profile": profile,
                "gunicorn_runs": [
                    {"gunicorn": run["gunicorn"], "pages": run["pages"]} for run in runs
                ],
            },
        )
        results_merge(out, results)
        self._report(results, runs, out)

    # -- database ------------------------------------------------------------------------

    def _create_database(self) -> None:
        database = settings.DATABASES["default"]
        if connection.vendor != "postgresql":
            self.stdout.write("Not PostgreSQL: nothing to create.")
            return
        import psycopg
        from psycopg import sql

        params = {
            "host": database.get("HOST") or None,
            "port": database.get("PORT") or None,
            "user": database.get("USER") or None,
            "password": database.get("PASSWORD") or None,
        }
        name = database["NAME"]
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as server:
            exists = server.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if exists:
                self.stdout.write(f"Database {name} exists.")
                return
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.stdout.write(f"Database {name} created.")

    # -- in-process profile --------------------------------------------------------------

    def _profile(self, email: str, paths: dict[str, str]) -> dict:
        """Queries, SQL time and total time of one request per page, served in this process
        (the median of five after one warm-up request)."""
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user {email}: run seed_scale first.")
        profile = {}
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.ERROR)  # a missing page is reported, not logged
        try:
            self._profile_pages(user, paths, profile)
        finally:
            request_log.setLevel(level)
        return profile

    @staticmethod
    def _profile_pages(user: User, paths: dict[str, str], profile: dict) -> None:
        with override_settings(
            ALLOWED_HOSTS=["*"],
            SECURE_SSL_REDIRECT=False,
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            client = Client()
            client.force_login(user)
            for key, path in paths.items():
                if client.get(path).status_code != 200:
                    profile[key] = None
                    continue
                # As served from the page cache, and right after a change (the cache missed).
                cached = Command._profile_page(client, path, changed=False)
                fresh = Command._profile_page(client, path, changed=True)
                profile[key] = {**cached, "after_change": fresh}

    @staticmethod
    def _profile_page(client: Client, path: str, *, changed: bool) -> dict:
        """The median of five requests: queries, total, SQL and the rest in ms, and the CPU
        time of this process. `changed`: each after a write (the page cache misses)."""
        totals, sqls, cpus, queries = [], [], [], 0
        for _ in range(5):
            if changed:
                data_changed()
            with CaptureQueriesContext(connection) as captured:
                started, cpu = time.perf_counter(), time.process_time()
                client.get(path)
                cpus.append((time.process_time() - cpu) * 1000)
                totals.append((time.perf_counter() - started) * 1000)
            sqls.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            queries = len(captured.captured_queries)
        total, sql_ms = statistics.median(totals), statistics.median(sqls)
        return {
            "queries": queries,
            "total_ms": round(total, 1),
            "sql_ms": round(sql_ms, 1),
            "python_ms": round(total - sql_ms, 1),
            "cpu_ms": round(statistics.median(cpus), 1),
        }

    # -- the server ----------------------------------------------------------------------

    @staticmethod
    def _server_env(bench_dir: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("SECRET_KEY_FILE", None)
        env.update(
            DEBUG="false",
            SECRET_KEY=BENCH_SECRET_KEY,
            ALLOWED_HOSTS="127.0.0.1",
            # Production refuses to start without a mail server; the benchmark sends no mail.
            EMAIL_URL="dummy://",
            HTTPS="false",
            BEHIND_PROXY="false",
            STATIC_ROOT=str(bench_dir / "static"),
            LOG_LEVEL="WARNING",
            CHANGEHUB_VAR_DIR=str(settings.VAR_DIR),
        )
        return env

    def _collectstatic(self, env: dict[str, str]) -> None:
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "collectstatic", "--noinput"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def _run(
        self,
        workers: int,
        threads: int,
        env: dict[str, str],
        paths: dict[str, str],
        options: dict,
        bench_dir: Path,
    ) -> dict:
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        server = start_gunicorn(
            gunicorn=gunicorn,
            workers=workers,
            threads=threads,
            env=env,
            cwd=settings.BASE_DIR,
            log=bench_dir / "gunicorn.log",
            ready=login_page_ready,
        )
        host, port = "127.0.0.1", server.port
        try:
            try:
                cookies = sign_in(host, port, options["email"], options["password"])
            except RuntimeError as error:
                raise CommandError(str(error)) from error
            pages: dict[str, dict] = {}
            measured = []
            probe = Browser(host, port, cookies)
            for key, path in paths.items():
                status, _headers, body = probe.request("GET", path)
                pages[key] = {"path": path, "status": status, "bytes": len(body)}
                if status == 200:
                    measured.append(key)
                else:
                    self.stdout.write(f"  {key} {path}: HTTP {status}, not measured")
            probe.close()
            if options["warmup"] > 0:
                run_load(
                    host=host,
                    port=port,
                    cookies=cookies,
                    paths=[paths[key] for key in measured],
                    users=options["users"],
                    seconds=options["warmup"],
                    think_ms=options["think_ms"],
                )
            for key in measured:
                pages[key].update(
                    self._measure(host, port, cookies, key, paths[key], options, "users")
                )
                if options["saturation_seconds"] > 0:
                    pages[key]["saturation"] = self._measure(
                        host, port, cookies, key, paths[key], options, "saturation"
                    )
        finally:
            server.stop()
        return {
            "gunicorn": {
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync",
            },
            "pages": pages,
        }

    def _measure(
        self,
        host: str,
        port: int,
        cookies: dict[str, str],
        key: str,
        path: str,
        options: dict,
        mode: str,
    ) -> dict:
        saturation = mode == "saturation"
        load = run_load(
            host=host,
            port=port,
            cookies=cookies,
            paths=[path],
            users=options["users"],
            seconds=options["saturation_seconds"] if saturation else options["seconds"],
            think_ms=0 if saturation else options["think_ms"],
        )
        stats = page_stats(load.latencies_ms, errors=load.errors, seconds=load.seconds)
        stats["load_generator_cpu_share"] = round(
            load.client_cpu_seconds / load.seconds / (os.cpu_count() or 1), 2
        )
        if load.error_samples:
            stats["error_samples"] = load.error_samples
        self.stdout.write(
            f"  {key} ({mode}): p95 {stats['p95_ms']} ms, {stats['rps']} req/s, "
            f"{load.errors} errors; the load generator used "
            f"{stats['load_generator_cpu_share']:.0%} of the CPUs"
        )
        return stats

    # -- facts ---------------------------------------------------------------------------

    @staticmethod
    def _versions() -> dict:
        versions = {
            "python": sys.version.split()[0],
            "django": django.get_version(),
        }
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                versions["postgresql"] = cursor.fetchone()[0]
        return versions

    @staticmethod
    def _data_sizes(rollout: Rollout) -> dict:
        return {
            "departments": Department.objects.count(),
            "people": Person.objects.count(),
            "users": User.objects.count(),
            "rollout_activities": Activity.objects.filter(phase__rollout=rollout).count(),
            "stakeholders": Stakeholder.objects.filter(rollout=rollout).count(),
            "attitude_changes": AttitudeChange.objects.filter(stakeholder__rollout=rollout).count(),
            "communication_items": CommunicationItem.objects.filter(rollout=rollout).count(),
            "success_stories": SuccessStory.objects.filter(rollout=rollout).count(),
        }

    def _report(self, results: dict, runs: list[dict], out: Path) -> None:
        write = self.stdout.write
        write("")
        if len(runs) > 1:
            for run in runs:
                config = run["gunicorn"]
                figures = ", ".join(
                    f"{key} p95 {entry.get('p95_ms')} ms / {entry.get('rps')} req/s"
                    for key, entry in run["pages"].items()
                    if entry.get("p95_ms") is not None
                )
                write(
                    f"{config['workers']}x{config['threads']} {config['worker_class']}: {figures}"
                )
            write("")
        config, data = results["settings"]["gunicorn"], results["data"]
        write(
            f"{results['settings']['users']} users, {results['settings']['seconds_per_page']:g} s "
            f"per page, think time {results['settings']['think_ms']:g} ms, gunicorn "
            f"{config['workers']} workers x {config['threads']} threads, "
            f"{results['machine'].get('cpus')} CPUs"
        )
        write(
            f"data: {data['departments']} departments, {data['people']} people, "
            f"{data['rollout_activities']} activities, {data['stakeholders']} stakeholders"
        )
        write(results_table(results))
        if any(entry.get("saturation") for entry in results["pages"].values()):
            write("")
            write(
                f"saturation: the same {results['settings']['users']} users back to back, "
                f"{results['settings']['saturation_seconds_per_page']:g} s per page"
            )
            write(results_table(results, mode="saturation"))
        write("latencies in ms")
        if results["profile"]:
            write("")
            write(
                "in-process, one request: queries, SQL ms, rest (Python, templates) ms, "
                "CPU ms; cached / right after a change"
            )
            for key, entry in results["profile"].items():
                if entry:
                    fresh = entry.get("after_change") or {}
                    write(
                        f"  {key}: {entry['queries']} queries, {entry['sql_ms']} ms SQL, "
                        f"{entry['python_ms']} ms rest, {entry.get('cpu_ms')} ms CPU / "
                        f"{fresh.get('queries')} queries, {fresh.get('sql_ms')} ms SQL, "
                        f"{fresh.get('python_ms')} ms rest, {fresh.get('cpu_ms')} ms CPU"
                    )
        write("")
        write(f"written to {out}")


def _run_score(run: dict) -> float:
    dashboard = run["pages"].get("dashboard", {}).get("p95_ms")
    return dashboard if dashboard is not None else float("inf")


def _git() -> dict:
    """The commit measured, and whether the checkout had uncommitted changes (read-only)."""

    def git(*arguments: str) -> str | None:
        try:
            completed = subprocess.run(  # noqa: S603
                ["git", *arguments],  # noqa: S607 - git from PATH
                cwd=settings.BASE_DIR,
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return completed.stdout.strip()

    status = git("status", "--porcelain")
    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(status) if status is not None else None,
    }
