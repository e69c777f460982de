"""`pip install .` ships the whole product: a wheel built from the checkout runs outside it."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".git", ".venv", "var", "node_modules", "build", "dist", "__pycache__", "tests"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the checkout (so the build leaves nothing behind)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=lambda _dir, names: [
            n for n in names if n in SKIP_DIRS or n.endswith((".egg-info", ".pyc"))
        ],
    )
    out = base / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        check=True,
        timeout=600,
    )
    (built,) = out.glob("changehub-*.whl")
    return built


def test_the_wheel_holds_every_part_of_the_product_and_no_developer_tools(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for app in ("core", "rollout", "guidelines", "reports", "notifications"):
        assert any(n.startswith(f"{app}/migrations/0001_") for n in names), app
        assert any(n.startswith(f"{app}/templates/") for n in names), app
    assert "core/templatetags/pagecache.py" in names
    assert "core/templates/base.html" in names
    assert "core/static/css/app.css" in names
    assert "changehub/locale/de/LC_MESSAGES/django.mo" in names
    assert not [n for n in names if n.startswith(("devtools/", "tests/"))]


def test_an_installed_wheel_checks_migrates_and_renders_outside_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
    }
    env |= {"PYTHONPATH": str(site), "DEBUG": "true", "CHANGEHUB_VAR_DIR": str(tmp_path / "var")}

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "changehub", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "no issues" in run("check")
    run("migrate", "--noinput", "--verbosity", "0")
    script = (
        "import changehub, core; "
        "from django.template.loader import get_template; "
        "from django.contrib.staticfiles import finders; "
        "from django.utils import translation; "
        "get_template('rollout/dashboard.html'); get_template('emails/reminder.html'); "
        "translation.activate('de'); "
        "print('=>', changehub.__file__); print('=>', finders.find('css/app.css')); "
        "print('=>', translation.gettext('Departments'))"
    )
    output = run("shell", "--no-imports", "-c", script)
    package, stylesheet, german = [
        line.removeprefix("=> ") for line in output.splitlines() if line.startswith("=> ")
    ]
    assert package.startswith(str(site))
    assert stylesheet.startswith(str(site))
    assert german == "Abteilungen"
    assert "seed_demo" not in run("help", "--commands")
