"""Base settings for evalportal: everything secret or host-specific comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key() -> str:
    """Without SECRET_KEY in the environment (development, the demo), keep one generated key in var/ (git-ignored),
    so restarting or auto-reloading the server does not log everybody out. Production settings require the env."""
    path = BASE_DIR / "var" / "dev_secret_key"
    path.parent.mkdir(exist_ok=True)
    try:  # exclusive create: of two processes starting together (server and worker) exactly one writes the key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # An empty file (a crash between create and write) must not give Django an empty key: use a fresh one.
        return path.read_text().strip() or "dev-insecure-" + get_random_secret_key()
    with os.fdopen(fd, "w") as handle:
        key = "dev-insecure-" + get_random_secret_key()
        handle.write(key)
    return key


SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret_key()
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_filters",
    "stations",
    "indicators",
    "reports",
    "oversight",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "evalportal.session_refresh.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must come first: refuses locked-out credentials
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "evalportal.urls"

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
                "evalportal.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "evalportal.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}

AUTH_USER_MODEL = "stations.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "evalportal.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "evalportal.validators.LettersAndDigitsValidator"},
]

# Login lockout (issue 3): 5 failures lock the account name for 15 minutes (django-axes).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# By account name: a street office's staff share one public IP behind the office NAT, so an IP lockout would
# lock out the whole office after one person's typos (hence axes.W006 is silenced below).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False  # axes would log user names and IP addresses; evalportal.auth_log logs user ids only
AXES_COOLOFF_MESSAGE = "登录失败次数过多，账户已锁定 15 分钟，请稍后再试。"

# Idle timeout: the session expires 30 minutes after the last request.
SESSION_COOKIE_AGE = 30 * 60
# No write per request: the expiry is renewed only when less than this remains (evalportal.session_refresh), so an
# idle session ends 25–30 minutes after its last request and the session row is written at most every 5 minutes.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_REMAINING = 25 * 60

# Excel uploads (issue 3 §6): size limit and zip-bomb guard, checked before openpyxl opens the file.
EXCEL_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
EXCEL_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
EXCEL_MAX_COMPRESSION_RATIO = 100
EXCEL_MAX_MEMBERS = 200

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO; its warnings (missing glyphs, refused URLs) still show.
        "weasyprint": {"level": "WARNING"},
        # django-axes puts user names and IP addresses in its messages: keep them out of the logs.
        "axes": {"level": "CRITICAL"},
    },
}
