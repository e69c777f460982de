"""URLs of the surveys app (the view module declares its patterns)."""

from surveys.views import urlpatterns as urlpatterns

app_name = "surveys"
