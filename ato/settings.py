"""ATO settings. Every deployment setting comes from an environment variable (README, "Settings").

With no environment at all the app runs on the embedded default: SQLite and Celery in eager mode.
Production and CI set DATABASE_URL (PostgreSQL) and REDIS_URL (Celery broker and cache).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# Behind a TLS-terminating proxy in production: secure cookies, HSTS, redirect to https.
HTTPS = env_bool("DJANGO_HTTPS", False)

_DEV_SECRET_KEY = "dev-only-not-secret-ato-0f3c9a7e5b2d4e6f8a1b3c5d7e9f1a2b4c6d8e0f"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or _DEV_SECRET_KEY
if HTTPS and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production (DJANGO_HTTPS=1).")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    # ATO apps, in their dependency line:
    # territory <- jass_registry <- visits <- communities <- service_grades <- incentives.
    "territory",
    "jass_registry",
    "visits",
    "communities",
    "service_grades",
    "incentives",
    "ato",
]

MIDDLEWARE = [
    # First: its request id and duration cover everything below (ato/logging.py).
    "ato.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ato.middleware.SpanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ato.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ato.urls"
WSGI_APPLICATION = "ato.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jass_registry.context_processors.standards",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded default: no persistent connections, wait on a locked database instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Requests are atomic: BEGIN IMMEDIATE takes the write lock at the start, so a second writer
    # waits up to `timeout` instead of failing on a lock upgrade; WAL lets readers go on while
    # one request writes (the offline app fetches pages in the background while one is open).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The browser tests' live server answers several requests at once: an in-memory database in
    # shared-cache mode fails them with "table is locked" (no waiting), so the test database is a
    # file, one per test process.
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "test-artifacts" / f"test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ato",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process (eager): `make run` needs no server.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "America/Lima"
CELERY_TASK_ACKS_LATE = False  # opt-in per idempotent task (incentives), not globally
# An unacknowledged task (worker killed mid-task) is delivered again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("ATO_BROKER_VISIBILITY_TIMEOUT", "3600"))
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Evaluation chunks have their own queue, so workers on other machines can take only those.
CELERY_TASK_ROUTES = {"incentives.tasks.*": {"queue": "evaluation"}}
CELERY_BEAT_SCHEDULE = {
    "refresh-progress-runs": {
        "task": "incentives.tasks.refresh_progress_runs",
        "schedule": crontab(hour=2, minute=0),  # every night at 02:00, Lima time
    },
    "snapshot-coverage": {
        "task": "communities.tasks.snapshot_coverage",
        "schedule": crontab(hour=1, minute=30),  # the quarter's coverage, before the goals
    },
    "compute-grades": {
        "task": "service_grades.tasks.compute_grades_nightly",
        "schedule": crontab(hour=1, minute=40),  # the quarter's A–D grades, before the goals
    },
    "erase-expired-personal-data": {
        "task": "jass_registry.tasks.erase_expired_personal_data",
        "schedule": crontab(hour=3, minute=15),  # Ley 29733 retention: every night, Lima time
    },
    "weekly-digest": {
        "task": "ato.tasks.send_weekly_digests",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),  # Mondays 07:00, Lima time
    },
}
# Former board members' DNI and phone are erased this many years after their last term ended
# (jass_registry/personal_data.py; README, "Datos personales").
ATO_PERSONAL_DATA_RETENTION_YEARS = int(os.environ.get("ATO_PERSONAL_DATA_RETENTION_YEARS", "5"))

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "territory.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "ato.auth.ClientIpFailureBackend",  # one IP trying many usernames (password spraying)
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock a username+IP pair after repeated failures, with an explicit cool-off.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = int(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# The number of trusted reverse proxies in front of the app, ONE setting for everything that
# reads the client IP (django-axes, the DRF throttles, the per-IP limit): 0 = REMOTE_ADDR only;
# N = the Nth address from the right of X-Forwarded-For (ato/auth.py, `client_ip`).
# AXES_PROXY_COUNT is the variable's former name, still read.
ATO_TRUSTED_PROXY_COUNT = int(
    os.environ.get("ATO_TRUSTED_PROXY_COUNT") or os.environ.get("AXES_PROXY_COUNT") or "0"
)
AXES_CLIENT_IP_CALLABLE = "ato.auth.client_ip"
AXES_IPWARE_PROXY_COUNT = ATO_TRUSTED_PROXY_COUNT  # unused with the callable; kept consistent
AXES_LOCKOUT_CALLABLE = "ato.auth.lockout_response"  # 429: Spanish page, or JSON under /api/
# Failed logins from one IP, whatever the usernames, before that IP is refused for the cool-off.
ATO_LOGIN_FAILURES_PER_IP = int(os.environ.get("ATO_LOGIN_FAILURES_PER_IP", "20"))
# API tokens (territory.ApiToken) expire this many days after they are issued.
ATO_TOKEN_TTL_DAYS = int(os.environ.get("ATO_TOKEN_TTL_DAYS", "30"))

# Idle timeout: the session expires after this many seconds without a request.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_TIMEOUT", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# --- Security (production is HTTPS behind a proxy) ------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

# Content-Security-Policy on every response (django-csp): scripts and styles only from our own
# static files, so no inline script runs (charts read their data from json_script, htmx is told
# not to inject its indicator style, Swagger UI loads its init script from a URL). A response
# that sets its own policy keeps it (uploaded files: `sandbox`, common/uploads.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if DEBUG:
    # A developer sees every violation in the runserver log (ato/csp.py).
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = ["/csp-report/"]

# --- Internationalisation -------------------------------------------------------------------
# Source strings are written in Spanish (the users' language); locale/en holds English.
LANGUAGE_CODE = "es-pe"
LANGUAGES = [("es-pe", _("Español")), ("en", _("Inglés"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["ato.formats"]
USE_I18N = True
TIME_ZONE = "America/Lima"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
# Where `collectstatic` writes (production); unset, WhiteNoise serves the source folders.
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve from app folders too when collectstatic has not run


def _static_headers(headers, path, url):
    """The goal map's shapes (static/geo/, 1.2 MB) change only when scripts/build_geo.py runs
    again: browsers keep them a day instead of WhiteNoise's default minute."""
    if url.startswith(f"/{STATIC_URL}geo/"):
        headers["Cache-Control"] = "public, max-age=86400"


