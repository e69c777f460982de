from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidelinesConfig(AppConfig):
    name = "guidelines"
    verbose_name = _("Guidelines and trainings")

    def ready(self) -> None:
        # Its notification kinds and reminder rules (registered with the outbox) and the
        # figures it contributes to the rollout's dashboard, gates and heatmap; what it asks
        # of people who join a department (rollout.joiners).
        from guidelines import figures, joiners, mytasks, notices  # noqa: F401
        from guidelines.reminders import guidelines, trainings  # noqa: F401
