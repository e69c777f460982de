"""The state of the components ChangeHub needs, for /health/ and the operators."""

import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from changehub.celery import app as celery_app
from core.models import Heartbeat


def _check_database() -> dict[str, object]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }


def _check_broker() -> dict[str, object]:
    started = time.monotonic()
    url = str(celery_app.conf.broker_url)
    if url.startswith("filesystem://"):
        options = celery_app.conf.broker_transport_options
        folder = Path(options["data_folder_out"])
        ok = folder.is_dir() and folder.stat().st_mode & 0o200 != 0
        return {"ok": ok, "transport": "filesystem"} | (
            {} if ok else {"error": "queue folder missing"}
        )
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, interval_start=0, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "transport": transport, "ms": round((time.monotonic() - started) * 1000, 1)}


def _scheduler_state() -> dict[str, object]:
    try:
        seen = Heartbeat.objects.filter(name="beat").values_list("seen_at", flat=True).first()
    except Exception:
        return {"last_run": None}
    if seen is None:
        return {"last_run": None}
    late = timezone.now() - seen > timedelta(seconds=3 * settings.HEARTBEAT_SECONDS)
    return {"last_run": seen.isoformat(), "late": late}


def health_report() -> dict[str, object]:
    database = _check_database()
    broker = _check_broker()
    report: dict[str, object] = {
        "status": "ok" if database["ok"] and broker["ok"] else "error",
        "database": database,
        "broker": broker,
    }
    if database["ok"]:
        report["scheduler"] = _scheduler_state()
    return report
