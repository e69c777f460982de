from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = _("Rollout")

    def ready(self) -> None:
        # Its notification kinds and reminder rules, registered with the outbox.
        from rollout import mytasks, notices, reminders  # noqa: F401
        from rollout.reminders import activities, workflows  # noqa: F401
