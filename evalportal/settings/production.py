"""Production settings: every secret from the environment; passes `manage.py check --deploy`."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("生产环境必须通过环境变量 SECRET_KEY 提供至少 50 个字符的密钥。")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": DEFAULT_STORAGE,  # noqa: F405  (local disk or S3, from the environment)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Structured logs (issue 13): LOG_FORMAT=json writes one JSON object per line (evalportal.logformat).
if os.environ.get("LOG_FORMAT", "plain") == "json":
    LOGGING["formatters"]["json"] = {"()": "evalportal.logformat.JsonFormatter"}  # noqa: F405
    LOGGING["handlers"]["console"]["formatter"] = "json"  # noqa: F405
