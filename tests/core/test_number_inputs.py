"""Numbers are typed and shown the way the user writes them: "1.250" and "1.250,5" on a
German page, "1,250.5" on an English one (and either on both), in text inputs a browser does
not refuse; a stored value comes back in the language's form, which the field reads back."""

import re
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from core import forms as number_fields
from core.forms import format_number, normalize_number
from tests import factories
from tests.core.test_date_inputs import _form_classes

NUMERIC = (forms.IntegerField, forms.DecimalField, forms.FloatField)
# Never typed by a person: the board's move buttons and the review's hidden revision.
NOT_TYPED = {
    "rollout.forms.plan.ActivityMoveForm.position",
    "rollout.forms.workflows.DecisionForm.revision",
    "rollout.forms.workflows.ChangesForm.revision",
}


def _numeric_fields() -> dict[str, forms.Field]:
    return {
        f"{name}.{field_name}": field
        for name, cls in _form_classes().items()
        for field_name, field in cls.base_fields.items()
        if isinstance(field, NUMERIC)
    }


def _value(html: str) -> str:
    match = re.search(r'value="([^"]*)"', html)
    assert match, html
    return match.group(1)


def test_every_typed_number_uses_the_local_number_fields():
    fields = _numeric_fields()
    assert len(fields) >= 10
    for name, field in fields.items():
        if name in NOT_TYPED:
            continue
        assert isinstance(field, (number_fields.IntegerField, number_fields.DecimalField)), name
        assert isinstance(field.widget, number_fields.NumberTextInput), name
        html = field.widget.render("n", 1250)
        assert 'type="text"' in html, html
        mode = (
            "numeric"
            if isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField)
            else "decimal"
        )
        assert f'inputmode="{mode}"' in html, (name, html)


@pytest.mark.parametrize(
    ("language", "typed", "plain"),
    [
        ("de", "1.250", "1250"),
        ("de", "1.250,5", "1250.5"),
        ("de", "1,250.5", "1250.5"),
        ("de", "1,5", "1.5"),
        ("de", "1.5", "1.5"),
        ("de", "1.250.000", "1250000"),
        ("de", " 1 250,5 ", "1250.5"),
        ("de", "\N{MINUS SIGN}1.250,5", "-1250.5"),
        ("de", ",5", "0.5"),
        ("en", "1,250", "1250"),
        ("en", "1,250.5", "1250.5"),
        ("en", "1.250,5", "1250.5"),
        ("en", "1.250", "1.250"),
        ("en", "1,250,000", "1250000"),
        ("en", "12", "12"),
    ],
)
def test_typed_numbers_are_read(language, typed, plain):
    with translation.override(language):
        assert normalize_number(typed) == plain


@pytest.mark.parametrize("typed", ["1.25.0", "12,", "abc", "1,2,3", "1.2.3,4", "--1", "1e5"])
@pytest.mark.parametrize("language", ["de", "en"])
def test_what_is_no_number_is_refused_not_guessed(language, typed):
    with translation.override(language), pytest.raises(ValueError):
        normalize_number(typed)


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("de", Decimal("1250.50"), "1.250,5"),
        ("de", Decimal("1250.00"), "1.250"),
        ("de", 1250, "1.250"),
        ("de", 7, "7"),
        ("de", Decimal("0.25"), "0,25"),
        ("en", Decimal("1250.50"), "1,250.5"),
        ("en", 1250, "1,250"),
    ],
)
def test_stored_numbers_are_shown_in_the_language_and_read_back(language, value, shown):
    with translation.override(language):
        assert format_number(value) == shown
        assert Decimal(normalize_number(shown)) == value


# --- Each form, in German and English ------------------------------------------------------


def _success_story_form(data=None, instance=None):
    from rollout.forms.communication import SuccessStoryForm

    return SuccessStoryForm(data=data, instance=instance)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "typed", "shown"),
    [("de", "1.250,5", "1.250,5"), ("de", "1250,5", "1.250,5"), ("en", "1,250.5", "1,250.5")],
)
def test_a_key_figure_is_typed_and_shown_in_the_language(language, typed, shown):
    from rollout.models import KpiName, StoryKind, SuccessStory

    data = {
        "kind": StoryKind.KPI,
        "date": "2026-03-09",
        "title": "Reichweite",
        "kpi_name": KpiName.choices[0][0],
        "kpi_value": typed,
    }
    with translation.override(language):
        form = _success_story_form(data)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["kpi_value"] == Decimal("1250.5")
        html = str(form["kpi_value"])
        assert 'type="text"' in html and 'inputmode="decimal"' in html
        assert _value(html) == typed  # the typed text comes back as typed on an error
        stored = _success_story_form(instance=SuccessStory(kpi_value=Decimal("1250.50")))
        assert _value(str(stored["kpi_value"])) == shown
        again = _success_story_form({**data, "kpi_value": shown})
        assert again.is_valid(), again.errors
        assert again.cleaned_data["kpi_value"] == Decimal("1250.5")


