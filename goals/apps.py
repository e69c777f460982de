from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = _("Goals")

    def ready(self) -> None:
        # Its notification kind: the owner's request for the key figure's current value.
        from goals import notices  # noqa: F401
