"""Views of the communication area."""

urlpatterns: list = []
