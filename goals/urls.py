from django.urls import path

from goals import views

app_name = "goals"

urlpatterns = [
    path("", views.home, name="home"),
    path("leadership/", views.leadership, name="leadership"),
    path("rollouts/<int:pk>/goals/", views.goal_list, name="list"),
    path("rollouts/<int:pk>/goals/new/", views.goal_create, name="create"),
    path("goals/<int:pk>/", views.goal_detail, name="detail"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="edit"),
    path("goals/<int:pk>/values/", views.goal_value_add, name="value_add"),
    path("goals/<int:pk>/import/", views.goal_import, name="import"),
    path("goals/<int:pk>/ask-owner/", views.goal_value_request, name="value_request"),
    path("goals/value/<str:token>/", views.goal_value_link, name="value_link"),
    path("goals/<int:pk>/stories/", views.goal_story_link, name="story_link"),
]
