"""ChangeHub settings: one module, read from the environment.

Every variable is listed with a one-line comment in `.env.example`. Without `DATABASE_URL`
and `REDIS_URL` the embedded defaults apply: a SQLite file and Celery's filesystem broker
under `var/`, so `make run` works on a bare machine.
"""

import importlib.util
from datetime import timedelta
from pathlib import Path

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
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The public address of the site, used in emailed links (sent from the worker, without a request).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
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
    "core",
    "rollout",
    "guidelines",
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
        "DIRS": [BASE_DIR / "templates"],
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
            # A file, not memory, so that a Celery worker started by a test sees the test data.
            "TEST": {"NAME": str(VAR_DIR / "test-changehub.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, reusing its Redis client (rollout/redis_cache.py).
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "changehub",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Cached page fragments ({% pagecache %}) are rebuilt after any change; this only bounds how
# long an unused one is kept. Without Redis each process has its own cache and does not see
# another process's changes: keep them short there.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600 if REDIS_URL else 30)

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

# Brute-force protection: lock a user name + address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)

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
# (rollout/sessions.py: Django's cached_db, carrying on without the cache when it is down).
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
LOCALE_PATHS = [BASE_DIR / "changehub" / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
EMAIL_URL = env_secret("EMAIL_URL")
if EMAIL_URL:
    _smtp = dj_email_url.parse(EMAIL_URL)
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
    # No SMTP server configured: every message lands as a file in the local mailbox,
    # which the manager can read in the browser (Demo mailbox).
    MAILERS = {"default": {"BACKEND": "core.mailbox.MailboxBackend"}}
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
        # A web request hands work to the broker after its commit; with Redis down or hung it
        # must give up within about 2 s (the outbox row waits for the beat). kombu would
        # otherwise retry the connection for the whole broker_connection_timeout (~6 s).
        # 1.5 s is still above kombu's 1 s BRPOP poll, so the worker's reads do not time out.
        "socket_connect_timeout": 1,
        "socket_timeout": 1.5,
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
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "default")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
HEARTBEAT_SECONDS = env_int("HEARTBEAT_SECONDS", 60)
# Leadership reports render on their own queue, within this many seconds; the monthly
# leadership pack goes out on this day of the month (at REPORT_MONTHLY_HOUR).
CELERY_REPORTS_QUEUE = env_str("CELERY_REPORTS_QUEUE", "reports")
CELERY_TASK_ROUTES = {"rollout.tasks.render_report": {"queue": CELERY_REPORTS_QUEUE}}
REPORT_TIME_LIMIT_SECONDS = env_int("REPORT_TIME_LIMIT_SECONDS", 120)
REPORT_MONTHLY_DAY = env_int("REPORT_MONTHLY_DAY", 1)
REPORT_MONTHLY_HOUR = env_int("REPORT_MONTHLY_HOUR", 6)

# --- Notifications (the outbox) -------------------------------------------------------------
# The beat hands due notifications to the worker this often.
NOTIFY_DISPATCH_SECONDS = env_int("NOTIFY_DISPATCH_SECONDS", 60)
# A failed send is retried with exponential backoff from this delay, this many times in all.
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 60)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5)
# A row handed to the worker but neither sent nor failed after this long is handed over again.
NOTIFY_RECLAIM_SECONDS = env_int("NOTIFY_RECLAIM_SECONDS", 300)
# After the broker refused a task, web requests do not try it again for this long.
NOTIFY_BROKER_PAUSE_SECONDS = env_int("NOTIFY_BROKER_PAUSE_SECONDS", 15)
# Respecting the person: mails (except immediate kinds such as a password reset) go out only
# between these hours of the recipient's time zone, not on weekends and not on the public
# holidays of NOTIFY_HOLIDAY_STATE (German federal state code: BW BY BE BB HB HH HE MV NI NW RP
# SL SN ST SH TH; empty for nationwide holidays only).
NOTIFY_QUIET_HOURS = env_bool("NOTIFY_QUIET_HOURS", True)
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
CELERY_BEAT_SCHEDULE = {
    "scheduler-heartbeat": {
        "task": "core.tasks.scheduler_heartbeat",
        "schedule": timedelta(seconds=HEARTBEAT_SECONDS),
    },
    "notifications-dispatch": {
        "task": "notifications.tasks.dispatch_due_notifications",
        "schedule": timedelta(seconds=NOTIFY_DISPATCH_SECONDS),
    },
    "notifications-scan-reminders": {
        "task": "notifications.tasks.scan_reminders",
        "schedule": timedelta(seconds=NOTIFY_SCAN_SECONDS),
    },
    "rollout-monthly-leadership-pack": {
        "task": "rollout.tasks.monthly_leadership_pack",
        "schedule": crontab(minute=0, hour=REPORT_MONTHLY_HOUR),
    },
    "notifications-department-summaries": {
        "task": "notifications.tasks.queue_department_summaries",
        "schedule": crontab(minute=0, hour=NOTIFY_SUMMARY_HOUR, day_of_week="mon-fri"),
    },
}

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
