"""ChangeHub settings: one module, read from the environment.

Every variable is listed with a one-line comment in `.env.example`. Without `DATABASE_URL`
and `REDIS_URL` the embedded defaults apply: a SQLite file and Celery's filesystem broker
under `var/`, so `make run` works on a bare machine.
"""

import importlib.metadata
import importlib.util
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from changehub.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CHANGEHUB_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _installed_version() -> str:
    try:
        return importlib.metadata.version("changehub")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


# The release in every page-cache key: a deployment never serves HTML an older release cached.
# The image sets it to its build; otherwise it is the installed package's version.
CHANGEHUB_RELEASE = env_str("CHANGEHUB_RELEASE") or _installed_version()

SECRET_KEY = env_secret("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    # A fixed, public development key: never used with DEBUG off (see the check below).
    SECRET_KEY = SECRET_KEY or "django-insecure-changehub-development-only-key-0000000000"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    missing = [
        name
        for name, value in (("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS))
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            f"With DEBUG off, ChangeHub refuses to start without {' and '.join(missing)}. "
            "Set them in the environment (see .env.example)."
        )
    # The placeholder from .env.example, a development key or anything short is refused: with
    # it anyone could forge sessions, password-reset and emailed links.
    _placeholder = next(
        (
            word
            for word in ("change-me", "changeme", "replace", "insecure")
            if word in SECRET_KEY.lower()
        ),
        None,
    )
    if _placeholder or len(SECRET_KEY) < 32 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "With DEBUG off, ChangeHub refuses to start with a placeholder or weak SECRET_KEY"
            + (
                f" (it contains {_placeholder!r})"
                if _placeholder
                else " (it is shorter than 32 characters or nearly all one character)"
            )
            + '. Generate one: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The public address of the site, used in emailed links (sent from the worker, without a request).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # First, so that its templates (registration/, the error pages) replace Django's own.
    "core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "simple_history",
    "rollout",
    "guidelines",
    "surveys",
    "goals",
    "reports",
    "notifications",
]
# The developer tools (seed_demo, seed_scale, the benchmarks) live in the checkout only; the
# wheel and the production image leave them out.
if importlib.util.find_spec("devtools") is not None:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip for pages (static files come precompressed from WhiteNoise above). Safe against
    # BREACH: Django masks the CSRF token anew in every response and pads each gzip stream
    # with random bytes; pages whose body repeats an unmasked secret (emailed links with a
    # token, the demo mailbox) stay uncompressed. Below it everything that writes the body.
    "core.middleware.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserPreferencesMiddleware",
    "core.middleware.SessionRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "changehub.urls"
WSGI_APPLICATION = "changehub.wsgi.application"
ASGI_APPLICATION = "changehub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Each app brings its templates (<app>/templates/); core/ holds the shared ones.
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rollout.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        # Our queries are short; PostgreSQL's JIT compiler costs more than it saves on them
        # (measured: department list 58 -> 32 ms).
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "changehub.sqlite3",
            # The web server, the worker and beat share the file: WAL and IMMEDIATE
            # transactions keep them from tripping over each other's locks.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory, so that a Celery worker started by a test sees the test data
            # (the test hands it the file's name); one per test run, so that runs side by side
            # never share one.
            "TEST": {"NAME": str(VAR_DIR / f"test-changehub-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------
# REDIS_URL is the Celery broker; the cache lives apart from it (CACHE_REDIS_URL, by default
# the next database of the same server: redis://redis:6379/0 -> /1), so that evicting or
# flushing the cache never touches a queued task. In production give the cache its own server
# with `maxmemory` and `allkeys-lru`, and the broker one with `noeviction` (docker-compose.yml):
# one server has one eviction policy for all its databases.
REDIS_URL = env_str("REDIS_URL")


def _next_redis_database(url: str) -> str:
    parts = urlsplit(url)
    number = parts.path.strip("/")
    return urlunsplit(parts._replace(path=f"/{int(number) + 1 if number.isdigit() else 1}"))


CACHE_REDIS_URL = env_str("CACHE_REDIS_URL") or (
    _next_redis_database(REDIS_URL) if REDIS_URL else ""
)
# Every Redis client (cache, sessions, broker) gives up on an unreachable or frozen Redis after
# these many milliseconds; the cache then leaves Redis alone for CACHE_BREAKER_SECONDS
# (core/redis_cache.py), publishing for BROKER_PAUSE_SECONDS (core/queue.py).
REDIS_CONNECT_TIMEOUT = env_int("REDIS_CONNECT_TIMEOUT_MS", 250) / 1000
REDIS_SOCKET_TIMEOUT = env_int("REDIS_SOCKET_TIMEOUT_MS", 500) / 1000
CACHE_BREAKER_SECONDS = env_int("CACHE_BREAKER_SECONDS", 5)
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend with a circuit breaker, reusing its Redis client.
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": "changehub",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "breaker_seconds": CACHE_BREAKER_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Cached page fragments ({% pagecache %}) are rebuilt after any change; this only bounds how
# long an unused one is kept. Without Redis each process has its own cache and does not see
# another process's changes: keep them short there.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600 if CACHE_REDIS_URL else 30)

# --- Authentication ---------------------------------------------------------------------
AUTH_USER_MODEL = "rollout.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "rollout:home"
LOGOUT_REDIRECT_URL = None
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email", "full_name"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# Password-reset and sign-in-link requests per client address and window (core/throttle.py);
# beyond them the visitor gets a 429 page and no mail is sent. 0 switches the limit off.
LINK_REQUEST_LIMIT = env_int("LINK_REQUEST_LIMIT", 10)
LINK_REQUEST_WINDOW_MINUTES = env_int("LINK_REQUEST_WINDOW_MINUTES", 15)

# Brute-force protection: lock a user name + address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False
# Behind AXES_PROXY_COUNT reverse proxies the client address is read from X-Forwarded-For
# (core/http.py: the entry that many places from the right; what the client put further left
# is ignored), so failures lock out one account from one address, not everyone behind the proxy.
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "core.http.client_ip"
# Failures count per email address whatever its letter case (Bf.Target@X.de = bf.target@x.de).
AXES_USERNAME_CALLABLE = "core.http.login_name"

# --- Request size limits ------------------------------------------------------------------
# A form post beyond these is refused with a 400 page (templates/400.html). Uploads (the
# people import, at most 5 MB, checked by its form) go to a temporary file above 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Sessions and cookies ---------------------------------------------------------------
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 8 * 60) * 60
# The idle timeout slides: a session in use is written again at most once a minute
# (core.middleware.SessionRefreshMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60)
# Sessions are read from the cache (Redis) and written through to the database
# (core/sessions.py: Django's cached_db, carrying on without the cache when it is down; a
# session is never only in Redis, and a save never waits for a stopped or frozen one).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# --- Security headers (HTTPS on by default in production) -------------------------------
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", not DEBUG) else None
)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
# English dates day-first ("2 December 2026", "02/12/2026"), not Django's US defaults.
FORMAT_MODULE_PATH = ["changehub.formats"]

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email ------------------------------------------------------------------------------
# The demo mailbox keeps every message as a file that the manager reads in the browser: for the
# demo and development only (it would hand the manager everyone's sign-in links), so DEBUG off
# refuses it, and refuses to start without a mail server (EMAIL_URL).
EMAIL_URL = env_secret("EMAIL_URL")
DEMO_MAILBOX = env_bool("DEMO_MAILBOX", DEBUG and not EMAIL_URL)
if DEMO_MAILBOX and not DEBUG:
    raise ImproperlyConfigured(
        "DEMO_MAILBOX=true is for the demo and development only (DEBUG=true): in production it "
        "would show everyone's sign-in and password-reset links to the manager. Remove it and "
        "set EMAIL_URL to your mail server (see .env.example)."
    )
if DEMO_MAILBOX:
    MAILERS = {"default": {"BACKEND": "core.mailbox.MailboxBackend"}}
elif EMAIL_URL:
    _smtp = dj_email_url.parse(EMAIL_URL)
    if _smtp["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
        MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {
                    "host": _smtp["EMAIL_HOST"],
                    "port": _smtp["EMAIL_PORT"],
                    "username": _smtp["EMAIL_HOST_USER"] or None,
                    "password": _smtp["EMAIL_HOST_PASSWORD"] or None,
                    "use_tls": bool(_smtp["EMAIL_USE_TLS"]),
                    "use_ssl": bool(_smtp["EMAIL_USE_SSL"]),
                    "timeout": env_int("EMAIL_TIMEOUT", 10),
                },
            }
        }
    else:
        # console:// (print to the log) or dummy:// (discard), e.g. for build-time commands.
        MAILERS = {"default": {"BACKEND": _smtp["EMAIL_BACKEND"]}}
elif DEBUG:
    # Development with DEMO_MAILBOX=false and no server: messages are printed to the console.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    raise ImproperlyConfigured(
        "With DEBUG off, ChangeHub refuses to start without EMAIL_URL: password resets, sign-in "
        "links and invitations need a mail server, e.g. "
        "EMAIL_URL=submission://user:password@smtp.example.com:587 (see .env.example)."
    )
