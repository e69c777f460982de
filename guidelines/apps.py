from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidelinesConfig(AppConfig):
    name = "guidelines"
    verbose_name = _("Guidelines and trainings")

    def ready(self) -> None:
        from guidelines import notices  # noqa: F401 - registers the notification kinds
