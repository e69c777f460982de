"""The Nu HTML checker (vnu.jar) finds no error on the pages the browser walk visits: the
manager's pages of the demo company, the head's department, an emailed acknowledgment link and
the sign-in page, in German and in English."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from devtools.demo import HEAD_EMAIL, MANAGER_EMAIL, WORKS_COUNCIL_EMAIL
from guidelines.models import AcknowledgmentRequest, VersionStatus
from guidelines.services.guidelines import ack_token
from rollout.models import Department, Rollout, User
from rollout.selectors.readiness import GROUP_FROM
from tests.browser.test_csp_everywhere import _manager_pages

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = pytest.mark.django_db


def _checker() -> list[str]:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        message = "the Nu HTML checker needs Java and `npm install` (make test does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return [java, "-Xss2m", "-jar", str(VNU)]


def _pages(client: Client, paths: list[str], folder: Path, prefix: str) -> list[Path]:
    files = []
    for number, path in enumerate(paths):
        response = client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        file = folder / f"{prefix}-{number:02d}.html"
        file.write_bytes(response.content)
        files.append(file)
    return files


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def test_the_nu_html_checker_finds_no_error(tmp_path, media):
    command = _checker()
    call_command("seed_demo", verbosity=0)
    paths = _manager_pages()
    names: dict[str, str] = {}
    files: list[Path] = []
    for language in ("de", "en"):
        manager = Client(headers={"accept-language": language})
        manager.force_login(User.objects.get(email=MANAGER_EMAIL))
        manager.cookies["django_language"] = language
        found = _pages(manager, paths, tmp_path, f"manager-{language}")
        for file, path in zip(found, paths, strict=True):
            names[str(file)] = f"{language} {path}"
        files += found
    head = Client(headers={"accept-language": "de"})
    head.force_login(User.objects.get(email=HEAD_EMAIL))
    request = (
        AcknowledgmentRequest.objects.filter(version__status=VersionStatus.PUBLISHED)
        .order_by("pk")
        .first()
    )
    link = f"/g/{ack_token(person_id=request.person_id, version_id=request.version_id)}/"
    for client, path, prefix in (
        (head, "/my-department/", "head"),
        (Client(headers={"accept-language": "de"}), link, "link"),
        (Client(headers={"accept-language": "de"}), "/accounts/login/", "login"),
    ):
        (file,) = _pages(client, [path], tmp_path, prefix)
        names[str(file)] = path
        files.append(file)
    # The works council's own pages, as its member reads them.
    council = Client(headers={"accept-language": "de"})
    council.force_login(User.objects.get(email=WORKS_COUNCIL_EMAIL))
    for path, prefix in (
        ("/works-council/", "council"),
        (f"/works-council/versions/{request.version_id}/", "council-version"),
    ):
        (file,) = _pages(council, [path], tmp_path, prefix)
        names[str(file)] = path
        files.append(file)
    # A company with sites and divisions: the grouped heatmap, and a division's own page.
    site = Department.objects.create(name="Standort Prüfstadt")
    division = Department.objects.create(name="Vertrieb Prüfstadt", parent=site)
    for number in range(GROUP_FROM):
        Department.objects.create(name=f"Vertrieb Prüfstadt / Team {number}", parent=division)
    rollout = Rollout.objects.order_by("pk").first()
    for path, prefix in (
        (f"/rollouts/{rollout.pk}/", "grouped"),
        (f"/rollouts/{rollout.pk}/readiness/{division.pk}/", "division"),
    ):
        manager = Client(headers={"accept-language": "de"})
        manager.force_login(User.objects.get(email=MANAGER_EMAIL))
        (file,) = _pages(manager, [path], tmp_path, prefix)
        assert b"heat-group" in file.read_bytes()
        names[str(file)] = path
        files.append(file)
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = sorted(
        {
            f"{names.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: {m['message']}"
            for m in messages
            if m.get("type") == "error"
        }
    )
    assert errors == [], f"{len(errors)} errors:\n" + "\n".join(errors[:60])
