from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = _("Rollout")

    def ready(self) -> None:
        from rollout import middleware, notices  # noqa: F401  (notification kinds, login signal)
        from rollout.freshness import install

        install()  # every write bumps the data version of the page caches
