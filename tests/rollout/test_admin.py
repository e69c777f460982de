"""The admin is a fallback tool: every model is registered and its pages open."""

import pytest
from django.contrib import admin
from django.urls import reverse

from core.models import Heartbeat
from rollout.models import (
    Activity,
    AttitudeChange,
    Department,
    GateCriterion,
    Person,
    Phase,
    Rollout,
    Stakeholder,
    User,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", [User, Department, Person, Rollout, Phase, Activity, Stakeholder, Heartbeat]
)
def test_admin_changelist_opens(model, client):
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    factories.StakeholderFactory()
    factories.ActivityFactory()
    client.force_login(staff)
    assert model in admin.site._registry
    response = client.get(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    )
    assert response.status_code == 200


def test_inlines_cover_the_remaining_models():
    registered = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    assert {GateCriterion, AttitudeChange, Phase} <= registered
