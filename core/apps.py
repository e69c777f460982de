from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from core import middleware  # noqa: F401  (the login signal refreshes the session)
        from core.freshness import install

        install()  # every write bumps the data version of the page caches
