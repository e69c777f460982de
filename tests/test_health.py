import datetime
import socket
import time

import pytest
from django.db import OperationalError
from django.utils import timezone

from changehub.celery import app as celery_app
from core.tasks import scheduler_heartbeat

pytestmark = pytest.mark.django_db


def test_health_reports_database_and_broker(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert body["database"]["ok"] is True
    assert body["cache"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["scheduler"] == {"last_run": None}


def test_health_shows_when_beat_last_ran(client):
    scheduler_heartbeat()
    body = client.get("/health/").json()
    assert body["scheduler"]["last_run"] is not None
    assert body["scheduler"]["late"] is False


@pytest.fixture
def broker_down():
    saved = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    celery_app.conf.broker_transport_options = {"socket_connect_timeout": 1}
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved


def test_health_is_503_when_the_broker_is_down(client, broker_down):
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is False
    assert body["database"]["ok"] is True
    assert (body["status"], body["down"]) == ("error", ["broker"])


def test_health_is_503_when_the_database_is_down(client, monkeypatch):
    from core import health

    class BrokenConnection:
        vendor = "broken"

        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", BrokenConnection())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "OperationalError"}
    assert "database" in response.json()["down"]


def test_a_late_scheduler_is_named_but_the_site_answers_200(client, settings):
    from core.models import Heartbeat

    scheduler_heartbeat()
    Heartbeat.objects.filter(name="beat").update(
        seen_at=timezone.now() - datetime.timedelta(seconds=4 * settings.HEARTBEAT_SECONDS)
    )
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["down"]) == ("degraded", ["scheduler"])
    assert body["scheduler"]["late"] is True


@pytest.fixture
def cache_down(settings):
    """The cache pointed at a closed port (our breaker reset before and after)."""
    from django.core.cache import caches

    from core.redis_cache import reset_breakers

    settings.CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/1",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
    reset_breakers()
    yield caches["default"]
    reset_breakers()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_health_names_the_cache_when_it_is_down_and_still_answers_200(client, cache_down):
    started = time.monotonic()
    response = client.get("/health/", HTTP_ACCEPT_LANGUAGE="de")
    assert time.monotonic() - started < 2
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["down"]) == ("degraded", ["cache"])
    assert body["cache"] == {"ok": False, "backend": "redis", "error": "ConnectionError"}


def test_health_answers_within_its_budget_when_a_probe_hangs(client, monkeypatch):
    from core import health

    def hang():
        time.sleep(3)
        return {"ok": True}

    monkeypatch.setattr(health, "_check_broker", hang)
    monkeypatch.setattr(health, "PROBE_SECONDS", 0.5)
    started = time.monotonic()
    response = client.get("/health/")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert response.json()["broker"] == {"ok": False, "error": "timeout"}