MAILBOX_DIR = VAR_DIR / "mailbox"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ChangeHub <changehub@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------
CELERY_QUEUE_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Well above the longest task (see the time limits below): an unacknowledged
        # task is redelivered only after this long.
        "visibility_timeout": 2 * 60 * 60,
        # A web request hands work to the broker after its commit (core/queue.py); with Redis
        # down or frozen it gives up within REDIS_SOCKET_TIMEOUT (the work is a database row
        # the beat picks up). kombu would otherwise retry the connection (max_retries).
        # The worker waits longer than its 1 s BRPOP poll (changehub/celery.py).
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
        "max_retries": 0,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 10 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# There is no result backend (results are ignored); should one be set, the same timeouts apply.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
# The worker's broker socket waits this long (it must exceed kombu's 1 s BRPOP poll).
WORKER_BROKER_SOCKET_TIMEOUT = 1.5
# After the broker refused a task, this process does not try again for this long (core/queue.py;
# NOTIFY_BROKER_PAUSE_SECONDS is its former name).
BROKER_PAUSE_SECONDS = env_int("BROKER_PAUSE_SECONDS", env_int("NOTIFY_BROKER_PAUSE_SECONDS", 15))
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "default")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
HEARTBEAT_SECONDS = env_int("HEARTBEAT_SECONDS", 60)
# Leadership reports render on their own queue, within this many seconds; the monthly
# leadership pack goes out on this day of the month (at REPORT_MONTHLY_HOUR).
CELERY_REPORTS_QUEUE = env_str("CELERY_REPORTS_QUEUE", "reports")
CELERY_TASK_ROUTES = {"reports.tasks.render_report": {"queue": CELERY_REPORTS_QUEUE}}
REPORT_TIME_LIMIT_SECONDS = env_int("REPORT_TIME_LIMIT_SECONDS", 120)
REPORT_MONTHLY_DAY = env_int("REPORT_MONTHLY_DAY", 1)
REPORT_MONTHLY_HOUR = env_int("REPORT_MONTHLY_HOUR", 6)

