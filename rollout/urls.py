from django.urls import path

from rollout import views

app_name = "rollout"

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("rollouts/", views.rollout_list, name="rollout_list"),
    path("rollouts/new/", views.rollout_create, name="rollout_create"),
    path("rollouts/<int:pk>/", views.dashboard, name="dashboard"),
    path("activities/<int:pk>/status/", views.activity_set_status, name="activity_set_status"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/<str:key>/", views.mailbox_message, name="mailbox_message"),
]
