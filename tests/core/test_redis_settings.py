"""Redis settings: the cache apart from the broker, and short timeouts for every client (read
from the environment in a fresh process, as at start-up)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json; from django.conf import settings as s; from changehub.celery import app; "
    "print(json.dumps({'cache': s.CACHES['default'], 'broker': app.conf.broker_url, "
    "'transport': app.conf.broker_transport_options, 'pause': s.BROKER_PAUSE_SECONDS}, "
    "default=str))"
)


def _settings(**env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "CACHE_"))}
    base.update(DEBUG="true", CHANGEHUB_VAR_DIR=str(ROOT / "var" / "settings-test"))
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("redis_url", "cache_url"),
    [
        ("redis://redis:6379/0", "redis://redis:6379/1"),
        ("redis://:secret@redis:6379", "redis://:secret@redis:6379/1"),
        ("redis://redis:6379/4", "redis://redis:6379/5"),
    ],
)
def test_without_cache_redis_url_the_cache_takes_the_next_database(redis_url, cache_url):
    found = _settings(REDIS_URL=redis_url)
    assert found["broker"] == redis_url
    assert found["cache"]["LOCATION"] == cache_url
    assert found["cache"]["BACKEND"] == "core.redis_cache.RedisCache"


def test_the_cache_and_the_broker_can_live_on_servers_of_their_own():
    found = _settings(REDIS_URL="redis://redis:6379/0", CACHE_REDIS_URL="redis://cache:6379/0")
    assert (found["broker"], found["cache"]["LOCATION"]) == (
        "redis://redis:6379/0",
        "redis://cache:6379/0",
    )


def test_every_redis_client_gives_up_within_half_a_second():
    found = _settings(REDIS_URL="redis://redis:6379/0")
    options = found["cache"]["OPTIONS"]
    assert (options["socket_connect_timeout"], options["socket_timeout"]) == (0.25, 0.5)
    transport = found["transport"]
    assert (transport["socket_connect_timeout"], transport["socket_timeout"]) == (0.25, 0.5)
    assert transport["max_retries"] == 0
    assert found["pause"] == 15
    tuned = _settings(
        REDIS_URL="redis://redis:6379/0", REDIS_SOCKET_TIMEOUT_MS="800", BROKER_PAUSE_SECONDS="3"
    )
    assert tuned["cache"]["OPTIONS"]["socket_timeout"] == 0.8
    assert tuned["transport"]["socket_timeout"] == 0.8
    assert tuned["pause"] == 3


def test_without_redis_the_cache_is_local_and_the_queue_a_folder():
    found = _settings()
    assert found["broker"] == "filesystem://"
    assert found["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_the_worker_waits_longer_than_its_one_second_brpop_poll():
    from types import SimpleNamespace

    from changehub.celery import worker_waits_longer_for_the_broker

    conf = SimpleNamespace(broker_transport_options={"socket_timeout": 0.5, "max_retries": 0})
    worker_waits_longer_for_the_broker(conf=conf)
    assert conf.broker_transport_options == {"socket_timeout": 1.5, "max_retries": 0}
    folder = SimpleNamespace(broker_transport_options={"data_folder_in": "var/celery"})
    worker_waits_longer_for_the_broker(conf=folder)
    assert folder.broker_transport_options == {"data_folder_in": "var/celery"}