# --- People import (rollout/services/people_files.py, people_import_jobs.py) --------------
# Limits checked before and while a CSV/XLSX file is read; each refusal names its limit.
PEOPLE_IMPORT_MAX_FILE_BYTES = env_int("PEOPLE_IMPORT_MAX_FILE_BYTES", 5 * 1024 * 1024)
# An XLSX is a zip: its members may expand to at most this much, and a member above 1 MB to
# at most this many times its compressed size (zip bombs are refused before expansion).
PEOPLE_IMPORT_MAX_EXPANDED_BYTES = env_int("PEOPLE_IMPORT_MAX_EXPANDED_BYTES", 50 * 1024 * 1024)
PEOPLE_IMPORT_MAX_COMPRESSION_RATIO = env_int("PEOPLE_IMPORT_MAX_COMPRESSION_RATIO", 100)
PEOPLE_IMPORT_MAX_ROWS = env_int("PEOPLE_IMPORT_MAX_ROWS", 50_000)
PEOPLE_IMPORT_MAX_COLUMNS = env_int("PEOPLE_IMPORT_MAX_COLUMNS", 250)
PEOPLE_IMPORT_MAX_CELL_CHARS = env_int("PEOPLE_IMPORT_MAX_CELL_CHARS", 1000)
# Files up to these sizes are read (and confirmed imports applied) in the web request; larger
# ones, or a read that takes longer than PEOPLE_IMPORT_REQUEST_SECONDS, go to the worker,
# which shows its progress and gives up after PEOPLE_IMPORT_WORKER_SECONDS.
PEOPLE_IMPORT_SYNC_MAX_ROWS = env_int("PEOPLE_IMPORT_SYNC_MAX_ROWS", 1000)
PEOPLE_IMPORT_SYNC_MAX_BYTES = env_int("PEOPLE_IMPORT_SYNC_MAX_BYTES", 1024 * 1024)
PEOPLE_IMPORT_REQUEST_SECONDS = env_int("PEOPLE_IMPORT_REQUEST_SECONDS", 5)
PEOPLE_IMPORT_WORKER_SECONDS = env_int("PEOPLE_IMPORT_WORKER_SECONDS", 300)
# The beat hands an import queued or running without progress for this long to the worker
# again, at most PEOPLE_IMPORT_MAX_ATTEMPTS times; then it fails with the reason.
PEOPLE_IMPORT_STALL_SECONDS = env_int("PEOPLE_IMPORT_STALL_SECONDS", 180)
PEOPLE_IMPORT_MAX_ATTEMPTS = env_int("PEOPLE_IMPORT_MAX_ATTEMPTS", 3)
PEOPLE_IMPORT_RESUME_SECONDS = env_int("PEOPLE_IMPORT_RESUME_SECONDS", 60)
# A report queued this long without a worker starting it is handed to the worker again (a
# task lost with the broker); one rendering longer than its time limit (plus a margin) lost its
# worker and is queued again, at most REPORT_MAX_ATTEMPTS renders in all, then it fails with
# the reason. The beat checks this often.
REPORT_REQUEUE_SECONDS = env_int("REPORT_REQUEUE_SECONDS", 300)
REPORT_MAX_ATTEMPTS = env_int("REPORT_MAX_ATTEMPTS", 3)
REPORT_RESUME_SECONDS = env_int("REPORT_RESUME_SECONDS", 60)

