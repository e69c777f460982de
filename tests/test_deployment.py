"""The Compose file and the Dockerfile keep the promises production relies on.

Plain functions without a database: they read docker-compose.yml and the Dockerfile from the
project root. YAML is read with ruamel.yaml, which check-jsonschema brings along.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

APP_SERVICES = ["migrate", "web", "worker", "beat"]
LONG_RUNNING_APP_SERVICES = ["web", "worker", "beat"]
ROOT_USERS = {"root", "0"}


def _services() -> dict:
    compose = YAML(typ="safe", pure=True).load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return compose["services"]


def _words(value) -> str:
    """A command or healthcheck test as one string, whichever syntax the file uses."""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value or "")


def _is_root(user: str) -> bool:
    return str(user).split(":")[0].strip() in ROOT_USERS


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuation lines joined."""
    instructions = []
    parts: list[str] = []
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts.append(stripped.removesuffix("\\").strip())
        if not stripped.endswith("\\"):
            keyword, _, arguments = " ".join(parts).partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            parts = []
    return instructions


def _final_stage() -> list[tuple[str, str]]:
    instructions = _dockerfile_instructions()
    starts = [index for index, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert starts, "the Dockerfile has no FROM line"
    return instructions[starts[-1] :]


def test_compose_file_follows_the_compose_specification():
    check_jsonschema = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(check_jsonschema), "--builtin-schema", "vendor.compose-spec", COMPOSE_FILE.name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_exactly_one_celery_beat_runs():
    services = _services()
    schedulers = [
        name
        for name, service in services.items()
        if re.search(r"\bcelery\b.*\sbeat\b", _words(service.get("command")))
        or re.search(r"\bcelery\b.*\sworker\b.*\s(-B|--beat)\b", _words(service.get("command")))
    ]
    assert schedulers == ["beat"]
    beat = services["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) <= 1
    assert beat.get("scale", 1) <= 1


def test_redis_persists_queued_tasks_and_never_evicts_them():
    command = _words(_services()["redis"].get("command"))
    assert "--appendonly yes" in command
    assert re.search(r"--maxmemory-policy\s+noeviction\b", command)


def test_the_cache_has_its_own_bounded_redis_that_evicts_and_the_broker_never_does():
    services = _services()
    cache = _words(services["cache"].get("command"))
    assert re.search(r"--maxmemory\s+\d+mb\b", cache)
    assert re.search(r"--maxmemory-policy\s+allkeys-lru\b", cache)
    broker = _words(services["redis"].get("command"))
    assert "--maxmemory-policy noeviction" in broker
    for name in LONG_RUNNING_APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert environment["CACHE_REDIS_URL"].startswith("redis://cache:")
        # The site works without its cache: the app services do not wait for it to be healthy.
        assert services[name]["depends_on"]["cache"]["condition"] == "service_started"
    assert "redis-cli ping" in _words(services["cache"]["healthcheck"]["test"])


def test_the_web_healthcheck_waits_longer_than_health_takes():
    from core.health import PROBE_SECONDS

    healthcheck = _services()["web"]["healthcheck"]
    client_timeout = float(re.search(r"timeout=(\d+)", _words(healthcheck["test"])).group(1))
    docker_timeout = float(healthcheck["timeout"].rstrip("s"))
    # /health/ answers within its probes' budget plus the database's answer.
    assert PROBE_SECONDS + 1 < client_timeout < docker_timeout


def test_postgres_and_redis_report_their_health():
    services = _services()
    assert "pg_isready" in _words(services["postgres"]["healthcheck"]["test"])
    assert "redis-cli ping" in _words(services["redis"]["healthcheck"]["test"])


def test_web_healthcheck_fetches_the_health_page():
    healthcheck = _services()["web"].get("healthcheck", {})
    assert not healthcheck.get("disable", False)
    test = _words(healthcheck.get("test"))
    assert "http://127.0.0.1:8000/health/" in test
    assert 'os.environ["ALLOWED_HOSTS"]' in test
    assert "X-Forwarded-Proto" in test


def test_migrate_runs_once_after_postgres_is_ready():
    migrate = _services()["migrate"]
    assert re.search(r"^changehub migrate\b.*--noinput", _words(migrate.get("command")))
    assert migrate.get("restart", "no") == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", LONG_RUNNING_APP_SERVICES)
def test_app_service_waits_for_healthy_backends_and_finished_migrations(name):
    depends_on = _services()[name].get("depends_on", {})
    assert isinstance(depends_on, dict), f"{name}: depends_on without conditions"
    conditions = {
        service: (depends_on.get(service) or {}).get("condition")
        for service in ("postgres", "redis", "migrate")
    }
    assert conditions == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_runs_the_project_image_as_non_root(name):
    service = _services()[name]
    assert service.get("build") is not None, f"{name} does not run the image built here"
    assert not _is_root(service.get("user", "changehub")), f"{name} overrides the user with root"
    users = [arguments for keyword, arguments in _final_stage() if keyword == "USER"]
    assert users, "the Dockerfile never leaves root"
    assert not _is_root(users[-1])


def test_dockerfile_is_based_on_python_312_or_313():
    arguments = _final_stage()[0][1]
    image = next(word for word in arguments.split() if not word.startswith("--"))
    assert re.fullmatch(r"python:3\.1[23](?:[.\-][\w.\-]*)?", image), image


def test_dockerfile_ends_as_a_non_root_user():
    stage = _final_stage()
    users = [arguments for keyword, arguments in stage if keyword == "USER"]
    assert users, "the Dockerfile never leaves root"
    assert not _is_root(users[-1])


def test_dockerfile_builds_the_wheel_from_every_shipped_app_and_no_developer_tools():
    """Each of the project's own apps (and the project package) goes into the wheel; devtools/
    does not; the running stage installs the wheel and needs no PYTHONPATH into a checkout."""
    text = DOCKERFILE.read_text()
    copied = set(re.findall(r"^COPY\s+(\w+)\s+\./\1\s*$", text, re.MULTILINE))
    packages = {
        path.parent.name for path in ROOT.glob("*/apps.py") if not path.parent.name.startswith(".")
    } | {"changehub"}
    assert packages - {"devtools"} <= copied, f"not copied: {sorted(packages - copied)}"
    assert "devtools" not in copied
    assert "PYTHONPATH" not in text
    final = _final_stage()
    assert any(k == "COPY" and "--from=build" in a and "/wheels" in a for k, a in final)
    assert any(k == "RUN" and "pip install" in a and ".whl" in a for k, a in final)
    assert not any(k == "COPY" and "--from" not in a for k, a in final), "the checkout leaks in"
