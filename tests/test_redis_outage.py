"""Redis stopped or frozen (SIGSTOP) while people work: nobody's click fails or waits.

A Redis of our own (never the shared one) holds the cache (database 1) and the Celery broker
(database 0), as in production. With it stopped and then frozen, publishing a guideline,
requesting a report and acknowledging a guideline from the personal link each answer within
2 s without an error; /health/ names the cache and the broker. Once Redis is back, beat's
periodic tasks (called directly here) hand the work that waits as database rows to the
broker, and a worker (here: this process, reading the tasks from our Redis) finishes it.
The cache's circuit breaker and its lost writes are tested on the same Redis.
"""

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from kombu import Queue

from changehub.celery import app as celery_app
from core import queue
from core.redis_cache import CacheUnavailable, reset_breakers
from devtools.redis_server import RedisServer, _reset_publishing
from guidelines.models import Acknowledgment, AcknowledgmentRequest, GuidelineVersion, VersionStatus
from guidelines.services import guidelines as guideline_services
from reports.models import Report, ReportStatus
from rollout.models import Role
from tests import factories

# Tasks go to the broker (our Redis), not inline: the `worker` mark turns eager mode off.
pytestmark = pytest.mark.worker

# A frozen Redis answers nothing: the budget of one request.
REQUEST_SECONDS = 2.0
BREAKER_SECONDS = 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(_free_port(), tmp_path_factory.mktemp("redis") / "redis.log").start()
    yield server
    server.stop()


class Outage:
    """Our Redis and the ways it goes away."""

    def __init__(self, server: RedisServer) -> None:
        self.server = server

    def url(self, database: int) -> str:
        return f"redis://127.0.0.1:{self.server.port}/{database}"

    def down(self, how: str) -> None:
        if how == "frozen":
            self.server.freeze()
        else:
            self.server.stop()

    def back(self, how: str) -> None:
        if how == "frozen":
            self.server.thaw()
        else:
            self.server.start()
        # The breaker and the publishing pause run out (both 1 s here).
        time.sleep(BREAKER_SECONDS + 0.2)

    def queued(self) -> int:
        with celery_app.connection_for_read() as conn:
            client = conn.default_channel.client
            return sum(client.llen(name) for name in _queue_names())


def _queue_names() -> list[str]:
    return [django_settings.CELERY_TASK_DEFAULT_QUEUE, django_settings.CELERY_REPORTS_QUEUE]


@contextmanager
def _celery_on(url: str):
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options
    conf.broker_url = url
    conf.broker_transport_options = dict(django_settings.CELERY_BROKER_TRANSPORT_OPTIONS) | {
        "visibility_timeout": 2 * 60 * 60,
        "socket_connect_timeout": 0.25,
        "socket_timeout": 0.5,
        "max_retries": 0,
    }
    for key in ("data_folder_in", "data_folder_out", "control_folder", "store_processed"):
        conf.broker_transport_options.pop(key, None)
    _reset_publishing()
    try:
        yield
    finally:
        conf.broker_url, conf.broker_transport_options = saved
        _reset_publishing()


