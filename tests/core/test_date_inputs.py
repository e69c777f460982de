"""Every date and time input of every form renders its value in ISO form (yyyy-mm-dd, HH:MM,
yyyy-mm-ddTHH:MM) whatever the language: a browser's date input drops any other form, so a
German page that re-opens a form would show (and then save) an empty field."""

import datetime
import importlib
import importlib.util
import inspect
import pathlib
import pkgutil
import re
import zoneinfo

import pytest
from django import forms
from django.apps import apps as django_apps
from django.utils import timezone, translation

from core import widgets
from tests import factories

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DAY = datetime.date(2026, 3, 9)
LATER = datetime.date(2026, 11, 27)
MOMENT = datetime.datetime(2026, 3, 9, 8, 5, tzinfo=BERLIN)
PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPORAL = (forms.DateField, forms.TimeField, forms.DateTimeField)


def _form_packages() -> list[str]:
    """The `forms` module (or package) of every app of the product."""
    names = []
    for config in django_apps.get_app_configs():
        if pathlib.Path(config.path).resolve().parent != PROJECT_ROOT:
            continue  # Django's and third-party apps
        if importlib.util.find_spec(f"{config.name}.forms") is not None:
            names.append(f"{config.name}.forms")
    return names


def _form_classes() -> dict[str, type[forms.BaseForm]]:
    """Every form class of the product (its own modules), by dotted name."""
    found: dict[str, type[forms.BaseForm]] = {}
    for package_name in _form_packages():
        package = importlib.import_module(package_name)
        names = [package_name]
        if hasattr(package, "__path__"):
            names += [
                f"{package_name}.{info.name}"
                for info in pkgutil.iter_modules(package.__path__)
                if not info.ispkg and info.name not in {"apps", "tests", "admin"}
            ]
        for name in names:
            module = importlib.import_module(name)
            for value in vars(module).values():
                if (
                    inspect.isclass(value)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__ == name
                ):
                    found[f"{name}.{value.__name__}"] = value
    return found


def _temporal_forms() -> dict[str, list[str]]:
    return {
        name: [f for f, field in cls.base_fields.items() if isinstance(field, TEMPORAL)]
        for name, cls in _form_classes().items()
        if any(isinstance(field, TEMPORAL) for field in cls.base_fields.values())
    }


# --- How to build each form bound to a stored value ------------------------------------------


def _rollout_form():
    from rollout.forms import RolloutForm
    from rollout.models import Rollout

    return RolloutForm(instance=Rollout(name="X", start_date=DAY, end_date=LATER))


def _communication_item_form():
    from rollout.forms.communication import CommunicationItemForm
    from rollout.models import CommunicationItem

    return CommunicationItemForm(instance=CommunicationItem(date=DAY))


def _success_story_form():
    from rollout.forms.communication import SuccessStoryForm
    from rollout.models import SuccessStory

    return SuccessStoryForm(instance=SuccessStory(date=DAY))


def _activity_create_form():
    from rollout.forms.plan import ActivityCreateForm
    from rollout.models import Activity

    return ActivityCreateForm(instance=Activity(due_date=DAY), phase_pk=1)


def _activity_edit_form():
    from rollout.forms.plan import ActivityEditForm

    activity = factories.ActivityFactory(due_date=DAY)
    return ActivityEditForm(instance=activity, rollout=activity.phase.rollout)


def _delivery_form():
    from rollout.forms.workflows import DeliveryForm

    return DeliveryForm(initial={"requested_at": MOMENT, "delivered_at": MOMENT})


def _delivered_form():
    from rollout.forms.workflows import DeliveredForm

    return DeliveredForm(initial={"delivered_at": MOMENT})


def _version_form():
    from guidelines.forms.guidelines import VersionForm

    return VersionForm(initial={"body": "# A", "effective_date": DAY})


def _approve_form():
    from guidelines.forms.guidelines import ApproveForm

    return ApproveForm(initial={"approved_on": DAY})


def _publish_form():
    from guidelines.forms.guidelines import PublishForm

    return PublishForm(initial={"acknowledge_by": DAY, "effective_date": DAY})


def _session_form():
    from guidelines.forms.trainings import SessionForm

    session = factories.training_session(
        starts_at=datetime.datetime.combine(DAY, datetime.time(8, 5), tzinfo=BERLIN),
        ends_at=datetime.datetime.combine(DAY, datetime.time(9, 30), tzinfo=BERLIN),
    )
    return SessionForm(rollout=session.phase.rollout, session=session)


