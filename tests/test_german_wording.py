"""German pages speak German throughout: the empty choice of a select is "bitte wählen"
(not Django's "- Select an option -" or "---------"), a session runs "von 10:00 bis 12:00 Uhr",
and a cancelled session (or item, or activity) is "abgesagt" everywhere."""

import datetime
import re
from pathlib import Path

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from guidelines.services.trainings import training_session_cancel
from rollout.models import PhaseKind
from tests import factories
from tests.core.test_date_inputs import _form_classes

EN = "\N{EN DASH}"
GERMAN_EMPTY = f"{EN} bitte wählen {EN}"
ENGLISH_LEFTOVERS = ("Select an option", "---------")
LOCALE = Path(__file__).resolve().parent.parent / "changehub" / "locale"


def _without_leftovers(html: str) -> None:
    for leftover in ENGLISH_LEFTOVERS:
        assert leftover not in html


def test_every_default_empty_choice_is_german():
    checked = 0
    with translation.override("de"):
        for name, cls in _form_classes().items():
            for field_name, field in cls.base_fields.items():
                if isinstance(field, forms.ModelChoiceField) and field.empty_label:
                    label = str(field.empty_label)
                    assert label not in ENGLISH_LEFTOVERS, f"{name}.{field_name}"
                    checked += 1
                if isinstance(field, forms.ChoiceField) and not isinstance(
                    field, forms.ModelChoiceField
                ):
                    labels = [str(label) for _value, label in field.choices]
                    assert not set(labels) & set(ENGLISH_LEFTOVERS), f"{name}.{field_name}"
    assert checked >= 3


@pytest.mark.django_db
def test_a_german_form_offers_bitte_waehlen(cast):
    """The rollout form's sponsor select: German empty choice; English says so in English."""
    page = cast.client("manager").get(reverse("rollout:rollout_create"), HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    assert f'<option value="" selected>{GERMAN_EMPTY}</option>' in page.text
    _without_leftovers(page.text)
    with translation.override("en"):
        from rollout.forms import RolloutForm

        html = str(RolloutForm()["sponsor"])
    assert "please choose" in html and GERMAN_EMPTY not in html


@pytest.fixture
def session(cast):
    return factories.training_session(
        phase=cast.rollout.phases.get(kind=PhaseKind.MOVE), departments=[cast.department_a]
    )


@pytest.mark.django_db
def test_a_session_runs_von_bis_on_german_pages(cast, session):
    client = cast.client("manager")
    detail = client.get(reverse("guidelines:training_detail", args=[session.pk]))
    assert "von 10:00 bis 12:00 Uhr" in detail.text
    listing = client.get(reverse("guidelines:training_list", args=[cast.rollout.pk]))
    assert "von 10:00 bis 12:00 Uhr" in listing.text
    assert f"10:00{EN}12:00" not in detail.text + listing.text


@pytest.mark.django_db
def test_a_session_runs_from_to_in_english(cast, session):
    cast.manager.language = "en"
    cast.manager.save(update_fields=["language"])
    detail = cast.client("manager").get(reverse("guidelines:training_detail", args=[session.pk]))
    assert f"10:00{EN}12:00" in detail.text and "von 10:00" not in detail.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("de", "von 10:00 bis 12:00 Uhr"), ("en", f"10:00{EN}12:00")]
)
def test_the_invitation_mail_has_the_same_span(session, language, expected):
    with translation.override(language):
        for name in ("emails/training_details.txt", "emails/training_details.html"):
            assert expected in render_to_string(name, {"session": session})


def test_no_template_writes_a_time_span_by_hand():
    root = Path(__file__).resolve().parent.parent
    by_hand = re.compile(r'\|time:"TIME_FORMAT" }}\s*[\u2013-]\s*{{')
    for template in root.glob("*/templates/**/*.html"):
        assert not by_hand.search(template.read_text()), template
    for template in root.glob("*/templates/**/*.txt"):
        assert not by_hand.search(template.read_text()), template


@pytest.mark.django_db
def test_a_cancelled_session_is_abgesagt(cast, session):
    training_session_cancel(session=session, reason="Trainer krank", by=cast.manager)
    client = cast.client("manager")
    detail = client.get(reverse("guidelines:training_detail", args=[session.pk])).text
    listing = client.get(reverse("guidelines:training_list", args=[cast.rollout.pk])).text
    assert "Abgesagt: Trainer krank" in detail
    assert "<strong>Abgesagt</strong>" in listing
    for other in ("Abgebrochen", "Storniert", "Fällt aus"):
        assert other not in detail + listing


def _catalog(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) of every entry of a .po file (plural forms joined)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        parts: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            field = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt) "(.*)"$', line)
            if field:
                key = "msgstr" if field.group(1).startswith("msgstr") else field.group(1)
                parts[key] = parts.get(key, "") + " " + field.group(2)
            elif line.startswith('"') and key:
                parts[key] += line[1:-1]
        if "msgid" in parts:
            entries.append((parts["msgid"].strip(), parts.get("msgstr", "").strip()))
    return entries


def test_the_catalog_has_one_word_for_cancelled():
    """Every German msgstr for "cancelled" says "abgesagt" (a notification's state, which is
    not a session, and the "Cancel" button that stops editing are something else)."""
    checked = 0
    for msgid, msgstr in _catalog(LOCALE / "de" / "LC_MESSAGES" / "django.po"):
        if not re.search(r"\bcancell?ed\b", msgid) or msgid == "cancelled":
            continue
        text = msgstr.lower()
        assert not re.search(r"abgebrochen|storniert|fällt aus|ausgefallen", text), msgid
        checked += 1
    assert checked >= 5
    with translation.override("de"):
        assert translation.gettext("Cancelled") == "Abgesagt"
        assert translation.gettext("Training cancelled") == "Schulung abgesagt"


def test_dates_in_the_time_range_module_do_not_need_a_tag():
    """The tag formats plain times too (a form's start and end)."""
    from core.templatetags.timeranges import time_range

    with translation.override("de"):
        assert time_range(datetime.time(9), datetime.time(10, 30)) == "von 09:00 bis 10:30 Uhr"
