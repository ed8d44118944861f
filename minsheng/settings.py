"""Minsheng settings. Everything that differs between installations comes from
environment variables (see .env.example); each is read by a typed helper that
fails with one clear line."""

from __future__ import annotations

from pathlib import Path

from minsheng.env import ConfigError, env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MINSHENG_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("MINSHENG_TESTING", False)

SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ConfigError("SECRET_KEY is not set; set SECRET_KEY to a long random string (or DEBUG=1 for development).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves Swagger UI for /api/v1/docs from our static files, not a CDN
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "core",
    "accounts",
    "audit",
    "workcal",
    "notifications",
    "files",
    "cases",
    "hazards",
    "duty",
    "triage",
    "portal",
    "open311",
    "outbox",
    "insights",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.sessions.SlidingSessionMiddleware",  # Django's, writing an unchanged session once a minute
    "core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.request_guard.RejectNulMiddleware",  # %00 in a URL: a clean 400, never a 500 (docs/security.md)
    "core.ratelimit.ApiRateLimitMiddleware",  # /api/ and /open311/: API_REQUESTS_PER_MINUTE per client
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "accounts.middleware.AdminTwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]
# Benchmarks only (bench/run): an X-Query-Count header on every response; absent otherwise.
if env_bool("BENCH_QUERY_COUNT", False):
    MIDDLEWARE.insert(0, "core.querycount.QueryCountMiddleware")

ROOT_URLCONF = "minsheng.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "minsheng.wsgi.application"

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'minsheng.sqlite3'}"
DATABASES = {"default": parse_database_url(DATABASE_URL, base_dir=BASE_DIR).as_django()}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(str(DATABASES["default"]["NAME"])).parent.mkdir(parents=True, exist_ok=True)
# A read-only replica (PostgreSQL standby) for report pages: dashboards, ranking, ledger, briefs
# (core.replica). Without it every query goes to DATABASE_URL.
REPORTS_DATABASE_URL = env_str("REPORTS_DATABASE_URL")
REPORTS_DATABASE: str | None = None
if REPORTS_DATABASE_URL:
    DATABASES["reports"] = parse_database_url(REPORTS_DATABASE_URL, base_dir=BASE_DIR).as_django()
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
    REPORTS_DATABASE = "reports"
DATABASE_ROUTERS = ["core.replica.ReportsRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Django's ModelBackend, reading the user's roles in the same query (accounts/backends.py)
    "accounts.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: staff sessions end after SESSION_TIMEOUT_MINUTES of inactivity.
SESSION_COOKIE_AGE = env_int("SESSION_TIMEOUT_MINUTES", 30, minimum=1, maximum=24 * 60) * 60
# The expiry slides with each request; core.sessions writes an unchanged session at most once
# per SESSION_REFRESH_SECONDS instead of Django's SESSION_SAVE_EVERY_REQUEST (a write per request).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Behind nginx with TLS (docs/operations.md): trust its X-Forwarded-Proto, redirect to HTTPS, send HSTS.
# All off by default (the loopback demo speaks plain HTTP).
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
REQUIRE_ADMIN_2FA = env_bool("REQUIRE_ADMIN_2FA", False)

# django-axes: lock an account+IP after AXES_FAILURE_LIMIT failures for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
HONOR_ACCEPT_LANGUAGE = env_bool("HONOR_ACCEPT_LANGUAGE", False)
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The project-level catalogue (strings of minsheng/ itself). Left out while extracting
# messages (bin/i18n, the i18n test), so that makemessages writes each app's strings
# into that app's own catalogue and never here.
LOCALE_PATHS = [] if env_bool("MINSHENG_MAKEMESSAGES", False) else [BASE_DIR / "minsheng" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules/bootstrap-icons/font"),
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/echarts", BASE_DIR / "node_modules/echarts/dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules/leaflet/dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = TESTING or DEBUG
# Uploaded files live outside the web root and are served only through views that check permissions.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "files")) or VAR_DIR / "files")
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 20, minimum=1, maximum=500)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Dotted path of a callable(path) that raises ValidationError for an infected file (e.g. a clamd client).
FILE_SCANNER = env_str("FILE_SCANNER", "") or ""

EMAIL_HOST = env_str("EMAIL_HOST", "") or ""
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "minsheng@localhost") or "minsheng@localhost"
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.console.EmailBackend"
)

# Background jobs: SqliteHuey embedded by default, RedisHuey when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "") or ""
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", TESTING)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "minsheng",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "minsheng",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }

CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL and not TESTING
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if TESTING
    # Shared by the web workers and the background worker, so an invalidation reaches all.
    else {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}}
)
# With Redis (production), a request reads its session from the cache, not the database;
# sessions are still written to the database too, so a Redis restart signs nobody out.
if REDIS_URL and not TESTING:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOG_LEVEL = env_str("LOG_LEVEL", "INFO") or "INFO"
if LOG_LEVEL.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ConfigError(f"LOG_LEVEL={LOG_LEVEL!r} is not a level; set it to DEBUG, INFO, WARNING or ERROR.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL.upper()},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Site identity shown in the header.
SITE_NAME = env_str("SITE_NAME", "") or ""
DEMO_MODE = env_bool("DEMO_MODE", False)

MESSAGE_TAGS = {40: "danger"}

# Maps (Leaflet): a tile URL such as https://tiles.example.gov.cn/{z}/{x}/{y}.png; empty
# means no tiles: points are drawn on a plain background with a grid (closed networks).
MAP_TILE_URL = env_str("MAP_TILE_URL", "") or ""
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "") or ""


def _tile_origin(url: str) -> str:
    """The origin of a Leaflet tile URL template for img-src ("{s}" subdomains become "*")."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""  # a path on our own origin
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


# Content-Security-Policy, sent by core.middleware.ContentSecurityPolicyMiddleware (docs/security.md):
# scripts and styles only from our own origin: no inline <script>, no on*= handler, no style="" attribute,
# no eval. Images may also be data:/blob: (Leaflet, ECharts export) and the tile server's.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        " ".join(["img-src 'self' data: blob:", _tile_origin(MAP_TILE_URL)]).strip(),
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
# Hazard ledgers: codes of the units whose staff see every hazard of the district (the
# emergency management bureau in the demo), and the row count above which an Excel
# import runs in the background with a progress bar.
HAZARD_OVERSIGHT_UNIT_CODES = env_list("HAZARD_OVERSIGHT_UNIT_CODES", ["yjj"])
HAZARD_IMPORT_SYNC_ROWS = env_int("HAZARD_IMPORT_SYNC_ROWS", 300, minimum=1)
# Dashboards: case ledgers (台账) with more rows than this are written in the background.
INSIGHTS_LEDGER_SYNC_ROWS = env_int("INSIGHTS_LEDGER_SYNC_ROWS", 3000, minimum=1)
# Dashboards: on PostgreSQL a case write adds its figures to pending tables and a deferred
# trigger folds them into the rollups at COMMIT (writers do not queue on the rollup rows).
# False folds them at once (the test suite, whose transactions never commit).
INSIGHTS_FOLD_AT_COMMIT = True

# Citizens' side: public portal, Open311 GeoReport v2, messages to complainants (docs/open311.md).
OPEN311_JURISDICTION_ID = env_str("OPEN311_JURISDICTION_ID", "minsheng") or "minsheng"
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "") or ""
# Channels whose cases GET requests lists (never confidential cases, never personal data).
OPEN311_LIST_CHANNELS = env_list("OPEN311_LIST_CHANNELS", ["open311"])
# Public address of the site, for links in SMS/e-mail (e.g. https://minsheng.example.gov.cn).
PUBLIC_BASE_URL = (env_str("PUBLIC_BASE_URL", "") or "").rstrip("/")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "") or ""
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY", "") or ""
SMS_BACKEND = env_str("SMS_BACKEND", "") or (
    "outbox.backends.HttpSmsBackend"
    if SMS_GATEWAY_URL
    else "outbox.backends.LocmemSmsBackend"
    if TESTING
    else "outbox.backends.FileSmsBackend"
)
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(VAR_DIR / "sms")) or VAR_DIR / "sms")
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6, minimum=1, maximum=50)
PORTAL_SUBMITS_PER_IP_HOUR = env_int("PORTAL_SUBMITS_PER_IP_HOUR", 10, minimum=1)
PORTAL_SUBMITS_PER_PHONE_DAY = env_int("PORTAL_SUBMITS_PER_PHONE_DAY", 5, minimum=1)
PORTAL_LOOKUPS_PER_IP_HOUR = env_int("PORTAL_LOOKUPS_PER_IP_HOUR", 60, minimum=1)
# REST and Open311 requests per client (token, key or address) per minute; 0 turns the limit off.
API_REQUESTS_PER_MINUTE = env_int("API_REQUESTS_PER_MINUTE", 1200, minimum=0)
PORTAL_WRONG_CODES = env_int("PORTAL_WRONG_CODES", 5, minimum=1)
PORTAL_WRONG_CODE_DELAY_MINUTES = env_int("PORTAL_WRONG_CODE_DELAY_MINUTES", 15, minimum=1)
# Where the portal's map opens when no pin is set: "latitude,longitude".
MAP_CENTER = env_list("MAP_CENTER", ["30.2741", "120.1551"])

# Personal data of finished cases (complainants' names, phones, ID numbers, addresses, contact
# data) is anonymised this many years after closure; the case and its figures stay. 0 = never.
RETENTION_PERSONAL_DATA_YEARS = env_int("RETENTION_PERSONAL_DATA_YEARS", 5, minimum=0, maximum=100)
