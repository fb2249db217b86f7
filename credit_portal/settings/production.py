"""Production: behind a TLS-terminating proxy, PostgreSQL and Redis required.

`python manage.py check --deploy` passes with no warnings (tests/credit_portal/test_settings.py).
"""

from .base import *  # noqa: F403
from .base import CREDIT_PORTAL, DATABASES, LOGGING, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # no default: a missing secret fails at boot
# Container health checks call http://127.0.0.1:8000/healthz from inside the container.
ALLOWED_HOSTS = [*env.list("DJANGO_ALLOWED_HOSTS"), "127.0.0.1", "localhost"]
REDIS_URL = env("REDIS_URL")
if DATABASES["default"]["ENGINE"] != "credit_portal.pgbackend":  # PostgreSQL (base.py)
    raise RuntimeError("Production needs DATABASE_URL pointing at PostgreSQL.")

# The proxy terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cp",
        # A Redis that stops answering must not hold every gunicorn worker until its 30 s
        # timeout: give up after a second (the throttle then lets lookups through, logged).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False

LOGGING["handlers"]["stderr"]["formatter"] = "json"  # type: ignore[index]

# Letters of good standing print and encode the portal's public address (CP_PUBLIC_BASE_URL,
# required: `check --deploy`, standing.E001), never the Host a request names.
CREDIT_PORTAL = {**CREDIT_PORTAL, "PUBLIC_BASE_URL_FROM_REQUEST": False}
