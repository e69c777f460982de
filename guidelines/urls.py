"""URLs of the guidelines app; each area's view module declares its own patterns."""

from guidelines.views import council, guidelines, trainings

app_name = "guidelines"

urlpatterns = [
    *guidelines.urlpatterns,
    *trainings.urlpatterns,
    *council.urlpatterns,
]
