# --- Stage 1: the wheel, with the compiled message catalogues ------------------------------
FROM python:3.13-slim-bookworm AS build

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src

# The product only: devtools/ (seeds, benchmarks) and tests/ stay out of the image.
COPY pyproject.toml README.md ./
COPY changehub ./changehub
COPY core ./core
COPY rollout ./rollout
COPY guidelines ./guidelines
COPY reports ./reports
COPY notifications ./notifications
COPY surveys ./surveys
COPY goals ./goals

RUN for po in changehub/locale/*/LC_MESSAGES/django.po; do \
        msgfmt --check-format -o "${po%.po}.mo" "$po"; \
    done \
    && pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- Stage 2: the running image: the installed wheel, nothing from the checkout -------------
FROM python:3.13-slim-bookworm

# WeasyPrint 70 loads Pango, HarfBuzz and fontconfig at run time; the fonts give PDFs
# something to render with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
        fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --gid 10001 changehub \
    && useradd --uid 10001 --gid changehub --create-home --shell /usr/sbin/nologin changehub

# Everything runs from site-packages; `changehub <command>` is manage.py.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    STATIC_ROOT=/app/staticfiles \
    CHANGEHUB_VAR_DIR=/app/var

WORKDIR /app

COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels

# Build-only settings, given to this command alone so that they never reach the
# running containers: there, SECRET_KEY, ALLOWED_HOSTS and EMAIL_URL must come from .env.
# (collectstatic sends no mail; console:// only satisfies the start-up check.)
RUN DEBUG=false SECRET_KEY=build-time-only-never-used-at-run-time-7f3a91c2 ALLOWED_HOSTS=localhost \
        EMAIL_URL=console:// changehub collectstatic --noinput

# The code stays owned by root and read-only for the app; only var/ (media, generated
# reports, the beat schedule) is writable.
RUN mkdir -p /app/var && chown changehub:changehub /app/var

USER changehub

EXPOSE 8000

# The health check lives in docker-compose.yml, where ALLOWED_HOSTS is known.
CMD ["gunicorn", "--config", "python:changehub.gunicorn_conf", "changehub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
