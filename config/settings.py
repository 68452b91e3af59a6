"""Attest settings: one module, every tunable from the environment, typed helpers that fail loudly.

Every variable read here is listed in `.env.example` and in the README's configuration table
(a test keeps the three in step).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from jobs.beat import beat_schedule
from jobs.limits import TASK_LIMITS, visibility_timeout

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no)")


def envfloat(name: str, default: str) -> float:
    value = os.environ.get(name, default)
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None


def envsecret(name: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE (mounted secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, "")


def database_from_url(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute/path.db, like dj-database-url.
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        name = path if path.startswith("/") or path == ":memory:" else str(BASE_DIR / path)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name, "OPTIONS": {"timeout": 20}}
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "attest",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": envint("DATABASE_CONN_MAX_AGE", "60"),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported (use sqlite:// or postgres://)")


DEBUG = envbool("DEBUG", "0")
SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (or set SECRET_KEY_FILE)")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG=1"  # noqa: S105 - only ever used with DEBUG on

# The transparency log's Ed25519 signing key (attest/logkeys.py, docs/transparency-log.md): PEM or the
# base64 of its 32-byte seed, or AUDIT_SIGNING_KEY_FILE. Required with DEBUG off; with DEBUG on and none
# set, a development key is generated once into AUDIT_DEV_KEY_FILE.
AUDIT_SIGNING_KEY = envsecret("AUDIT_SIGNING_KEY")
if not AUDIT_SIGNING_KEY and not DEBUG:
    raise ImproperlyConfigured("AUDIT_SIGNING_KEY must be set when DEBUG is off (or set AUDIT_SIGNING_KEY_FILE)")
AUDIT_DEV_KEY_FILE = env("AUDIT_DEV_KEY_FILE", str(BASE_DIR / ".audit-signing-key"))
# Public keys (base64 of 32 bytes) of retired signing keys, still published so older heads verify.
AUDIT_RETIRED_KEYS = envsecret("AUDIT_RETIRED_KEYS")

ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "corsheaders",
    "csp",
    # Domain apps (models, services, selectors, admin), bottom to top: attest <- chain <- reserves.
    "attest",
    "chain",
    "reserves",
    # Entry points above them (docs/architecture.md; `lint-imports` checks the direction).
    "jobs",
    "web",
    "api",
    "cli",
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language (the switcher's choice, else Accept-Language), then their time zone from it.
    "django.middleware.locale.LocaleMiddleware",
    "web.middleware.ReaderTimezoneMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

DATABASES = {"default": database_from_url(env("DATABASE_URL", "sqlite:///db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# English and Traditional Chinese (Hong Kong). Catalogues in locale/, compiled by `make install`
# (manage.py compilemessages); Accept-Language "zh-Hant-HK" (or any zh) gets Chinese.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hant", "繁體中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "attest@localhost")

# Attestations: the largest accountant's report accepted, and the login lockout against password guessing.
REPORT_MAX_BYTES = envint("REPORT_MAX_BYTES", str(20 * 1024 * 1024))
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
LOGIN_ACCOUNT_FAILURE_LIMIT = envint("LOGIN_ACCOUNT_FAILURE_LIMIT", "20")
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", "50")
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", "15")

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
# Prepended to every Redis key this deployment writes (Celery's queues and bookkeeping, locks, cache), so two
# deployments (two `make demo`s) sharing one Redis database share nothing. Empty: keys as they always were.
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", "")

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "0")
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged after it ran, so a worker killed mid-task leaves it for another worker;
# every task is idempotent, so running one twice is harmless. A pool process that dies (killed, or its hard
# time limit) puts its message back on the queue at once.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Reconnect for as long as the broker is away (a worker must outlive a Redis restart, however long).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = "UTC"
# Workers consume, and tasks are sent to, this queue; separate deployments (or test runs) sharing
# one Redis use separate names.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "attest")
# Soft and hard time limits of every task, per kind (jobs/limits.py), scaled by this factor (tests use short
# ones). Enforced by the prefork pool; the solo pool cannot interrupt a task.
TASK_TIME_LIMIT_SCALE = envfloat("TASK_TIME_LIMIT_SCALE", "1")
CELERY_TASK_TIME_LIMIT = max(limit.hard for limit in TASK_LIMITS.values()) * TASK_TIME_LIMIT_SCALE
CELERY_TASK_SOFT_TIME_LIMIT = max(limit.soft for limit in TASK_LIMITS.values()) * TASK_TIME_LIMIT_SCALE
# An unacknowledged message goes back to the queue after this long: just over the longest hard limit plus
# the longest retry countdown, so a message is never handed out while its task may still be running, and one
# whose worker vanished comes back within minutes (the outbox re-sends its own messages sooner, per task).
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": visibility_timeout(TASK_TIME_LIMIT_SCALE)}
if REDIS_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = REDIS_KEY_PREFIX
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = dict(CELERY_BROKER_TRANSPORT_OPTIONS)
# Seconds a single-flight lock lasts unless its holder renews it (it does, every third of that, while it works):
# a worker that dies frees its network for the others within this long (attest/locks.py).
LOCK_LEASE_SECONDS = envint("LOCK_LEASE_SECONDS", "15")
# Seconds between beat's relays of the outbox (jobs/outbox.py): the longest a committed follow-up waits after
# the broker comes back, and the granularity of notification retry countdowns.
OUTBOX_RELAY_INTERVAL = envint("OUTBOX_RELAY_INTERVAL", "10")

SUPPLY_READ_INTERVAL = envint("SUPPLY_READ_INTERVAL", "30")
RECONCILE_INTERVAL = envint("RECONCILE_INTERVAL", "300")
LEDGER_INDEX_INTERVAL = envint("LEDGER_INDEX_INTERVAL", "30")
REORG_CHECK_INTERVAL = envint("REORG_CHECK_INTERVAL", "60")
FEED_INTERVAL = envint("FEED_INTERVAL", "60")
# Evaluation instants are cut to this many seconds, so a run is reproducible and the scheduled
# reconciliation makes at most one run per coin and profile per bucket when nothing else changed.
RECONCILE_EVALUATION_BUCKET = envint("RECONCILE_EVALUATION_BUCKET", "900")
CELERY_BEAT_SCHEDULE = beat_schedule(
    supply_read=SUPPLY_READ_INTERVAL,
    reconcile=RECONCILE_INTERVAL,
    ledger_index=LEDGER_INDEX_INTERVAL,
    reorg_check=REORG_CHECK_INTERVAL,
    feeds=FEED_INTERVAL,
    outbox_relay=OUTBOX_RELAY_INTERVAL,
)

# Chain reading. CHAIN_RPC_URL is the default RPC for a network registered without URLs of its own.
CHAIN_RPC_URL = env("CHAIN_RPC_URL", "http://127.0.0.1:8545")
# Depth below head treated as final where a network's node has no "finalized" block tag (the fallback;
# networks with finality "finalized", the default, pin the node's own finalized block). 64 blocks is two
# Ethereum epochs, Ethereum's finality; docs/chain-ledger.md lists other chain families.
CHAIN_CONFIRMATIONS = envint("CHAIN_CONFIRMATIONS", "64")
# Blocks below head within which the reorg check keeps re-checking rows it already confirmed, so a
# reorg deeper than the finality depth is still detected (and its readings orphaned, its runs redone).
CHAIN_REORG_HORIZON = envint("CHAIN_REORG_HORIZON", "256")
CHAIN_RPC_TIMEOUT = envint("CHAIN_RPC_TIMEOUT", "10")
CHAIN_RPC_RETRIES = envint("CHAIN_RPC_RETRIES", "2")
CHAIN_BATCH_SIZE = envint("CHAIN_BATCH_SIZE", "1000")
# Blocks per eth_getLogs window of the mint/burn ledger (halved automatically when a node refuses).
LEDGER_WINDOW = envint("LEDGER_WINDOW", "2000")
# A reading older than this many seconds makes the figures built on it "stale".
CHAIN_STALE_AFTER = envint("CHAIN_STALE_AFTER", "300")

# On-chain reserve feeds (docs/feeds.md): the key that posts rounds (or FEED_SIGNER_KEY_FILE), how
# long to wait for a round's receipt, and how often beat looks for a round to post.
FEED_SIGNER_KEY = envsecret("FEED_SIGNER_KEY")
FEED_RECEIPT_TIMEOUT = envint("FEED_RECEIPT_TIMEOUT", "120")

# Flag notifications (reserves/notifications.py): webhook timeout, tries after the first, and the
# first retry delay in seconds (doubling each time, at most an hour).
NOTIFY_TIMEOUT = envint("NOTIFY_TIMEOUT", "10")
NOTIFY_MAX_RETRIES = envint("NOTIFY_MAX_RETRIES", "6")
NOTIFY_RETRY_BACKOFF = envint("NOTIFY_RETRY_BACKOFF", "30")

# The Django cache: anonymous API throttling counts requests here, so every web process must share
# it (Redis). Only the no-Redis demo mode (CELERY_TASK_ALWAYS_EAGER=1, one process) falls back to
# process memory. Keys are prefixed with the database name so deployments sharing a Redis stay apart.
# It fails open (config/cache.py): with Redis down, reads miss, writes are dropped, throttling lets requests
# through, and a warning is logged; short socket timeouts keep a hung Redis from holding requests up.
CACHES: dict[str, dict[str, object]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if CELERY_TASK_ALWAYS_EAGER
        else {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{REDIS_KEY_PREFIX}attest:{DATABASES['default']['NAME']}",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    )
}

# Public API: requests per anonymous client (by IP), "N/second|minute|hour|day"; empty turns it off.
API_ANON_RATE = env("API_ANON_RATE", "300/minute")
# Seconds each web process reuses a computed public API answer (0: never). Bounds how much later than
# the database an answer may be, on top of the Cache-Control TTLs; reused answers carry an Age header.
API_CACHE_SECONDS = envint("API_CACHE_SECONDS", "2")
# 1 adds /api/v1/bench/trivial/, a do-nothing JSON view that bench/api.py compares the API with.
ATTEST_BENCH = envbool("ATTEST_BENCH", "0")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Scoped rates: the public HTML pages' throttle (web/throttle.py) reads "page".
    "DEFAULT_THROTTLE_RATES": {"page": None},
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["api.errors.AnonApiThrottle"],
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    # How many reverse proxies stand in front: throttling then keys on the client address they add to
    # X-Forwarded-For. 0 (default) keys on the socket address, so a client cannot dodge it with a forged header.
    "NUM_PROXIES": envint("API_NUM_PROXIES", "0"),
    # Decimals travel as strings so no client parses money as a float.
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Attest public reserve API",
    "VERSION": "1",
    "DESCRIPTION": (
        "Stablecoin reserves against on-chain supply at pinned blocks. Every figure carries the blocks it "
        "was read at and a freshness status; amounts are decimal strings. See docs/api.md."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Two "status" fields with different choices: name them, so the schema (and check --deploy) has no warning.
    "ENUM_NAME_OVERRIDES": {
        "VerdictEnum": ["under_collateralised", "unverified", "at_risk", "backed"],
        "FreshnessStatusEnum": ["fresh", "stale", "degraded", "no_data"],
    },
}

CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Transport security. Each is on by default when DEBUG is off, so `manage.py check --deploy` passes
# with no warning (a test runs it); each can be turned off for a deployment that must differ.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0" if DEBUG else "1")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "1")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", "0" if DEBUG else "1")
# Behind a reverse proxy that ends TLS: 1 trusts its X-Forwarded-Proto header (and only then; a client
# could send it too), so the redirect and secure cookies see the request as the client made it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("SECURE_PROXY_SSL_HEADER", "0") else None
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Seconds a login lasts (default 8 hours: a working day, not Django's two weeks).
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(8 * 3600))
# Seconds an issuer API token works after it was made (0: forever); `drf_create_token -r USER` makes a new one.
API_TOKEN_MAX_AGE = envint("API_TOKEN_MAX_AGE", str(90 * 24 * 3600))
# Public HTML pages: requests per anonymous client address, like API_ANON_RATE; empty: unthrottled.
PAGE_ANON_RATE = env("PAGE_ANON_RATE", "120/minute")

# Content-Security-Policy (django-csp): scripts and styles from our own origin only, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
