"""The fault benchmark of the reminder engine.

    manage.py bench_reminders [--count 20000] [--workers 2] [--out var/bench/results.json]

Queues `--count` activity reminders through the activity rule and lets a real Celery worker
(`--workers` processes) and beat send them to a local SMTP sink, on our own redis-server. While
it sends, the worker is killed with SIGKILL twice (at 20 % and 70 %) and Redis is restarted once
(at 45 %, losing every queued task). The sink counts each Message-ID: `reminders_lost` (never
arrived), `reminders_duplicated` (arrived more than once) and `reminders_per_second` (from the
queueing to the last arrival) are merged into var/bench/results.json.

A worker killed leaves its rows in `sending`; they go back to pending once their lease
(NOTIFY_SEND_LEASE_SECONDS, renewed while a task runs) has run out and are sent again. Only the
mail being sent at the moment of the kill can arrive twice (the server had accepted it, the row
was not yet recorded): the engine prefers that rare duplicate, recognisable by its Message-ID,
to a lost reminder. Rows whose task Redis lost go out at the next dispatch.
"""

import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from devtools.bench import results_merge
from devtools.redis_server import RedisServer, publish_to
from notifications.models import Notification, NotificationState
from notifications.rules.scan import rule_settings_for
from notifications.services import notification_queue_many
from notifications.sink import free_port
from rollout.models import Activity, ActivityStatus, Person, Phase, PhaseKind, Rollout
from rollout.reminders import activities as activity_rule

BENCH_ROLLOUT = "Bench: Erinnerungen"
BENCH_SECRET_KEY = "bench-reminders-not-secret-" + "x" * 40
CELERY = str(Path(sys.executable).parent / "celery")


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


