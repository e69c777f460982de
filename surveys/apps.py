from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Pulse surveys")

    def ready(self) -> None:
        # Its notification kind (the invitation with the personal link) and its reminder rule.
        from surveys import notices, reminders  # noqa: F401