@pytest.mark.django_db
def test_a_wrong_key_figure_says_so_in_german():
    with translation.override("de"):
        form = _success_story_form({"kind": "kpi", "date": "2026-03-09", "kpi_value": "1.25.0"})
        assert not form.is_valid()
        assert form.errors["kpi_value"] == ["Bitte eine Zahl eingeben."]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "typed"), [("de", "1.250"), ("en", "1,250")])
def test_reminder_rule_days_read_grouped_numbers(language, typed):
    from notifications.forms import ReminderRuleForm
    from notifications.models import ReminderRule

    data = {"enabled": "on", "first_after_days": typed, "every_days": "7", "max_count": "3"}
    with translation.override(language):
        form = ReminderRuleForm(data=data)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["first_after_days"] == 1250
        html = str(form["every_days"])
        assert 'type="text"' in html and 'inputmode="numeric"' in html
        rule = ReminderRule(first_after_days=1250, every_days=7, max_count=3)
        shown = _value(str(ReminderRuleForm(instance=rule)["first_after_days"]))
        assert shown == typed
        assert ReminderRuleForm(data={**data, "first_after_days": shown}).is_valid()


# Forms whose numbers have a small maximum: "1.250" is read as 1250 (and refused as too
# large), never as 1.25 ("not a whole number") or 1250 silently accepted.
SMALL = [
    ("rollout.forms.workflows.WorkflowForm", "turnaround", 720),
    ("rollout.forms.plan.CriterionForm", "threshold", 100),
    ("guidelines.forms.guidelines.QuestionForm", "correct_choice", 10),
    ("guidelines.forms.trainings.SeriesForm", "interval_days", 90),
]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize(("form_name", "field_name", "maximum"), SMALL)
def test_small_numbers_in_every_form(form_name, field_name, maximum, language):
    field = _form_classes()[form_name].base_fields[field_name]
    grouped = "1.250" if language == "de" else "1,250"
    with translation.override(language):
        assert field.clean("7") == 7
        assert field.clean(" 7 ") == 7
        with pytest.raises(forms.ValidationError) as error:
            field.clean(grouped)
        assert error.value.error_list[0].code == "max_value"
        assert str(maximum) in str(error.value.messages)
        assert _value(field.widget.render(field_name, 7)) == "7"


@pytest.mark.parametrize(("language", "typed"), [("de", "1.250"), ("en", "1,250")])
def test_session_seats_read_grouped_numbers(language, typed):
    field = _form_classes()["guidelines.forms.trainings.SessionForm"].base_fields["capacity"]
    with translation.override(language):
        assert field.clean(typed) == 1250
        assert field.clean("") is None
        assert _value(field.widget.render("capacity", 1250)) == typed
        with pytest.raises(forms.ValidationError) as error:
            field.clean("12,5" if language == "de" else "12.5")
        assert error.value.error_list[0].code == "invalid"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_session_opened_again_keeps_its_seats(language):
    from tests.core.test_date_inputs import _session_form

    with translation.override(language):
        form = _session_form()
        session_capacity = form["capacity"].value()
        html = str(form["capacity"])
        assert 'type="text"' in html
        if session_capacity is not None:
            assert form.fields["capacity"].clean(_value(html)) == session_capacity


def test_a_key_beyond_64_bits_is_an_invalid_choice_not_a_database_error(db):
    """A hostile POST with a department id no database column can hold gets the form's
    'invalid choice' message instead of an OverflowError from the database."""
    from core.forms import ModelMultipleChoiceField
    from rollout.models import Department

    field = ModelMultipleChoiceField(queryset=Department.objects.all())
    for hostile in ("9223372036854775808", str(-(2**63) - 1), "1" * 40):
        with pytest.raises(ValidationError) as refused:
            field.clean([hostile])
        assert refused.value.code == "invalid_choice"
    department = factories.DepartmentFactory()
    assert list(field.clean([str(department.pk)])) == [department]
