import pytest
from django.db import OperationalError

from changehub.celery import app as celery_app
from core.tasks import scheduler_heartbeat

pytestmark = pytest.mark.django_db


def test_health_reports_database_and_broker(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
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