def _goal_form():
    from goals.forms import GoalForm
    from goals.models import Goal

    return GoalForm(instance=Goal(start_date=DAY, due_date=LATER))


def _goal_value_form():
    from goals.forms import GoalValueForm

    return GoalValueForm(initial={"date": DAY})


def _wave_start_form():
    from surveys.forms import WaveStartForm

    return WaveStartForm(initial={"closes_on": DAY})


BUILDERS = {
    "goals.forms.GoalForm": _goal_form,
    "goals.forms.GoalValueForm": _goal_value_form,
    "rollout.forms.RolloutForm": _rollout_form,
    "rollout.forms.communication.CommunicationItemForm": _communication_item_form,
    "rollout.forms.communication.SuccessStoryForm": _success_story_form,
    "rollout.forms.plan.ActivityCreateForm": _activity_create_form,
    "rollout.forms.plan.ActivityEditForm": _activity_edit_form,
    "rollout.forms.workflows.DeliveryForm": _delivery_form,
    "rollout.forms.workflows.DeliveredForm": _delivered_form,
    "guidelines.forms.guidelines.VersionForm": _version_form,
    "guidelines.forms.guidelines.ApproveForm": _approve_form,
    "guidelines.forms.guidelines.PublishForm": _publish_form,
    "guidelines.forms.trainings.SessionForm": _session_form,
    "surveys.forms.WaveStartForm": _wave_start_form,
}

ISO = {
    forms.DateField: (widgets.DateInput, "date", r"\d{4}-\d{2}-\d{2}"),
    forms.TimeField: (widgets.TimeInput, "time", r"\d{2}:\d{2}"),
    forms.DateTimeField: (
        widgets.DateTimeInput,
        "datetime-local",
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}",
    ),
}


def _kind(field: forms.Field) -> type[forms.Field]:
    return next(kind for kind in ISO if isinstance(field, kind))


def test_every_form_with_a_date_or_time_is_checked_here():
    """A new form with a date or time field must be added to BUILDERS (and so be checked)."""
    found = _temporal_forms()
    assert set(found) == set(BUILDERS), "add the new form to BUILDERS"
    assert {"rollout.forms", "guidelines.forms", "core.forms"} <= set(_form_packages())


def test_every_date_and_time_field_uses_the_iso_widgets():
    for name, fields in _temporal_forms().items():
        cls = _form_classes()[name]
        for field_name in fields:
            field = cls.base_fields[field_name]
            widget_class, _input_type, _pattern = ISO[_kind(field)]
            assert isinstance(field.widget, widget_class), f"{name}.{field_name}"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_stored_dates_render_in_iso_form_in_every_language(name, language, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    with timezone.override(BERLIN), translation.override(language):
        form = BUILDERS[name]()
        checked = 0
        for bound in form:
            if not isinstance(bound.field, TEMPORAL):
                continue
            _widget, input_type, pattern = ISO[_kind(bound.field)]
            html = str(bound)
            assert f'type="{input_type}"' in html, html
            value = re.search(r'value="([^"]*)"', html)
            assert value is not None, f"{name}.{bound.name} lost its value: {html}"
            assert re.fullmatch(pattern, value.group(1)), html
            checked += 1
        assert checked == len(_temporal_forms()[name])


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_values_are_the_stored_ones(language):
    with timezone.override(BERLIN), translation.override(language):
        assert 'value="2026-03-09"' in str(_version_form()["effective_date"])
        assert 'value="2026-03-09"' in str(_approve_form()["approved_on"])
        assert 'value="2026-03-09T08:05"' in str(_delivered_form()["delivered_at"])


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_training_opened_again_keeps_its_date_and_times(language):
    with timezone.override(BERLIN), translation.override(language):
        form = _session_form()
        assert 'value="2026-03-09"' in str(form["date"])
        assert 'value="08:05"' in str(form["start_time"])
        assert 'value="09:30"' in str(form["end_time"])


@pytest.mark.parametrize("language", ["de", "en"])
def test_iso_values_from_the_browser_are_read_in_every_language(language):
    from guidelines.forms.guidelines import ApproveForm

    with translation.override(language):
        form = ApproveForm(
            data={"approved_on": "2020-03-09", "works_agreement_reference": "BV 1", "on_paper": "x"}
        )
        assert form.is_valid(), form.errors
        assert form.cleaned_data["approved_on"] == datetime.date(2020, 3, 9)