# --- Notifications (the outbox) -------------------------------------------------------------
# The beat hands due notifications to the worker this often.
NOTIFY_DISPATCH_SECONDS = env_int("NOTIFY_DISPATCH_SECONDS", 60)
# A failed send is retried with exponential backoff from this delay, this many times in all.
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 60)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5)
# A row handed to the worker but neither sent nor failed after this long is handed over again.
NOTIFY_RECLAIM_SECONDS = env_int("NOTIFY_RECLAIM_SECONDS", 300)
# A row being sent is leased to its send task for this long and renewed every quarter of it
# while the task runs; a row whose task is gone (worker killed) is handed out again at the
# first dispatch after the lease ran out. Rows handed over whose task the broker lost (Redis
# restarted empty) go out again at the next dispatch (notifications/services/dispatch.py).
NOTIFY_SEND_LEASE_SECONDS = env_int("NOTIFY_SEND_LEASE_SECONDS", 30)
# Mass mailings (publishing a guideline) are a job row that the worker turns into outbox rows,
# this many per transaction; a run whose lease (renewed each batch) ran out is resumed by beat,
# and a job that got nowhere this many times in a row is marked failed.
NOTIFY_FANOUT_BATCH = env_int("NOTIFY_FANOUT_BATCH", 500)
NOTIFY_FANOUT_LEASE_SECONDS = env_int("NOTIFY_FANOUT_LEASE_SECONDS", 30)
NOTIFY_FANOUT_MAX_ATTEMPTS = env_int("NOTIFY_FANOUT_MAX_ATTEMPTS", 5)
# Respecting the person: mails (except immediate kinds such as a password reset) go out only
# between these hours of the recipient's time zone, not on weekends and not on the public
# holidays of NOTIFY_HOLIDAY_STATE (German federal state code: BW BY BE BB HB HH HE MV NI NW RP
# SL SN ST SH TH; empty for nationwide holidays only). Off with DEBUG unless set: the demo
# (`make run`) sends at once.
NOTIFY_QUIET_HOURS = env_bool("NOTIFY_QUIET_HOURS", not DEBUG)
NOTIFY_SEND_FROM_HOUR = env_int("NOTIFY_SEND_FROM_HOUR", 8)
NOTIFY_SEND_UNTIL_HOUR = env_int("NOTIFY_SEND_UNTIL_HOUR", 19)
NOTIFY_QUIET_WEEKENDS = env_bool("NOTIFY_QUIET_WEEKENDS", True)
NOTIFY_QUIET_HOLIDAYS = env_bool("NOTIFY_QUIET_HOLIDAYS", True)
NOTIFY_HOLIDAY_STATE = env_str("NOTIFY_HOLIDAY_STATE", "BE")
# At most this many mails per person and week (0: no cap); the rest wait for the digest.
NOTIFY_WEEKLY_CAP = env_int("NOTIFY_WEEKLY_CAP", 10)
# Reminders and escalations are bundled into one daily digest per person at this hour.
NOTIFY_DIGEST_ENABLED = env_bool("NOTIFY_DIGEST_ENABLED", True)
NOTIFY_DIGEST_HOUR = env_int("NOTIFY_DIGEST_HOUR", 8)
NOTIFY_IMMEDIATE_KINDS = ["password_reset"]
# The reminder rules are checked this often; department chat summaries go out at this hour.
NOTIFY_SCAN_SECONDS = env_int("NOTIFY_SCAN_SECONDS", 300)
NOTIFY_SUMMARY_HOUR = env_int("NOTIFY_SUMMARY_HOUR", 16)
NOTIFY_WEBHOOK_TIMEOUT = env_int("NOTIFY_WEBHOOK_TIMEOUT", 5)
# The sender records "claimed" and "sent" without waiting for PostgreSQL's disk flush (see
# notifications/services/sending.py): much faster; after a crash of PostgreSQL itself the
# last few mails could be sent a second time.
NOTIFY_ASYNC_COMMIT = env_bool("NOTIFY_ASYNC_COMMIT", True)
# Pulse surveys: the daily beat that closes waves and starts repeating ones runs at this hour.
SURVEY_WAVES_HOUR = env_int("SURVEY_WAVES_HOUR", 5)

