"""All settings, read from the environment with safe defaults for a single machine."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sizhi.config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("SIZHI_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("SIZHI_DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set unless SIZHI_DEBUG is on."
        )
    SECRET_KEY = "sizhi-debug-only-not-secret"  # noqa: S105 - used only with SIZHI_DEBUG on

# Keyed hash for matching ID numbers and phones without storing them in clear. It must stay
# stable for the life of an installation, so it is its own setting and not derived per run.
PII_HASH_KEY = env_str("SIZHI_PII_HASH_KEY") or SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
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
    "template_partials",
    # For the API docs: Swagger UI's scripts and styles ship in its static files.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "sizhi.core",
    "sizhi.accounts",
    "sizhi.orgs",
    "sizhi.residents",
    "sizhi.messaging",
    "sizhi.deliberation",
    "sizhi.cases",
    "sizhi.outreach",
    "sizhi.reach",
    "sizhi.egov",
    "sizhi.stats",
    "sizhi.webhooks",
    "sizhi.web",
    "sizhi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sizhi.core.middleware.RequestMetaMiddleware",
]

ROOT_URLCONF = "sizhi.config.urls"
WSGI_APPLICATION = "sizhi.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "sizhi.web.context_processors.navigation",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL")
    if url:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
        config["CONN_HEALTH_CHECKS"] = True
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "sizhi.sqlite3"),
        "OPTIONS": {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
            # the start of a transaction so two writers queue instead of failing mid-way.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA cache_size=-64000;"
                "PRAGMA temp_store=MEMORY;"
            ),
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "sizhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SIZHI_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Uploads of reference data (region trees) are bounded.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("SIZHI_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

SIZHI_COUNTY_CODE = env_str("SIZHI_COUNTY_CODE", "520327")
# Intake protections for public channels (web form, app, Open311).
SIZHI_INTAKE_PER_PHONE_PER_HOUR = env_int("SIZHI_INTAKE_PER_PHONE_PER_HOUR", 5)
SIZHI_INTAKE_PER_IP_PER_HOUR = env_int("SIZHI_INTAKE_PER_IP_PER_HOUR", 20)
SIZHI_MAX_ATTACHMENT_BYTES = env_int("SIZHI_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
# How many files one case may hold in all (those filed with it and those added later).
SIZHI_MAX_CASE_ATTACHMENTS = env_int("SIZHI_MAX_CASE_ATTACHMENTS", 30)
# How many files one motion may hold in all (the proposal's, progress photos, those added
# later); only adding files later is refused past it.
SIZHI_MAX_MOTION_ATTACHMENTS = env_int("SIZHI_MAX_MOTION_ATTACHMENTS", 30)
# A case that comes with only lat/long (Open311, the API) is filed under the township,
# village or group whose reference point is nearest, if one lies within this many metres.
SIZHI_POINT_RADIUS_M = env_int("SIZHI_POINT_RADIUS_M", 3000)
# The JSON API (/api/v1/): the largest request body, the requests per minute of one token (or
# signed-in user), and how long the answer to an Idempotency-Key is kept.
SIZHI_API_MAX_BODY_BYTES = env_int("SIZHI_API_MAX_BODY_BYTES", 64 * 1024)
SIZHI_API_REQUESTS_PER_MINUTE = env_int("SIZHI_API_REQUESTS_PER_MINUTE", 300)
SIZHI_API_IDEMPOTENCY_HOURS = env_int("SIZHI_API_IDEMPOTENCY_HOURS", 24)
# Outbound SMS gateway (JSON POST {"to", "text"}); empty: messages are only logged.
SIZHI_SMS_URL = env_str("SIZHI_SMS_URL")
SIZHI_SITE_NAME = _("四直为民")
SIZHI_PUBLICATION_LISTENERS = ["sizhi.bridges.agenda.on_publication"]
# Called after commit with every case and motion event (kind, event_id, transition, region_code).
SIZHI_EVENT_LISTENERS = ["sizhi.webhooks.listeners.on_event"]
# Webhooks may be posted to loopback and private addresses (docs/api-webhooks.md).
SIZHI_WEBHOOK_ALLOW_PRIVATE = env_bool("SIZHI_WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
# Days a finished webhook delivery (delivered, failed or withheld) is kept after its last
# attempt before `sizhi prune_webhook_deliveries` deletes it (docs/api-webhooks.md).
SIZHI_WEBHOOK_KEEP_DAYS = env_int("SIZHI_WEBHOOK_KEEP_DAYS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SIZHI_LOG_LEVEL", "WARNING")},
}
