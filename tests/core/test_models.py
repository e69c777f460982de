"""core.models.Authored / AuthoredAndUpdated: the shared created_by/created_at(/updated_at)
fields. Models take them from the base only where the fields were identical, so the tables do
not change (tests/test_settings.py checks `makemigrations --check`); here the fields
themselves and what they do."""

import datetime

import pytest
from django.db import models
from django.utils import timezone, translation

from core.models import Authored, AuthoredAndUpdated
from guidelines.models import Guideline, GuidelineVersion, TrainingSession
from rollout.models import Rollout, RolloutTemplate
from tests import factories

pytestmark = pytest.mark.django_db

AUTHORED = [Rollout, RolloutTemplate, Guideline]
AUTHORED_AND_UPDATED = [GuidelineVersion, TrainingSession]


@pytest.mark.parametrize("model", AUTHORED + AUTHORED_AND_UPDATED, ids=lambda m: m.__name__)
def test_the_models_take_the_fields_from_the_base(model):
    base = AuthoredAndUpdated if model in AUTHORED_AND_UPDATED else Authored
    assert issubclass(model, base)
    author = model._meta.get_field("created_by")
    assert author.column == "created_by_id"
    assert author.null and author.blank
    assert author.remote_field.on_delete is models.SET_NULL
    assert author.remote_field.related_name == "+"
    with translation.override("en"):
        assert str(author.verbose_name) == "created by"
    with translation.override("de"):
        assert str(author.verbose_name) == "angelegt von"
    created = model._meta.get_field("created_at")
    assert created.auto_now_add and created.column == "created_at"
    if base is AuthoredAndUpdated:
        assert model._meta.get_field("updated_at").auto_now
    # The fields are the model's own columns: no table for the base, no parent link.
    assert not model._meta.parents


def test_the_bases_have_no_table():
    assert Authored._meta.abstract and AuthoredAndUpdated._meta.abstract


def test_timestamps_are_set_and_the_row_outlives_its_author(cast):
    author = factories.UserFactory()
    guideline = Guideline.objects.create(title="Social Media", created_by=author)
    version = GuidelineVersion.objects.create(
        guideline=guideline, number=1, body="Text", created_by=author
    )
    assert guideline.created_at is not None
    assert version.created_at is not None and version.updated_at is not None
    before = version.updated_at
    GuidelineVersion.objects.filter(pk=version.pk).update(
        updated_at=before - datetime.timedelta(hours=1)
    )
    version.refresh_from_db()
    version.body = "Neuer Text"
    version.save()
    assert version.updated_at > before - datetime.timedelta(hours=1)
    assert version.updated_at <= timezone.now()
    author.delete()
    guideline.refresh_from_db()
    version.refresh_from_db()
    assert guideline.created_by is None and version.created_by is None