WHITENOISE_ADD_HEADERS_FUNCTION = _static_headers
MEDIA_ROOT = Path(os.environ.get("ATO_MEDIA_ROOT", BASE_DIR / "media"))

# --- Email (notifications of reviews: territory/services.py) --------------------------------
# Console by default (development prints the message); SMTP when EMAIL_HOST is set.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ATO <no-responder@localhost>")
# Links in emails: the address users open ATO at.
ATO_BASE_URL = os.environ.get("ATO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Request bodies ----------------------------------------------------------------------------
# Form and JSON bodies (not uploaded files): Django's default of 2.5 MB, far above any form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The work plan grid posts 12 fields per JASS: a district of 536 JASS (the largest) sends 6,433.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Imports (CSV/XLSX, read by common/spreadsheets.py) --------------------------------
ATO_IMPORT_MAX_BYTES = int(os.environ.get("ATO_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
ATO_IMPORT_MAX_CELL_CHARS = int(os.environ.get("ATO_IMPORT_MAX_CELL_CHARS", "1000"))

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "territory.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ato.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bounded by DATA_UPLOAD_MAX_MEMORY_SIZE, as Django bounds form bodies.
    "DEFAULT_PARSER_CLASSES": ["ato.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "ato.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Throttles read the client IP like django-axes (0, not None: None trusts any XFF).
    "NUM_PROXIES": ATO_TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ATO API",
    "DESCRIPTION": "API REST de ATO para las Áreas Técnicas Municipales (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "JassKindEnum": "jass_registry.models.JassKind",
        "VisitKindEnum": "visits.models.VisitKind",
        "CheckKindEnum": "incentives.checks.CheckKind",
        "RunKindEnum": "incentives.models.RunKind",
        "RunStatusEnum": "incentives.models.RunStatus",
        "JassStatusEnum": "jass_registry.models.JassStatus",
        "ConditionEnum": "jass_registry.models.Condition",
    },
}

# --- Logging: no personal data (DNI, phone) and no query strings in log lines ----------------
# ATO_JSON_LOGS=1: one JSON object per line, and one line per request (ato/logging.py).
ATO_JSON_LOGS = env_bool("ATO_JSON_LOGS", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ato.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "ato.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if ATO_JSON_LOGS else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Operations: backups (ato/backups.py) and the deep health check (ato/views.py) ------------
ATO_BACKUP_DIR = Path(os.environ.get("ATO_BACKUP_DIR", BASE_DIR / "backups"))
ATO_BACKUP_KEEP = int(os.environ.get("ATO_BACKUP_KEEP", "14"))
# `/healthz?deep=1` with the header `X-Healthz-Token: <this>`, or as a staff user; empty = none.
ATO_HEALTHZ_TOKEN = os.environ.get("ATO_HEALTHZ_TOKEN", "")
ATO_HEALTHZ_WORKER_TIMEOUT = float(os.environ.get("ATO_HEALTHZ_WORKER_TIMEOUT", "1.5"))

# Tests that need PostgreSQL, Redis, a Celery worker or Chromium fail instead of skipping.
ATO_REQUIRE_SERVICES = env_bool("ATO_REQUIRE_SERVICES", False)
ATO_CHROMIUM = os.environ.get("ATO_CHROMIUM", "/usr/bin/chromium")
