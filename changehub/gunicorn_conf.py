"""gunicorn's settings for ChangeHub: `gunicorn -c python:changehub.gunicorn_conf ...`.

The command line (Dockerfile, docker-compose.yml) still sets the address and the workers; this
file adds what must hold wherever gunicorn runs: an access log on stdout that never contains
the token of an emailed link (core/gunicorn.py)."""

accesslog = "-"
logger_class = "core.gunicorn.RedactingLogger"
