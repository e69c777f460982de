"""The shared test set-up: the permission cast, Celery in tests, CI strictness."""

import os
import shutil
from functools import cached_property

import pytest
from django.test import Client

from changehub.celery import app as celery_app
from rollout.models import Role
from tests import factories

# Playwright's sync API runs an event loop in the test thread; the ORM calls a test makes
# around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may be skipped: a missing service or browser is a failure."""
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, which counts as a failure: {report.longrepr}"
    return report


@pytest.fixture(autouse=True)
def _celery_eager(request: pytest.FixtureRequest):
    """Unit tests run tasks inline; tests marked `worker` use a real worker on the real broker."""
    eager = "worker" not in request.keywords
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = eager
    celery_app.conf.task_eager_propagates = eager
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached fragments never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    """A private mailbox per test, and a fast password hasher (tests hash many passwords)."""
    settings.MAILBOX_DIR = tmp_path / "mailbox"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Mail goes out whenever a test runs (evenings and weekends too), without a weekly cap;
    # the tests of quiet hours and caps switch them on.
    settings.NOTIFY_QUIET_HOURS = False
    settings.NOTIFY_WEEKLY_CAP = 0


# --- The cast: manager, head of A, head of B, leadership, employee, anonymous ---------------


class Cast:
    """Everyone a permission test tries, with departments A and B and one rollout."""

    def __init__(self) -> None:
        self.department_a = factories.DepartmentFactory(name="Vertrieb")
        self.department_b = factories.DepartmentFactory(name="Personal")
        self.manager = factories.UserFactory(roles=[Role.MANAGER], full_name="Mara Manager")
        self.leadership = factories.UserFactory(roles=[Role.LEADERSHIP], full_name="Lena Leitung")
        self.head_a = factories.UserFactory(roles=[Role.DEPARTMENT_HEAD], full_name="Anton A")
        self.head_b = factories.UserFactory(roles=[Role.DEPARTMENT_HEAD], full_name="Berta B")
        self.employee = factories.UserFactory(roles=[Role.EMPLOYEE], full_name="Emil Employee")
        for user, department in (
            (self.head_a, self.department_a),
            (self.head_b, self.department_b),
            (self.employee, self.department_a),
            (self.manager, None),
            (self.leadership, None),
        ):
            factories.PersonFactory(
                email=user.email,
                department=department,
                user=user,
                first_name=user.full_name.split()[0],
                last_name=user.full_name.split()[-1],
            )
        self.department_a.head = self.head_a.person
        self.department_a.save(update_fields=["head"])
        self.department_b.head = self.head_b.person
        self.department_b.save(update_fields=["head"])
        self.rollout = factories.RolloutFactory(sponsor=self.leadership.person)

    @cached_property
    def works_council(self):
        """A member of the works council (not in CAST, which every role test walks; the
        authorization matrix tries them too). Made on first use, without a department, so
        that the other tests' counts of people stay as they are."""
        user = factories.UserFactory(
            roles=[Role.EMPLOYEE, Role.WORKS_COUNCIL], full_name="Wilma Werkrat"
        )
        factories.PersonFactory(email=user.email, user=user, first_name="Wilma", last_name="W")
        return user

    def client(self, who: str) -> Client:
        client = Client()
        if who != "anonymous":
            client.force_login(getattr(self, who))
        return client


CAST = ["anonymous", "employee", "head_a", "head_b", "leadership", "manager"]


@pytest.fixture
def cast(db) -> Cast:
    return Cast()


@pytest.fixture
def manager_client(cast: Cast) -> Client:
    return cast.client("manager")


# --- Browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A German office browser: German first, as most of our users."""
    return {**browser_context_args, "locale": "de-DE", "timezone_id": "Europe/Berlin"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }
