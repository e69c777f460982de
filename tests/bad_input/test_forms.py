"""Every form of the project, fed hostile values (hypothesis): never an exception, every
rejection carries a message, and what a form accepts holds no NUL byte (PostgreSQL refuses
those in text, so one slipping through would be a 500 later)."""

import inspect

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import guidelines.forms.guidelines
import guidelines.forms.trainings
import notifications.forms
import reports.forms
import rollout.forms
import rollout.forms.communication
import rollout.forms.departments
import rollout.forms.plan
import rollout.forms.stakeholders
import rollout.forms.workflows
from tests.bad_input.strategies import contains_nul, form_data
from tests.bad_input.world import World

MODULES = [
    rollout.forms,
    rollout.forms.communication,
    rollout.forms.departments,
    rollout.forms.plan,
    reports.forms,
    rollout.forms.stakeholders,
    rollout.forms.workflows,
    guidelines.forms.guidelines,
    guidelines.forms.trainings,
    notifications.forms,
]

HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def all_forms() -> dict[str, type]:
    found = {}
    for module in MODULES:
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
            ):
                found[f"{module.__name__}.{name}"] = value
    return found


def build(form_class, world: World, data: dict | None, files: dict | None = None):
    name = form_class.__name__
    kwargs = world.kwargs(name)
    if issubclass(form_class, rollout.forms.LoginForm.__mro__[1]):  # AuthenticationForm
        return form_class(None, data=data)
    if name == "BoardFilterForm":
        return form_class(data, **kwargs)
    return form_class(data=data, files=files, **kwargs)


FORMS = all_forms()


def test_the_list_of_forms_is_complete():
    """A new form module or class shows up here; the property test below covers it."""
    assert len(FORMS) >= 45, sorted(FORMS)


@pytest.mark.parametrize("dotted", sorted(FORMS))
@pytest.mark.django_db
def test_hostile_values_never_crash_a_form(dotted, cast):
    form_class = FORMS[dotted]
    world = World(cast)
    empty = build(form_class, world, None)
    names = [empty.add_prefix(name) for name in empty.fields]
    names += [f"{name}_0" for name in names] + ["unexpected", "csrfmiddlewaretoken"]
    files = None
    if any(isinstance(field, forms.FileField) for field in empty.fields.values()):
        files = MultiValueDict({empty.add_prefix("file"): [SimpleUploadedFile("x.csv", b"a")]})

    @HYPOTHESIS
    @given(values=form_data(names), language=st.sampled_from(["de", "en"]))
    def check(values, language):
        with translation.override(language):
            form = build(form_class, world, MultiValueDict(values), files)
            if form.is_valid():
                assert not contains_nul(form.cleaned_data), form.cleaned_data
            else:
                assert form.errors
                for field, messages in form.errors.items():
                    assert messages, field
                    assert all(str(message).strip() for message in messages), (field, messages)

    check()
