FROM python:3.13-slim-bookworm

# WeasyPrint 70 loads Pango, HarfBuzz and fontconfig at run time; the fonts give PDFs
# something to render with. gettext provides msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
        fonts-liberation \
        gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --gid 10001 changehub \
    && useradd --uid 10001 --gid changehub --create-home --shell /usr/sbin/nologin changehub

# PYTHONPATH=/app: `pip install .` also puts the packages into site-packages, but every
# process (manage.py, gunicorn, celery) must run the copy in /app, next to templates/,
# static/ and the compiled message catalogues.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    STATIC_ROOT=/app/staticfiles \
    CHANGEHUB_VAR_DIR=/app/var

WORKDIR /app

COPY pyproject.toml README.md ./
COPY manage.py ./
COPY changehub ./changehub
COPY rollout ./rollout
COPY guidelines ./guidelines
COPY notifications ./notifications
COPY templates ./templates
COPY static ./static

RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info

# Build-only settings, given to these commands alone so that they never reach the
# running containers: there, SECRET_KEY and ALLOWED_HOSTS must come from .env.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost STATIC_ROOT=/app/staticfiles \
        python manage.py compilemessages \
    && DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost STATIC_ROOT=/app/staticfiles \
        python manage.py collectstatic --noinput

# The code stays owned by root and read-only for the app; only var/ (database file when
# there is no DATABASE_URL, media, mailbox, beat schedule) is writable.
RUN mkdir -p /app/var && chown changehub:changehub /app/var

USER changehub

EXPOSE 8000

# The health check lives in docker-compose.yml, where ALLOWED_HOSTS is known.
CMD ["gunicorn", "changehub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
