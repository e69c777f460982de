"""The HTML emails share one base (emails/base.html): the language attribute, the header, the
signature and the unsubscribe note are written once. Each mail's own tests (notifications,
trainings, guidelines, workflows, reports, password reset) still send and read them."""

import pathlib
import re

import pytest
from django.template.loader import get_template, render_to_string
from django.utils import translation

BASE = "emails/base.html"
EXTENDS = '{% extends "emails/base.html" %}'
INCLUDE = re.compile(r'{%\s*include\s+"emails/([^"]+\.html)"')
# Markup that belongs to the base alone.
BASE_ONLY = ("<html", "<body", "</body>", "<!doctype", "get_current_language", "<p>ChangeHub</p>")


def _emails_dir() -> pathlib.Path:
    return pathlib.Path(get_template(BASE).origin.name).parent


def _mails() -> list[pathlib.Path]:
    """Every HTML template of emails/ that is a mail: not the base, not a part that others
    include (the training details table)."""
    paths = sorted(_emails_dir().glob("*.html"))
    parts = {name for path in paths for name in INCLUDE.findall(path.read_text(encoding="utf-8"))}
    return [path for path in paths if path.name != "base.html" and path.name not in parts]


def test_there_are_mails_to_check():
    names = {path.name for path in _mails()}
    assert {"reminder.html", "digest.html", "training_invitation.html"} <= names
    assert "training_details.html" not in names  # an included part, not a mail


@pytest.mark.parametrize("path", _mails(), ids=lambda path: path.name)
def test_every_html_mail_extends_the_base(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith(EXTENDS), f"{path.name} does not extend {BASE}"
    repeated = [markup for markup in BASE_ONLY if markup.lower() in text.lower()]
    assert not repeated, f"{path.name} repeats the base's markup: {repeated}"


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("path", _mails(), ids=lambda path: path.name)
def test_every_mail_renders_in_the_recipients_language_with_the_footer(path, language):
    context = {"recipient_name": "Anna", "unsubscribe_url": "https://changehub.example/u/x/"}
    with translation.override(language):
        html = render_to_string(f"emails/{path.name}", context)
    assert html.startswith("<!doctype html>")
    assert f'<html lang="{language}">' in html
    assert html.count("<p>ChangeHub</p>") == 1
    assert html.rstrip().endswith("</html>")
    # Optional mails get the unsubscribe note from the base.
    assert 'href="https://changehub.example/u/x/"' in html


def test_the_unsubscribe_note_only_when_the_mail_is_optional():
    with translation.override("de"):
        optional = render_to_string(
            "emails/reminder.html",
            {"recipient_name": "Anna", "headline": "Bitte", "unsubscribe_url": "https://x/u/"},
        )
        mandatory = render_to_string("emails/reminder.html", {"headline": "Bitte"})
    assert "<p>Hallo Anna,</p>" in optional
    assert "Keine Erinnerungen dieser Art mehr" in optional
    assert "<p><strong>Bitte</strong></p>" in optional
    assert "https://x/u/" not in mandatory and "Hallo" not in mandatory
