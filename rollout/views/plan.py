"""Views of the plan area."""

urlpatterns: list = []
