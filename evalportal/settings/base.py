"""Base settings for evalportal: everything secret or host-specific comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
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
    "csp",
    "axes",
    "django_filters",
    "stations",
    "indicators",
    "reports",
    "surveys",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "oversight",
    "demo",
    "backups",
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
    "evalportal.middleware.RejectNulMiddleware",  # before any view reads a parameter (PostgreSQL refuses NUL in text)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every response (django-csp; policy below) and no-store on authenticated pages.
    "csp.middleware.CSPMiddleware",
    "evalportal.middleware.NoStoreForAuthenticatedMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
    "api.middleware.ApiConditionalGetMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must come first: refuses locked-out credentials
    "evalportal.security.ModelBackend",  # Django's, with the user's organisation in the same query
]

ROOT_URLCONF = "evalportal.urls"
CSRF_FAILURE_VIEW = "evalportal.errors.csrf_failure"

# Content-Security-Policy (issue 9 §9): scripts, styles, fonts and images from this site only. No inline script, no
# inline style attribute (templates use classes; JavaScript sets styles through the DOM, which CSP allows); Bootstrap's
# stylesheet draws its icons from data: SVG images. Evidence files are served with their own stricter policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

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

# Django's stock widget templates through Jinja2 (faster for a select's options), the rest as above (form_renderer.py).
FORM_RENDERER = "evalportal.form_renderer.FormRenderer"

WSGI_APPLICATION = "evalportal.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
# The embedded default must take concurrent saves (issue 9 §6): write-ahead log (readers never block the writer),
# a busy timeout (a writer waits for the lock instead of failing with "database is locked"), and transactions that
# take the write lock when they begin (BEGIN IMMEDIATE): a transaction that read first and then tried to write would
# otherwise fail at once, without waiting, when another connection wrote meanwhile.
SQLITE_BUSY_TIMEOUT_SECONDS = int(os.environ.get("SQLITE_BUSY_TIMEOUT", "30"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout="
        f"{SQLITE_BUSY_TIMEOUT_SECONDS * 1000}",
    })

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
# The lockout page says until when (evalportal.lockout); failures during a lockout do not extend it (issue 9 §7).
AXES_LOCKOUT_CALLABLE = "evalportal.lockout.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
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
# Bounded work for any upload (issue 11 §1): openpyxl parses the worksheet XML at ~10 µs per cell and the shared
# strings/styles whole when the file is opened, so the parsed XML is capped (bench/bench_excel.py measures the worst
# files within these limits: ≤ 5 s, ≤ 200 MB); at most EXCEL_MAX_ROWS data rows in every import; at most
# EXCEL_MAX_CELLS cells read (openpyxl pads each row from column A); the first EXCEL_MAX_ERRORS errors are listed.
EXCEL_MAX_SHEET_XML_BYTES = 5 * 1024 * 1024
EXCEL_MAX_OTHER_XML_BYTES = 2 * 1024 * 1024
EXCEL_MAX_ROWS = 5000
EXCEL_MAX_CELLS = 300_000
EXCEL_MAX_ERRORS = 200

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# `manage.py backup` writes here unless given --output (var/ is not in git).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "var" / "backups"))

# Files the portal stores (evidence, rendered and archived PDFs, ZIPs) go through Django's storage API: the local disk
# (MEDIA_ROOT) by default, S3-compatible object storage with EVALPORTAL_STORAGE=s3 (issue 13: stateless app servers).
EVALPORTAL_STORAGE = os.environ.get("EVALPORTAL_STORAGE", "local")
if EVALPORTAL_STORAGE == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", "evalportal"),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME", "us-east-1"),
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID", ""),
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Protected downloads: "django" streams them from the app server; "x-accel" lets nginx send them (evalportal.downloads)
EVALPORTAL_DOWNLOADS = os.environ.get("EVALPORTAL_DOWNLOADS", "django")
EVALPORTAL_S3_URL_SECONDS = 60  # lifetime of the presigned URL nginx fetches an object with
# /_bench/bare (anonymous) and /_bench/page (the empty layout behind login) for the smoke test's throughput; off in
# production
EVALPORTAL_BENCH_BARE = env_bool("EVALPORTAL_BENCH_BARE", False)

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

# Satisfaction surveys (issue 14): how long one-time questionnaire links work after the sample is drawn, how long
# names and phone numbers are kept after the evaluation is finalised (then `purge_survey_rosters` deletes them),
# and how many questionnaire requests one address may make per minute.
SURVEY_LINK_DAYS = int(os.environ.get("SURVEY_LINK_DAYS", "14"))
SURVEY_ROSTER_RETENTION_DAYS = int(os.environ.get("SURVEY_ROSTER_RETENTION_DAYS", "30"))
SURVEY_LINK_RATE_PER_MINUTE = int(os.environ.get("SURVEY_LINK_RATE_PER_MINUTE", "30"))

# The HTTP API (issue 12): session (browser) or per-user token (programs); cursor pages; problem+json errors; rate
# limits answer 429 with Retry-After.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.ReadOnlyTokenCannotWrite",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle",
                                 "rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("API_RATE", "600/min"), "token": "10/min"},
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "社工服务站绩效评估平台 开放接口",
    "DESCRIPTION": "站点的个案管理系统推送月度完成量，市、区系统读取完成情况与评估结果。规则与网页相同：只能看到本机构有权查看的对象（其他对象一律 404），"
    "修改受同样的校验和锁定约束，并记入修改记录（来源 API）。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Deep links put a link inside each operation's expand button, which screen readers cannot reach (axe-core
    # nested-interactive, issue 15); without them the path is plain text in the button
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SCHEMA_PATH_PREFIX": "/api/v1",
}
