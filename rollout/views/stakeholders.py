"""Views of the stakeholders area."""

urlpatterns: list = []
