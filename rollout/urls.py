"""URLs of the rollout app; each area's view module declares its own patterns."""

from django.urls import path

from rollout.views import (
    communication,
    departments,
    gates,
    plan,
    stakeholders,
    users,
    workflows,
)
from rollout.views import core as views

app_name = "rollout"

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("rollouts/", views.rollout_list, name="rollout_list"),
    path("rollouts/new/", views.rollout_create, name="rollout_create"),
    path("rollouts/<int:pk>/", views.dashboard, name="dashboard"),
    path(
        "rollouts/<int:pk>/readiness/<int:unit>/",
        views.readiness_group,
        name="readiness_group",
    ),
    path("activities/<int:pk>/status/", views.activity_set_status, name="activity_set_status"),
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/<str:key>/", views.mailbox_message, name="mailbox_message"),
    *plan.urlpatterns,
    *gates.urlpatterns,
    *departments.urlpatterns,
    *stakeholders.urlpatterns,
    *communication.urlpatterns,
    *workflows.urlpatterns,
    *users.urlpatterns,
]
