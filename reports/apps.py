from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The leadership report: it reads every app, and no app imports it."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from reports import notices  # noqa: F401  (its notification kinds)
