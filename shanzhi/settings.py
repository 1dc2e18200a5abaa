"""Settings for Shanzhi, read from the environment.

Every knob a city's operator may turn is an environment variable with a safe default;
see docs/architecture.md ("Configuration") for the list.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHANZHI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment; for a local install, one generated once under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "shanzhi.core.admin_apps.ShanzhiAdminConfig",  # django.contrib.admin with our admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "shanzhi.core",
    "shanzhi.accounts",
    "shanzhi.areas",
    "shanzhi.registry",
    "shanzhi.workdays",
    "shanzhi.events",
    "shanzhi.mediation",
    "shanzhi.petitions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shanzhi.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shanzhi.core.middleware.SessionTimeoutMiddleware",
    "shanzhi.accounts.middleware.PasswordRotationMiddleware",
    "shanzhi.core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shanzhi.urls"
WSGI_APPLICATION = "shanzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shanzhi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shanzhi.core.context_processors.shanzhi",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite file under var/ when DATABASE_URL is unset; PostgreSQL in production and CI.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'shanzhi.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and passwords -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("SHANZHI_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "shanzhi.accounts.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": env_int("SHANZHI_PASSWORD_MIN_CLASSES", 3)},
    },
]
# Days after which a password must be changed; 0 turns rotation off.
SHANZHI_PASSWORD_MAX_AGE_DAYS = env_int("SHANZHI_PASSWORD_MAX_AGE_DAYS", 0)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# django-axes: 5 failures within 15 minutes lock the account for 30 minutes.
# Failures count while less than the window apart; the lock then lasts the duration
# (shanzhi.accounts.lockout.cool_off gives axes one or the other).
AXES_FAILURE_LIMIT = env_int("SHANZHI_LOCKOUT_FAILURES", 5)
SHANZHI_LOCKOUT_WINDOW = timedelta(minutes=env_int("SHANZHI_LOCKOUT_WINDOW_MINUTES", 15))
SHANZHI_LOCKOUT_DURATION = timedelta(minutes=env_int("SHANZHI_LOCKOUT_MINUTES", 30))
AXES_COOLOFF_TIME = "shanzhi.accounts.lockout.cool_off"
AXES_LOCKOUT_CALLABLE = "shanzhi.accounts.lockout.lockout_response"
# Attempts while locked are refused (and audited) but do not extend the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Lock the account, not the address: offices share one NAT address (docs/adr/0003).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLE_ADMIN = False

# --- Sessions and cookies -----------------------------------------------------------------------
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SHANZHI_SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("SHANZHI_SESSION_ABSOLUTE_HOURS", 12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Behind HTTPS (SHANZHI_HTTPS=1) cookies are Secure and HSTS is sent.
SHANZHI_HTTPS = env_bool("SHANZHI_HTTPS", False)
# Behind a reverse proxy that sets X-Forwarded-For, audit rows record the client's address.
SHANZHI_TRUST_X_FORWARDED_FOR = env_bool("SHANZHI_TRUST_X_FORWARDED_FOR", False)
SESSION_COOKIE_SECURE = SHANZHI_HTTPS
CSRF_COOKIE_SECURE = SHANZHI_HTTPS
SECURE_SSL_REDIRECT = SHANZHI_HTTPS and env_bool("SHANZHI_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SHANZHI_HTTPS else None
SECURE_HSTS_SECONDS = 31536000 if SHANZHI_HTTPS else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Content Security Policy: no inline script, no inline style element -------------------------
_TILE_URL = os.environ.get("SHANZHI_MAP_TILE_URL", "")
_TILE_ORIGINS = []
if _TILE_URL.startswith("http"):
    from urllib.parse import urlsplit

    _parts = urlsplit(_TILE_URL.replace("{s}", "a"))
    _TILE_ORIGINS = [
        f"{_parts.scheme}://*.{_parts.netloc.split('.', 1)[-1]}",
        f"{_parts.scheme}://{_parts.netloc}",
    ]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_TILE_ORIGINS],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation: Simplified Chinese first, English available ---------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "shanzhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: our own under shanzhi/static, npm packages straight from node_modules ---------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "shanzhi" / "static",
    ("vendor/bootstrap", _NODE / "bootstrap" / "dist"),
    ("vendor/htmx", _NODE / "htmx.org" / "dist"),
    ("vendor/leaflet", _NODE / "leaflet" / "dist"),
    ("vendor/echarts", _NODE / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Largest upload Django keeps in memory; larger files go to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Background tasks (django-tasks, database backend) -------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- REST API ------------------------------------------------------------------------------------
# How long one process trusts an API token it has checked (revocation bound; ADR 0010).
SHANZHI_TOKEN_CACHE_SECONDS = env_int("SHANZHI_TOKEN_CACHE_SECONDS", 5)
# Event intake's two statements run as server-side prepared statements on PostgreSQL
# (core/db.py, ADR 0010). Set 0 behind a connection pooler in transaction mode that does not
# carry prepared statements (PgBouncer before 1.21).
SHANZHI_DB_PREPARED_STATEMENTS = env_bool("SHANZHI_DB_PREPARED_STATEMENTS", True)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shanzhi.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "shanzhi.core.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "shanzhi.core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shanzhi 善治 API",
    "DESCRIPTION": "Municipal social-governance platform. Every list is scoped to the caller's "
    "jurisdiction; personal data is masked.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI comes from the drf-spectacular-sidecar package: no CDN, no inline script.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets of the mediation and petitions APIs share field names (state, channel, kind…)
    # with other apps' sets: name every set behind such a field so the schema has no enum
    # collisions (the older sets keep the names they had).
    "ENUM_NAME_OVERRIDES": {
        "StateEnum": "shanzhi.events.workflow.State",
        "ChannelEnum": "shanzhi.events.models.Channel",
        "LevelEnum": "shanzhi.areas.models.Level",
        "KindEnum": "shanzhi.areas.models.GridKind",
        "GenderEnum": "shanzhi.registry.identity.Gender",
        "MediationStateEnum": "shanzhi.mediation.workflow.State",
        "MediationBodyLevelEnum": "shanzhi.mediation.models.BodyLevel",
        "MediationPartyRoleEnum": "shanzhi.mediation.models.PartyRole",
        "MediationPartyKindEnum": "shanzhi.mediation.models.PartyKind",
        "MediationGenderEnum": "shanzhi.mediation.models.Gender",
        "PetitionStateEnum": "shanzhi.petitions.choices.State",
        "PetitionChannelEnum": "shanzhi.petitions.choices.Channel",
        "PetitionTypeEnum": "shanzhi.petitions.choices.PetitionType",
        "PetitionDecisionEnum": "shanzhi.petitions.choices.Decision",
        "PetitionReviewDecisionEnum": "shanzhi.petitions.choices.ReviewDecision",
        "PetitionReviewKindEnum": "shanzhi.petitions.choices.ReviewKind",
        "PetitionDeadlineStatusEnum": "shanzhi.petitions.deadlines.Status",
    },
}

# --- Shanzhi -----------------------------------------------------------------------------------
SHANZHI_VERSION = "0.1.0"
# Tile layer for maps; empty draws boundaries on a plain background (works offline).
SHANZHI_MAP_TILE_URL = _TILE_URL
SHANZHI_MAP_TILE_ATTRIBUTION = os.environ.get("SHANZHI_MAP_TILE_ATTRIBUTION", "")
SHANZHI_DEMO_PASSWORD = os.environ.get("SHANZHI_DEMO_PASSWORD", "Shanzhi-Demo-2026")
# The Open311 api_key of the demo's API client (printed by `make run`).
SHANZHI_DEMO_API_KEY = os.environ.get("SHANZHI_DEMO_API_KEY", "shanzhi-demo-open311-key")
# Office hours on working days (Asia/Shanghai) for time limits counted in working hours.
SHANZHI_OFFICE_HOURS = os.environ.get("SHANZHI_OFFICE_HOURS", "08:30-12:00,13:30-17:30")
# Largest GeoJSON boundary file accepted by import (bytes).
SHANZHI_GEOJSON_MAX_BYTES = env_int("SHANZHI_GEOJSON_MAX_BYTES", 50 * 1024 * 1024)
# Registry Excel/CSV import (shanzhi.registry.importing): largest file, most data rows, and for
# an xlsx (a zip) the largest total uncompressed size and per-member compression ratio.
SHANZHI_IMPORT_MAX_BYTES = env_int("SHANZHI_IMPORT_MAX_BYTES", 200 * 1024 * 1024)
SHANZHI_IMPORT_MAX_ROWS = env_int("SHANZHI_IMPORT_MAX_ROWS", 1_000_000)
SHANZHI_IMPORT_MAX_UNCOMPRESSED = env_int("SHANZHI_IMPORT_MAX_UNCOMPRESSED", 512 * 1024 * 1024)
SHANZHI_IMPORT_MAX_RATIO = env_int("SHANZHI_IMPORT_MAX_RATIO", 100)
# Processes sealing imported persons (SM4, HMAC, pinyin) beside the reader; -1: CPUs − 1 (max 4).
SHANZHI_IMPORT_WORKERS = env_int("SHANZHI_IMPORT_WORKERS", -1)
# Events (shanzhi/events): the level first responsible for dispatch ("village", "town",
# "district"); the warning point as a fraction of a step's time limit; working days overdue
# after which the yellow card turns red; calendar days after closing in which the reporter
# may re-open; largest photo upload (bytes); notification adapters by channel (dotted paths).
SHANZHI_EVENTS_INTAKE_LEVEL = os.environ.get("SHANZHI_EVENTS_INTAKE_LEVEL", "town")
SHANZHI_EVENTS_WARN_FRACTION = float(os.environ.get("SHANZHI_EVENTS_WARN_FRACTION", "0.8"))
SHANZHI_EVENTS_RED_CARD_DAYS = env_int("SHANZHI_EVENTS_RED_CARD_DAYS", 3)
SHANZHI_EVENTS_REOPEN_DAYS = env_int("SHANZHI_EVENTS_REOPEN_DAYS", 15)
SHANZHI_PETITIONS_WARN_DAYS = env_int("SHANZHI_PETITIONS_WARN_DAYS", 3)
SHANZHI_ATTACHMENT_MAX_BYTES = env_int("SHANZHI_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
SHANZHI_NOTIFICATION_ADAPTERS = {
    "sms": os.environ.get("SHANZHI_SMS_ADAPTER", ""),
    "wechat": os.environ.get("SHANZHI_WECHAT_ADAPTER", ""),
}
# Exports of more rows than this run as background jobs.
SHANZHI_EXPORT_SYNC_ROWS = env_int("SHANZHI_EXPORT_SYNC_ROWS", 5000)
# Working files of import/export jobs (uploads hold clear personal data): private, never served.
SHANZHI_JOBS_DIR = Path(os.environ.get("SHANZHI_JOBS_DIR", VAR_DIR / "jobs"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
