from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Seeds, the demo company and benchmarks. Installed only where the checkout is: the
    wheel and the production image leave this package out."""

    name = "devtools"
    verbose_name = "Developer tools"