@pytest.fixture
def outage(redis_server, settings) -> Iterator[Outage]:
    """The cache and the broker on our Redis (cache: database 1, broker: database 0), with
    the production timeouts and a 1 s breaker and publishing pause."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.thaw()
    outage = Outage(redis_server)
    settings.CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": outage.url(1),
            "KEY_PREFIX": "changehub",
            "OPTIONS": {
                "socket_connect_timeout": 0.25,
                "socket_timeout": 0.5,
                "breaker_seconds": BREAKER_SECONDS,
            },
        }
    }
    settings.BROKER_PAUSE_SECONDS = BREAKER_SECONDS
    reset_breakers()
    queue.reset()
    with _celery_on(outage.url(0)):
        with celery_app.connection_for_write() as conn:
            conn.default_channel.client.flushdb()  # our own server: the queues of earlier tests
        caches["default"].clear()
        yield outage
    redis_server.thaw()
    reset_breakers()
    queue.reset()


def _drain(limit: int = 200) -> list[str]:
    """Be the worker: take the tasks waiting in our Redis and run them here, until none is
    left (tasks queue more tasks). Returns the names of the tasks run."""
    ran: list[str] = []
    with celery_app.connection_for_read() as conn:
        while len(ran) < limit:
            message = None
            for name in _queue_names():
                simple = conn.SimpleQueue(Queue(name, routing_key=name), no_ack=True)
                try:
                    message = simple.get(block=False)
                except simple.Empty:
                    continue
                finally:
                    simple.close()
                break
            if message is None:
                return ran
            task_name = message.headers["task"]
            args, kwargs, _embed = message.decode()
            celery_app.tasks[task_name].apply(args=args, kwargs=kwargs).get()
            ran.append(task_name)
    raise AssertionError(f"the tasks never ran out: {ran[-10:]}")


def _run_beat_once() -> None:
    """Every periodic task, called as beat would call it."""
    celery_app.loader.import_default_modules()  # every app's tasks, as in the worker
    for entry in django_settings.CELERY_BEAT_SCHEDULE.values():
        celery_app.tasks[entry["task"]].apply().get()


@contextmanager
def _within(budget: float, what: str):
    started = time.monotonic()
    yield
    took = time.monotonic() - started
    assert took < budget, f"{what} took {took:.2f} s"


def _ok(response) -> None:
    assert 200 <= response.status_code < 400, response.status_code


# --- The circuit breaker -------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_a_redis_that_does_not_answer_costs_one_timeout_then_nothing(outage, how):
    cache = caches["default"]
    cache.set("greeting", "hallo")
    assert cache.get("greeting") == "hallo"
    outage.down(how)
    try:
        with _within(0.9, "the first cache call"):
            assert cache.get("greeting", "miss") == "miss"
        with _within(0.05, "20 further cache calls"):
            for _ in range(4):
                assert cache.get("greeting") is None
                assert cache.get_many(["greeting"]) == {}
                assert cache.add("other", 1) is False
                cache.set("greeting", "servus")
                assert "greeting" not in cache
            with pytest.raises(CacheUnavailable):
                cache.incr("counter")
    finally:
        outage.back(how)
    cache.set("greeting", "moin")
    assert cache.get("greeting") == "moin"


def test_a_write_lost_while_redis_was_frozen_does_not_leave_a_stale_value(outage):
    cache = caches["default"]
    cache.set("signed-in", "old session")
    cache.set("changed", "old")
    outage.down("frozen")
    cache.delete("signed-in")  # times out
    cache.set("changed", "new")  # the breaker is open: skipped, Redis keeps "old"
    outage.back("frozen")
    # Redis answers again, but it must not hand out what it kept from before.
    assert cache.get("signed-in") is None
    assert cache.get("changed") is None


def test_an_error_of_the_first_call_after_an_outage_does_not_keep_the_breaker_open(outage):
    cache = caches["default"]
    outage.down("stopped")
    assert cache.get("anything") is None  # opens the breaker
    outage.back("stopped")
    with pytest.raises(ValueError):
        cache.incr("no-such-counter")  # the trial call: Redis answers "no such key"
    cache.set("greeting", "moin")
    assert cache.get("greeting") == "moin"


def test_a_sign_out_while_redis_is_frozen_stays_a_sign_out(outage, cast):
    client = cast.client("manager")
    assert client.get(reverse("rollout:home")).status_code in (200, 302)
    cookie = django_settings.SESSION_COOKIE_NAME
    session_key = client.cookies[cookie].value
    outage.down("frozen")
    with _within(REQUEST_SECONDS, "signing out"):
        _ok(client.post(reverse("logout")))
    outage.back("frozen")
    # The old session cookie (its session still in Redis after the sign-out) opens nothing.
    stale = Client()
    stale.cookies[cookie] = session_key
    response = stale.get(reverse("rollout:home"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_signing_in_while_redis_is_away_keeps_the_session(outage, db, how):
    """The session is written to the database; the cache only ever holds a copy."""
    user = factories.UserFactory(
        email="jana.schulz@example.de", password="Sommer-Kampagne-2026", roles=[Role.MANAGER]
    )
    browser = Client(HTTP_ACCEPT_LANGUAGE="de")
    outage.down(how)
    try:
        with _within(REQUEST_SECONDS, "signing in"):
            response = browser.post(
                reverse("login"), {"username": user.email, "password": "Sommer-Kampagne-2026"}
            )
        assert response.status_code == 302, response.content[:500]
        with _within(REQUEST_SECONDS, "the next page"):
            assert browser.get(reverse("rollout:home")).wsgi_request.user == user
    finally:
        outage.back(how)
    assert browser.get(reverse("rollout:home")).wsgi_request.user == user


# --- Work done in the browser while Redis is away ---------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_publish_report_and_acknowledgment_answer_while_redis_is_away_and_finish_later(
    outage, cast, how, settings
):
    settings.DEBUG = False  # as in production: no debug page would hide an error
    for _ in range(3):
        factories.PersonFactory(department=cast.department_b)
    in_force = factories.guideline_version("published")
    employee = cast.employee.person
    link = guideline_services.ack_url(person_id=employee.pk, version_id=in_force.pk, absolute=False)
    approved = factories.guideline_version("approved")
    _drain()  # the first version's emails, while Redis was there
    mail.outbox.clear()
    manager = cast.client("manager")
    manager.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    _ok(manager.get(reverse("rollout:home")))  # the session and the page cache in Redis
    employee_browser = Client(HTTP_ACCEPT_LANGUAGE="de")
    _ok(employee_browser.get(link))

    outage.down(how)
    try:
        with _within(REQUEST_SECONDS, "publishing"):
            _ok(
                manager.post(
                    reverse("guidelines:version_publish", args=[approved.pk]), {"scope": "all"}
                )
            )
        with _within(REQUEST_SECONDS, "requesting a report"):
            _ok(
                manager.post(
                    reverse("reports:report_create", args=[cast.rollout.pk]), {"language": "de"}
                )
            )
        with _within(REQUEST_SECONDS, "opening the personal link"):
            _ok(employee_browser.get(link))
        with _within(REQUEST_SECONDS, "acknowledging"):
            _ok(employee_browser.post(link))
        with _within(REQUEST_SECONDS, "the home page"):
            _ok(manager.get(reverse("rollout:home")))
        with _within(REQUEST_SECONDS, "/health/"):
            health = Client().get("/health/")
        assert health.status_code == 503
        assert set(health.json()["down"]) == {"cache", "broker"}
    finally:
        outage.back(how)

    # Everything was written while Redis was away ...
    approved.refresh_from_db()
    assert approved.status == VersionStatus.PUBLISHED
    asked = list(
        AcknowledgmentRequest.objects.filter(version=approved).values_list(
            "person__email", flat=True
        )
    )
    assert len(asked) == 8  # the cast's five and three more
    report = Report.objects.get(rollout=cast.rollout)
    assert report.status == ReportStatus.QUEUED
    assert Acknowledgment.objects.filter(person=employee, version=in_force).exists()

    # ... and beat and the worker finish it once Redis is back.
    for _ in range(3):
        _run_beat_once()
        _drain()
    report.refresh_from_db()
    assert report.status == ReportStatus.READY, report.error
    mailed = {address for message in mail.outbox for address in message.to}
    assert all(any(email in to for to in mailed) for email in asked), (asked, mailed)
    assert GuidelineVersion.objects.get(pk=approved.pk).status == VersionStatus.PUBLISHED
    assert outage.queued() == 0
    assert Path(report.file.path).exists()
