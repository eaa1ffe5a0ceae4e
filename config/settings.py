"""honeydesk settings: one file, driven by environment variables.

Business rules (request types, policies, service levels) live in database rows that
admins edit; only deployment facts live here. Bad values fail loudly at start-up.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

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
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "honeydesk.accounts",
    "honeydesk.cases",
    "honeydesk.intelligence",
    "honeydesk.notifications",
    "honeydesk.policy",
    "honeydesk.channels.email",
    "honeydesk.channels.phone",
    "honeydesk.jobs",
    "honeydesk.outages",
    "honeydesk.credits",
    "honeydesk.quality",
    "honeydesk.metrics",
    "honeydesk.branding",
    "honeydesk.webhooks",
    "honeydesk.macros",
    "honeydesk.rules",
    "honeydesk.web",
    "honeydesk.ops",
    "honeydesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "honeydesk.web.security.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "honeydesk.web.security.SessionLifetimeMiddleware",
    "honeydesk.web.security.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "honeydesk.api.middleware.ApiErrorShapeMiddleware",
    # Last, so that it sees the sign-in attempts of every view (django-axes).
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out username or network before the password
# is even checked, so the right password does not help once the limit is reached.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# A server that serves the pages only (`honeydesk serve --pages-only`, behind a proxy that
# sends /api/ elsewhere) never loads the API: see config/urls_pages.py.
ROOT_URLCONF = "config.urls_pages" if env_bool("HONEYDESK_PAGES_ONLY", False) else "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# django-ninja's bundled Swagger UI (its templates and static files) serves the API docs
# page, never a CDN. Its folders are listed here rather than "ninja" in INSTALLED_APPS: an
# installed app is imported by django.setup() in every process, and ninja with pydantic is
# about 34 MB resident that the job worker never uses (the web worker imports it with the
# URLs). find_spec locates the package without importing it.
_NINJA_SPEC = find_spec("ninja")
assert _NINJA_SPEC is not None and _NINJA_SPEC.origin, "django-ninja is a dependency"
NINJA_FILES = Path(_NINJA_SPEC.origin).parent
STATICFILES_DIRS = [NINJA_FILES / "static"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "honeydesk" / "templates", NINJA_FILES / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "honeydesk.web.context.desk",
                "honeydesk.web.context.brand",
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
FCR_DAYS = env_int("HONEYDESK_FCR_DAYS", 7)
# Webhooks: how long a receiver may take to answer, and how many failed attempts in a row
# disable an endpoint (its admins are told).
WEBHOOK_TIMEOUT_SECONDS = env_int("HONEYDESK_WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_DISABLE_AFTER = env_int("HONEYDESK_WEBHOOK_DISABLE_AFTER", 10)
# Call-backs: the owner is reminded this many minutes before one is due.
CALLBACK_REMINDER_MINUTES = env_int("HONEYDESK_CALLBACK_REMINDER_MINUTES", 15)
# The department a customer who threatens to leave is suggested to (its slug).
RETENTION_DEPARTMENT = os.environ.get("HONEYDESK_RETENTION_DEPARTMENT", "retention")
# One-time portal sign-in links (and password resets) expire after 30 minutes.
PASSWORD_RESET_TIMEOUT = 30 * 60
SIGNIN_LINK_MINUTES = env_int("HONEYDESK_SIGNIN_LINK_MINUTES", 30)

# Background jobs (outgoing mail) run in `honeydesk worker`. Inline mode also tries each job
# in the web process right after its commit: lower latency on a one-process demo, but
# every request then pays for the mail server; off for production.
JOBS_RUN_AFTER_COMMIT = env_bool("HONEYDESK_JOBS_INLINE", False)
# How long a worker's claim on a job lasts: a worker that dies holding jobs (a lost
# machine, SIGKILL) has them taken over by another worker this long after it claimed them.
# Keep it above the longest batch of jobs (ten mails at EMAIL_TIMEOUT each, at worst).
JOBS_LEASE_SECONDS = env_int("HONEYDESK_JOB_LEASE_SECONDS", 300)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

# A local demo (DEBUG) keeps every mail in a local outbox (staff read it at /desk/outbox/;
# sign-in links are also printed to the terminal); nothing leaves the machine.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "honeydesk.channels.email.outbox.OutboxBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (tests with real workers).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "support@honeydesk.example")

# --- security (issue 19; README "Security") ------------------------------------------

# Sessions: signed out after this long without a request, and after this long in all.
SESSION_IDLE_MINUTES = env_int("HONEYDESK_SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("HONEYDESK_SESSION_MAX_HOURS", 12)
if SESSION_IDLE_MINUTES < 1 or SESSION_MAX_HOURS < 1:
    raise ImproperlyConfigured("HONEYDESK_SESSION_IDLE_MINUTES and HONEYDESK_SESSION_MAX_HOURS must be at least 1")
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_COOKIE_SAMESITE = "Lax"

# Password sign-in (django-axes): after this many failures for one username, or from
# one network address, further attempts are refused for the cool-off time.
AXES_FAILURE_LIMIT = env_int("HONEYDESK_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("HONEYDESK_SIGNIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "honeydesk.accounts.signin.client_ip"
AXES_LOCKOUT_CALLABLE = "honeydesk.web.views.auth.locked_out"
AXES_VERBOSE = False
# Proxies in front of honeydesk that append to X-Forwarded-For (0: use the peer address).
TRUSTED_PROXY_COUNT = env_int("HONEYDESK_TRUSTED_PROXIES", 0)

# Portal sign-in links: at most this many per account, and requests per network
# address, per hour.
SIGNIN_LINKS_PER_ACCOUNT_HOUR = env_int("HONEYDESK_SIGNIN_LINKS_PER_HOUR", 5)
SIGNIN_LINK_REQUESTS_PER_IP_HOUR = env_int("HONEYDESK_SIGNIN_LINK_REQUESTS_PER_IP_HOUR", 30)

# The second factor (django-otp, TOTP): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = os.environ.get("HONEYDESK_OTP_ISSUER", "honeydesk")

# HTTPS: HSTS is sent on secure requests; behind a TLS-terminating proxy, set
# HONEYDESK_PROXY_SSL_HEADER=1 so that the proxy's X-Forwarded-Proto counts.
SECURE_HSTS_SECONDS = env_int("HONEYDESK_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HONEYDESK_HSTS_SUBDOMAINS", False)
SECURE_SSL_REDIRECT = env_bool("HONEYDESK_SSL_REDIRECT", False)
if env_bool("HONEYDESK_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Inbound mail authenticity: the authserv-ids of our receiving mail servers, whose
# Authentication-Results headers are trusted (empty: the topmost header), and whether a
# message without an SPF/DKIM/DMARC verdict is held too (a failing one always is).
HONEYDESK_EMAIL_AUTHSERV_IDS = env_list("HONEYDESK_EMAIL_AUTHSERV_IDS", [])
HONEYDESK_EMAIL_HOLD_UNVERIFIED = env_bool("HONEYDESK_EMAIL_HOLD_UNVERIFIED", False)


# Call recordings the phone system keeps elsewhere: the origins (scheme://host[:port])
# whose recordings the Monitoring review page may play. Empty by default: only recordings
# attached to the call (served from here) play; any other is shown as a link.
def recording_origins(name: str) -> list[str]:
    origins = []
    for raw in env_list(name, []):
        parts = urlsplit(raw)
        if (
            parts.scheme not in ("https", "http")
            or not parts.hostname
            or parts.username is not None
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or "*" in raw
        ):
            raise ImproperlyConfigured(f"{name}: {raw!r} is not an origin such as https://recordings.example.com")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return origins


HONEYDESK_RECORDING_ORIGINS = recording_origins("HONEYDESK_RECORDING_ORIGINS")

# Content-Security-Policy (django-csp): only this server's own scripts, styles, images
# and frames; no inline script or style, no plug-ins, forms post only here, and no
# page may be framed by another site. Audio and video only from here and the recording
# origins above. The formatted-mail viewer and attachments send their own, stricter
# policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "media-src": ["'self'", *HONEYDESK_RECORDING_ORIGINS],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

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
