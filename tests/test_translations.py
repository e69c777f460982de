"""Both message catalogs are complete, and no translatable text is missing from them."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "changehub" / "locale"


@pytest.mark.parametrize("language", ["de", "en"])
def test_catalog_has_no_untranslated_or_fuzzy_messages(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_every_translatable_text_is_in_the_catalogs(tmp_path):
    """Extract the messages afresh and compare them with the committed catalogs."""
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(
        ".venv", "var", ".git", "__pycache__", "*.mo", "tests", "node_modules"
    )
    shutil.copytree(ROOT, copy, ignore=ignore)
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": "",
        "CHANGEHUB_VAR_DIR": str(tmp_path / "var"),
    }
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "de",
            "--no-obsolete",
            "--no-location",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh = copy / "changehub" / "locale" / "de" / "LC_MESSAGES" / "django.po"
    for language in ("de", "en"):
        committed = LOCALE / language / "LC_MESSAGES" / "django.po"
        result = subprocess.run(
            ["msgcmp", str(committed), str(fresh)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{language}: {result.stderr[-3000:]}"