class Command(BaseCommand):
    help = (
        "Reminders under faults: SIGKILLed workers and a restarted Redis; lost, duplicated, rate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=20000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--reclaim", type=int, default=20, help="NOTIFY_RECLAIM_SECONDS")
        parser.add_argument("--timeout", type=int, default=900)
        parser.add_argument("--no-faults", action="store_true")
        parser.add_argument(
            "--out", default=str(settings.VAR_DIR / "bench" / "results.json"), type=Path
        )

    def handle(self, *args, **options) -> None:
        count = options["count"]
        folder = settings.VAR_DIR / "bench" / "reminders"
        folder.mkdir(parents=True, exist_ok=True)
        ids_file = folder / "sink-ids.txt"
        ids_file.write_text("")
        self.stdout.write(f"Preparing {count} overdue activities ...")
        rollout = self._prepare(count)
        redis = RedisServer(free_port(), folder / "redis.log").start()
        smtp_port = free_port()
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        env = self._env(redis.url, smtp_port, queue, options["reclaim"])
        processes: dict[str, subprocess.Popen] = {}
        sink = subprocess.Popen(  # noqa: S603 (our own module)
            [
                sys.executable,
                "-m",
                "notifications.sink",
                "--port",
                str(smtp_port),
                "--out",
                str(ids_file),
            ],
            cwd=settings.BASE_DIR,
            env=env,
        )
        try:
            self._wait_port(smtp_port)
            processes["worker"] = self._worker(env, queue, options["workers"], folder)
            processes["beat"] = self._celery(
                ["beat", "--loglevel=WARNING", "--schedule", str(folder / "beat-schedule")],
                env,
                folder / "beat.log",
            )
            started = time.monotonic()
            with publish_to(queue, redis.url):
                expected = self._queue(rollout)
            queued_in = time.monotonic() - started
            self.stdout.write(f"Queued {len(expected)} reminders in {queued_in:.1f} s; sending ...")
            faults = [] if options["no_faults"] else [(0.2, "kill"), (0.45, "redis"), (0.7, "kill")]
            last_arrival = self._watch(
                ids_file, expected, faults, processes, redis, env, queue, options, folder, started
            )
        finally:
            for process in processes.values():
                self._kill_group(process)
            sink.terminate()
            sink.wait(10)
            redis.stop()
        arrived = Counter(line for line in ids_file.read_text().splitlines() if line in expected)
        lost = len(expected) - len(arrived)
        duplicated = sum(n - 1 for n in arrived.values())
        elapsed = max(last_arrival - started, 0.001)
        rate = round(len(arrived) / elapsed, 1)
        states = Counter(
            Notification.objects.filter(pk__in=list(expected.values())).values_list(
                "state", flat=True
            )
        )
        results_merge(
            options["out"],
            {
                "reminders_lost": lost,
                "reminders_duplicated": duplicated,
                "reminders_per_second": rate,
                "reminders_bench": {
                    "count": len(expected),
                    "worker_processes": options["workers"],
                    "faults": [f"{at:.0%} {what}" for at, what in faults],
                    "seconds": round(elapsed, 1),
                    "queue_seconds": round(queued_in, 1),
                    "reclaim_seconds": options["reclaim"],
                    "states": dict(states),
                },
            },
        )
        self.stdout.write(
            f"reminders: {len(expected)}, lost {lost}, duplicated {duplicated}, "
            f"{rate}/s over {elapsed:.1f} s; states {dict(states)}"
        )

    # -- data ------------------------------------------------------------------------------

    def _prepare(self, count: int) -> Rollout:
        """A fresh bench rollout with `count` activities due today, each with its own owner."""
        today = timezone.localdate()
        old = Activity.objects.filter(phase__rollout__name=BENCH_ROLLOUT)
        Notification.objects.filter(
            content_type=ContentType.objects.get_for_model(Activity),
            object_id__in=old.values("pk"),
        ).delete()
        Rollout.objects.filter(name=BENCH_ROLLOUT).delete()
        with transaction.atomic():
            rollout = Rollout.objects.create(
                name=BENCH_ROLLOUT,
                start_date=today - datetime.timedelta(days=30),
                end_date=today + datetime.timedelta(days=300),
            )
            phase = Phase.objects.create(rollout=rollout, kind=PhaseKind.MOVE, order=1)
            owners = list(Person.objects.filter(is_active=True).order_by("pk")[:count])
            missing = count - len(owners)
            if missing > 0:
                stamp = uuid.uuid4().hex[:6]
                Person.objects.bulk_create(
                    Person(first_name="Bench", last_name=f"{stamp}-{n}", email=f"b{stamp}{n}@x.de")
                    for n in range(missing)
                )
                owners = list(Person.objects.filter(is_active=True).order_by("pk")[:count])
            Activity.objects.bulk_create(
                (
                    Activity(
                        phase=phase,
                        title=f"Bench-Maßnahme {n}",
                        owner=owner,
                        due_date=today,
                        status=ActivityStatus.PLANNED,
                        position=n,
                    )
                    for n, owner in enumerate(owners)
                ),
                batch_size=2000,
            )
        return rollout

    def _queue(self, rollout: Rollout) -> dict[str, int]:
        """Queue the due reminders through the activity rule; {Message-ID: row id}."""
        rule = rule_settings_for(rollout)[activity_rule.KEY]
        items = activity_rule.scan(rollout, rule, timezone.now())
        with transaction.atomic():
            notification_queue_many(kind=items[0][0], items=[item for _, item in items])
        activity_type = ContentType.objects.get_for_model(Activity)
        pks = Notification.objects.filter(
            content_type=activity_type, object_id__in=rollout.phases.values("activities")
        ).values_list("pk", flat=True)
        return {f"<notification-{pk}@changehub>": pk for pk in pks}

    # -- processes -------------------------------------------------------------------------

    @staticmethod
    def _env(redis_url: str, smtp_port: int, queue: str, reclaim: int) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("SECRET_KEY_FILE", None)
        env.update(
            DEBUG="false",
            SECRET_KEY=BENCH_SECRET_KEY,
            ALLOWED_HOSTS="127.0.0.1",
            LOG_LEVEL="WARNING",
            CHANGEHUB_VAR_DIR=str(settings.VAR_DIR),
            DATABASE_URL=_database_url(),
            REDIS_URL=redis_url,
            CELERY_QUEUE=queue,
            EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
            EMAIL_TIMEOUT="5",
            NOTIFY_QUIET_HOURS="false",
            NOTIFY_WEEKLY_CAP="0",
            NOTIFY_DIGEST_ENABLED="false",
            NOTIFY_RECLAIM_SECONDS=str(reclaim),
            NOTIFY_DISPATCH_SECONDS="1",
            NOTIFY_SCAN_SECONDS="86400",
            HEARTBEAT_SECONDS="3600",
        )
        return env

    @staticmethod
    def _celery(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603 (our own celery)
            [CELERY, "-A", "changehub", *args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches every child
        )

    def _worker(self, env, queue: str, workers: int, folder: Path) -> subprocess.Popen:
        args = ["worker", "--loglevel=WARNING", f"--concurrency={workers}", "-Q", queue]
        args += ["-n", f"{queue}-{uuid.uuid4().hex[:4]}@%h", "--without-gossip", "--without-mingle"]
        return self._celery(args, env, folder / "worker.log")

    @staticmethod
    def _kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(30)

    @staticmethod
    def _wait_port(port: int) -> None:
        import socket

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the SMTP sink did not start")

    def _watch(self, ids_file, expected, faults, processes, redis, env, queue, options, folder, t0):
        """Wait until every reminder is sent, injecting the faults on the way; returns the
        time of the last arrival at the sink."""
        faults = list(faults)
        total = len(expected)
        seen = 0
        last_arrival = time.monotonic()
        deadline = time.monotonic() + options["timeout"]
        pks = list(expected.values())
        next_check = 0.0
        with ids_file.open() as handle:
            while time.monotonic() < deadline:
                lines = handle.readlines()
                if lines:
                    seen += len(lines)
                    last_arrival = time.monotonic()
                if faults and seen >= faults[0][0] * total:
                    _, what = faults.pop(0)
                    self.stdout.write(f"  {seen}/{total} arrived: {what}")
                    if what == "kill":
                        self._kill_group(processes["worker"])
                        processes["worker"] = self._worker(env, queue, options["workers"], folder)
                    else:
                        redis.stop()
                        time.sleep(1)
                        redis.start()
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + 2
                    open_rows = (
                        Notification.objects.filter(pk__in=pks)
                        .exclude(state=NotificationState.SENT)
                        .count()
                    )
                    if open_rows == 0 and not faults:
                        time.sleep(2)  # let a late duplicate arrive before counting
                        return last_arrival
                time.sleep(0.1)
        self.stderr.write("Timed out before every reminder was sent.")
        return last_arrival
