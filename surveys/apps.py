from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Pulse surveys")

    def ready(self) -> None:
        # Its notification kind (the invitation with the personal link), its reminder rule
        # and the survey readiness it adds to the rollout's heatmap and gate criteria.
        from surveys import figures, notices, reminders  # noqa: F401
