"""honeydesk settings: one file, driven by environment variables.

Business rules (request types, policies, service levels) live in database rows that
admins edit; only deployment facts live here. Bad values fail loudly at start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Generic classes (ModelAdmin[Case], ModelForm[Article]) as the type checker sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HONEYDESK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (e.g. "
            "`export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')`), "
            "or set DEBUG=1 for a local demo."
        )
    SECRET_KEY = "insecure-dev-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # ninja in INSTALLED_APPS makes the API docs page use its bundled Swagger files, not a CDN.
    "ninja",
    "honeydesk.accounts",
    "honeydesk.cases",
    "honeydesk.intelligence",
    "honeydesk.channels.email",
    "honeydesk.channels.phone",
    "honeydesk.jobs",
    "honeydesk.web",
    "honeydesk.ops",
    "honeydesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "honeydesk.api.middleware.ApiErrorShapeMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "honeydesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        try:
            config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
        except Exception as exc:  # dj-database-url raises several types for bad URLs
            raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config["OPTIONS"] = _SQLITE_OPTIONS
        config.setdefault("TEST", {})
        return dict(config)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "honeydesk.sqlite3",
        "OPTIONS": _SQLITE_OPTIONS,
    }


# WAL lets readers run beside the one writer; IMMEDIATE takes the write lock when a
# transaction starts, so two writers queue instead of failing halfway with "locked".
# SQLite's page cache is private to each connection, so it is paid once per server worker
# (and thread): 64 MB each held most of a web worker's 161 MB at 100,000 cases. The
# operating system's file cache, shared by every process, serves the rest.
SQLITE_CACHE_MB = env_int("HONEYDESK_SQLITE_CACHE_MB", 8)
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        f" PRAGMA foreign_keys=ON; PRAGMA cache_size=-{SQLITE_CACHE_MB * 1024};"
    ),
}

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

# Limits that protect the system; request types and policies are in the database.
MAX_BODY_CHARS = env_int("HONEYDESK_MAX_BODY_CHARS", 50_000)
MAX_ATTACHMENT_BYTES = env_int("HONEYDESK_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
MAX_ATTACHMENTS_PER_ENTRY = env_int("HONEYDESK_MAX_ATTACHMENTS", 10)
ALLOWED_ATTACHMENT_TYPES = env_list(
    "HONEYDESK_ALLOWED_ATTACHMENT_TYPES",
    [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "text/calendar",
        "message/rfc822",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/msword",
        "application/vnd.ms-excel",
    ],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_ATTACHMENT_BYTES * 2 + 1_000_000
REOPEN_WINDOW_DAYS = env_int("HONEYDESK_REOPEN_WINDOW_DAYS", 14)
# One-time portal sign-in links (and password resets) expire after 30 minutes.
PASSWORD_RESET_TIMEOUT = 30 * 60

# Background jobs (outgoing mail) run in `honeydesk worker`. Inline mode also tries each job
# in the web process right after its commit: lower latency on a one-process demo, but
# every request then pays for the mail server; off for production.
JOBS_RUN_AFTER_COMMIT = env_bool("HONEYDESK_JOBS_INLINE", False)
# How long a worker's claim on a job lasts: a worker that dies holding jobs (a lost
# machine, SIGKILL) has them taken over by another worker this long after it claimed them.
# Keep it above the longest batch of jobs (ten mails at EMAIL_TIMEOUT each, at worst).
JOBS_LEASE_SECONDS = env_int("HONEYDESK_JOB_LEASE_SECONDS", 300)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

# A local demo (DEBUG) prints mail, such as portal sign-in links, to the terminal.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "support@honeydesk.example")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag instead
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
