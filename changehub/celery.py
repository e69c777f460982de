"""The Celery app: one per project, configured from Django settings (CELERY_*)."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changehub.settings")

app = Celery("changehub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def ensure_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    """The embedded broker keeps messages as files; make sure its folders exist."""
    if not str(sender.conf.broker_url).startswith("filesystem://"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@celeryd_init.connect
def worker_waits_longer_for_the_broker(conf=None, **kwargs: object) -> None:
    """Web processes give up on Redis after REDIS_SOCKET_TIMEOUT (0.5 s); the worker's
    connection waits longer than kombu's 1 s BRPOP poll, so its idle reads never time out."""
    from django.conf import settings

    options = dict(conf.broker_transport_options or {})
    if "socket_timeout" in options:
        options["socket_timeout"] = max(
            options["socket_timeout"] or 0, settings.WORKER_BROKER_SOCKET_TIMEOUT
        )
        conf.broker_transport_options = options
