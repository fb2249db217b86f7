"""Test settings. SQLite unless DATABASE_URL is set (CI sets it to PostgreSQL and Redis)."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks eagerly; the Celery integration test starts a real worker on REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Tests drain the ledger's subscribers themselves (ledger_changes_dispatch), when they mean to.
CREDIT_PORTAL = {**CREDIT_PORTAL, "LEDGER_DISPATCH_ON_COMMIT": False}  # noqa: F405
# Tests send the answer e-mails themselves (manage.py send_answer_notices), when they mean to.
CREDIT_PORTAL["QUESTION_NOTICES_ON_COMMIT"] = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test process keeps its own cache so that parallel workers never share throttle counters.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Serve static files from the app directories (no collectstatic in tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