CELERY_BEAT_SCHEDULE = {
    "scheduler-heartbeat": {
        "task": "core.tasks.scheduler_heartbeat",
        "schedule": timedelta(seconds=HEARTBEAT_SECONDS),
    },
    "notifications-dispatch": {
        "task": "notifications.tasks.dispatch_due_notifications",
        "schedule": timedelta(seconds=NOTIFY_DISPATCH_SECONDS),
    },
    "notifications-fan-out": {
        "task": "notifications.tasks.resume_fanouts",
        "schedule": timedelta(seconds=NOTIFY_DISPATCH_SECONDS),
    },
    "rollout-reports-resume": {
        "task": "reports.tasks.resume_reports",
        "schedule": timedelta(seconds=REPORT_RESUME_SECONDS),
    },
    "notifications-scan-reminders": {
        "task": "notifications.tasks.scan_reminders",
        "schedule": timedelta(seconds=NOTIFY_SCAN_SECONDS),
    },
    "rollout-people-imports-resume": {
        "task": "rollout.tasks.people_imports_resume",
        "schedule": timedelta(seconds=PEOPLE_IMPORT_RESUME_SECONDS),
    },
    "rollout-monthly-leadership-pack": {
        "task": "reports.tasks.monthly_leadership_pack",
        "schedule": crontab(minute=0, hour=REPORT_MONTHLY_HOUR),
    },
    "notifications-department-summaries": {
        "task": "notifications.tasks.queue_department_summaries",
        "schedule": crontab(minute=0, hour=NOTIFY_SUMMARY_HOUR, day_of_week="mon-fri"),
    },
    # Pulse surveys: close finished waves and start the next wave of repeating surveys.
    "surveys-waves-due": {
        "task": "surveys.tasks.survey_waves_due",
        "schedule": crontab(minute=30, hour=SURVEY_WAVES_HOUR),
    },
}

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Link tokens in logged paths ("Not Found: /supply/<token>/") become "[redacted]".
    "filters": {"redact_tokens": {"()": "core.signing.RedactTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # "Not Found: <path>" before any handler sees it; runserver's request lines.
        "django.request": {"filters": ["redact_tokens"]},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
