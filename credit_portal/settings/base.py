"""Settings shared by every environment. Values come from the environment (12-factor).

Variables (all optional here; production.py makes the secret ones required):
    DATABASE_URL        default: SQLite file ``db.sqlite3`` in the project directory
    REDIS_URL           absent: Celery runs tasks in process and the cache is local memory
    DJANGO_SECRET_KEY   DJANGO_DEBUG   DJANGO_ALLOWED_HOSTS   DJANGO_CSRF_TRUSTED_ORIGINS
    DJANGO_EMAIL_URL    DJANGO_DEFAULT_FROM_EMAIL   DJANGO_EMAIL_TIMEOUT
"""

from pathlib import Path
from typing import Literal

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

# GENERAL
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "zh-hans"  # Chinese first; English second (DEVELOPERS: interface language)
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# locale_vendor: Chinese for third-party apps that ship none (django-axes); ours wins a clash.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
LANGUAGE_COOKIE_NAME = "cp_language"
ROOT_URLCONF = "credit_portal.urls"
WSGI_APPLICATION = "credit_portal.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMAT_MODULE_PATH = ["credit_portal.formats"]  # English dates: 7 September 2026

# DATABASES
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions (STYLE.md)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a job writes; wait instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A new PostgreSQL connection costs ~5 ms; reuse them (PERFORMANCE.md: 190 vs 1,800 req/s),
    # health-checked unless just seen working (credit_portal/pgbackend/base.py says why).
    DATABASES["default"]["ENGINE"] = "credit_portal.pgbackend"
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# APPS
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "credit_portal.apps.AxesConfig",  # django-axes, with a translated name
    "django_celery_beat",
    "django_guid",
]
LOCAL_APPS = [
    "credit_portal.apps.CreditPortalConfig",
    "enterprises.apps.EnterprisesConfig",
    "risk.apps.RiskConfig",
    "inspections.apps.InspectionsConfig",
    "remediation.apps.RemediationConfig",
    "annual_reports.apps.AnnualReportsConfig",
    # Issue 18, on top of the domain apps (docs/architecture.md "Apps and dependencies").
    "questions.apps.QuestionsConfig",
    "standing.apps.StandingConfig",
    "station.apps.StationConfig",
    "dashboard.apps.DashboardConfig",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# AUTHENTICATION
AUTH_USER_MODEL = "credit_portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must be first: refuses locked-out clients
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): lock a username+IP pair after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = env.int("DJANGO_AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The client address as the rest of the portal sees it (audit log, public throttle): behind the
# proxy, its X-Forwarded-For hop (DJANGO_NUM_PROXIES), never a header the client wrote itself.
# Without this, axes took REMOTE_ADDR, the proxy's address, and five wrong passwords from anyone
# locked the username for every user of the portal.
AXES_CLIENT_IP_CALLABLE = "credit_portal.middleware.client_ip_from_request"
AXES_VERBOSE = False
# Password spraying (a few passwords on many usernames from one address) is stopped by a second,
# higher limit per client address across usernames (credit_portal/login_limits.py).
AXES_HANDLER = "credit_portal.login_limits.LoginAttemptHandler"
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("DJANGO_LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=20)

# MIDDLEWARE
MIDDLEWARE = [
    "credit_portal.middleware.request_id_header_check",  # before django-guid reads the header
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    # CSP and Permissions-Policy on every answer (static files too), no-store for logged-in users.
    "credit_portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # 400 for a NUL byte in the address or a cookie, before anything puts it in a query.
    "credit_portal.middleware.unstorable_characters_refused",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "credit_portal.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

# STATIC
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# TEMPLATES
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "credit_portal.context_processors.navigation",
                "credit_portal.context_processors.calendar_warning",
            ],
        },
    },
    {
        # Page bodies on the hottest paths only (credit_portal/jinja2.py says why and how).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        # Not "jinja2/": a top-level directory of that name passes for the jinja2 package.
        "DIRS": [BASE_DIR / "templates_jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "credit_portal.jinja2.environment"},
    },
]

# SECURITY (hardened further in production.py)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "credit_portal.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy (credit_portal.middleware.SecurityHeadersMiddleware): scripts, styles,
# images, fonts and connections from this site only; no inline script, event handler or style
# attribute anywhere (tests/credit_portal/test_headers_inline.py), and no nonce, since the layout
# is rendered ahead of the request (credit_portal/layout.py). Django 6.0's setting name and shape.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],  # Swagger UI's icons are data: URIs
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browser features no page uses, refused to the pages and to anything they could embed
# (Permissions-Policy; an empty list disables the feature).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
}
# The interface language: no script reads the cookie; Secure in production.py.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE: Literal["Lax"] = "Lax"  # a literal, as set_cookie() is typed
SESSION_COOKIE_AGE = 8 * 3600  # one working day
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# EMAIL
EMAIL_CONFIG = env.email_url("DJANGO_EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Credit Portal <noreply@localhost>")
# A mail server that stops answering must not hold a worker (or, embedded, a request) for long.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The embedded SQLite default builds covering indexes without their INCLUDE columns (Django
# says so with models.W040 on every command); PostgreSQL, where the size targets are measured,
# uses them (inspections' `inspection_results_due_idx`).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# CACHE and REDIS
# Every Redis call has a timeout (cache, broker, result backend): a Redis that stops answering
# must not hold a gunicorn worker, an upload or the health check (credit_portal.jobs).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cp",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# CELERY
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without Redis (embedded default) tasks run in process: no server needed.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # tasks are idempotent (STYLE.md); redeliver work lost with a worker
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"*.bulk_*": {"queue": "bulk"}}  # long jobs never block notices
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message only wakes a worker; the job row is the truth (credit_portal.jobs), so a redelivery
# after the visibility timeout does nothing. Socket timeouts: a publish to a hung Redis gives up
# in seconds (the kombu default waits for ever); longer than the consumer's 1 s BRPOP.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
}
# Three attempts at most, then the publish fails (wake-ups of jobs use one retry).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_REDIS_SOCKET_TIMEOUT = 2  # the result backend (its default waits 120 s)
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# DJANGO REST FRAMEWORK
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "credit_portal.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON bodies nested more than 32 levels deep are a 400, not a RecursionError (a 500).
    "DEFAULT_PARSER_CLASSES": [
        "credit_portal.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # drf-spectacular's AutoSchema plus the error answers (400, 401/403, 404, 429) of each view.
    "DEFAULT_SCHEMA_CLASS": "credit_portal.api_schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "credit_portal.api.exception_handler",
    # Public lookup pages and API share the "public" rate per client IP (credit_portal.throttling).
    "DEFAULT_THROTTLE_RATES": {
        "public": env("CP_PUBLIC_RATE", default="60/min"),
        "anon": "60/min",
        "user": "2000/hour",
        "staff_api": env("CP_STAFF_API_RATE", default="120/min"),
    },
    # Every API view behind a login: requests per user (the public lookup and the token endpoint
    # name their own throttles).
    "DEFAULT_THROTTLE_CLASSES": ["credit_portal.throttling.StaffApiRateThrottle"],
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    # The schema speaks the reader's language (credit_portal.api_docs): every text in it is a
    # lazy translation, and docstrings, written for developers, are not descriptions.
    "TITLE": _("Credit Portal API"),
    "DESCRIPTION": _("Register, credit records and supervision of market entities."),
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Self-hosted Swagger UI assets: nothing is loaded from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several fields are named "status": each choice set gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "EnterpriseStatusEnum": "enterprises.models.Enterprise.Status",
        # Inspections (inspections.api).
        "SamplingPlanStatusEnum": "inspections.models.SamplingPlan.Status",
        "SamplingPlanKindEnum": "inspections.models.SamplingPlan.Kind",
        "InspectionItemMethodEnum": "inspections.models.InspectionItem.Method",
        "StratumEnum": "inspections.models.Stratum",
        "DrawStatusEnum": "inspections.models.Draw.Status",
        "InspectionStatusEnum": "inspections.models.Inspection.Status",
        "InspectionOriginEnum": "inspections.models.Inspection.Origin",
        "InspectionCheckResultEnum": "inspections.models.InspectionCheck.Result",
        "LeadKindEnum": "inspections.models.Lead.Kind",
        "LeadStatusEnum": "inspections.models.Lead.Status",
        "QuestionStatusEnum": "questions.models.Question.Status",
        "QuestionMoveKindEnum": "questions.api.views.MOVE_KINDS",
        "LeadChannelEnum": "inspections.models.Lead.Channel",
        "LeadStaffChannelEnum": "inspections.api.leads.STAFF_CHANNELS",
        "AnnualReportChannelEnum": "annual_reports.models.AnnualReport.Channel",
        "LeadDecisionEnum": "inspections.models.Lead.Decision",
        "LeadNotifyMethodEnum": "inspections.models.Lead.NotifyMethod",
        "LeadMediationOutcomeEnum": "inspections.models.Lead.MediationOutcome",
        "RecusalOriginEnum": "inspections.models.Recusal.Origin",
        # Annual reports (annual_reports.api.reports).
        "AnnualReportStatusEnum": "annual_reports.api.reports.STATUS_CHOICES",
        "LetterStatusEnum": "enterprises.selectors.letters.LetterStatus",
        # Credit repair (remediation.api.repairs).
        "RepairApplicationKindEnum": "remediation.models.RepairApplication.Kind",
        "RepairApplicationStatusEnum": "remediation.models.RepairApplication.Status",
        "RepairAttachmentKindEnum": "remediation.models.RepairAttachment.Kind",
        "RepairSyncNetworkEnum": "remediation.models.RepairSync.Network",
        "RepairSyncStatusEnum": "remediation.models.RepairSync.Status",
        # Immediate disclosures and invitations to self-correct (annual_reports.api.disclosures).
        "DisclosureItemEnum": "annual_reports.models.ImmediateDisclosure.Item",
        "DisclosureStatusEnum": "annual_reports.models.ImmediateDisclosure.Status",
        "CorrectionInvitationReasonEnum": "annual_reports.models.CorrectionInvitation.Reason",
        # The abnormal directory (remediation.api.directory).
        "DirectoryCaseStateEnum": "remediation.models.DirectoryCase.State",
        "DirectoryCaseReasonEnum": "remediation.models.DirectoryCase.Reason",
        "DirectoryCaseSourceEnum": "remediation.models.DirectoryCase.Source",
        "DirectoryListingReasonEnum": "remediation.api.directory.LISTING_REASON_CHOICES",
        "DirectoryListingSourceEnum": "remediation.api.directory.LISTING_SOURCE_CHOICES",
        "DirectoryRemovalCodeEnum": "remediation.api.directory.REMOVAL_CODE_CHOICES",
        # Soft enforcement (remediation.api.soft_actions).
        "SoftActionStatusEnum": "remediation.models.SoftAction.Status",
        "SoftActionInstrumentEnum": "remediation.models.SoftAction.Instrument",
        "SoftActionTriggerEnum": "remediation.models.SoftAction.Trigger",
        "SoftActionServiceMethodEnum": "remediation.models.SoftAction.ServiceMethod",
        # Penalty decisions (remediation.api.penalties).
        "PenaltyDecisionStatusEnum": "remediation.models.PenaltyDecision.Status",
        "PenaltyLeniencyEnum": "remediation.models.PenaltyDecision.Leniency",
        "PenaltyLeniencyGroundEnum": "remediation.models.PenaltyDecision.LeniencyGround",
        "PenaltyPartyKindEnum": "remediation.models.PenaltyDecision.PartyKind",
        "PenaltyProcedureEnum": "remediation.models.PenaltyDecision.Procedure",
        "PenaltyWithdrawalEnum": "remediation.models.PenaltyDecision.Withdrawal",
        "PenaltyMeasureKindEnum": "remediation.models.PenaltyMeasure.Kind",
        # Risk classification (risk.api).
        "RiskClassEnum": "enterprises.models.Enterprise.RiskClass",
        "ClassificationRunReasonEnum": "risk.models.ClassificationRun.Reason",
        "ClassificationRunStartReasonEnum": "risk.api.runs.START_REASON_CHOICES",
        "JobStatusEnum": "credit_portal.jobs.LeasedJob.Status",
        "RiskModelVersionStatusEnum": "risk.models.ModelVersion.Status",
        "RiskHardRuleEnum": "risk.models.Assessment.HardRule",
        "RiskIndicatorFamilyEnum": "risk.models.Indicator.Family",
        "RiskIndicatorNatureEnum": "risk.models.Indicator.Nature",
        "RiskIndicatorSourceEnum": "risk.models.Indicator.Source",
    },
}

# REQUEST ID (django-guid): accept an upstream X-Request-ID if it is a UUID (the proxy's, or a
# client's for tracing), else make one; echo it back. Anything else is replaced: the id goes into
# the append-only audit log (64 characters), where a client must not write text of its choice.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
}

# LOGGING: records carry the request id; errors go to stderr. JSON in production.
LOG_JSON = env.bool("DJANGO_LOG_JSON", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "correlation_id": {"()": "django_guid.log_filters.CorrelationId"},
        "refusal_without_traceback": {"()": "credit_portal.logs.RefusalWithoutTraceback"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "correlation_id": "request_id",
            },
        },
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["correlation_id"],
            "formatter": "json" if LOG_JSON else "text",
        },
    },
    "root": {"handlers": ["stderr"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # A 403 (or a 400 for a bad request) is a warning line, not a traceback.
        "django.request": {"filters": ["refusal_without_traceback"]},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Logs "Generated new GUID" at INFO for every request without X-Request-ID.
        "django_guid": {"level": "WARNING"},
        # Subsetting the fonts of every PDF (credit_portal.documents) logs each step at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# DOMAIN SETTINGS
CREDIT_PORTAL = {
    # Without a task queue (the embedded default: no Redis, no beat) the ledger's subscribers
    # are drained right after a single append commits, so what they do (an individual business
    # restored the day it files, docs/domain.md §3) happens as it would within the minute in
    # production, where beat drains them (docs/architecture.md "Credit facts were appended").
    "LEDGER_DISPATCH_ON_COMMIT": env.bool("CP_LEDGER_DISPATCH_ON_COMMIT", default=not REDIS_URL),
    # The same for the e-mails telling askers that the answer is given (questions.services.
    # notices): sent right after the answer commits where there is no beat; beat sends them
    # within the minute elsewhere.
    "QUESTION_NOTICES_ON_COMMIT": env.bool("CP_QUESTION_NOTICES_ON_COMMIT", default=not REDIS_URL),
    "BUREAU_NAME": env("CP_BUREAU_NAME", default="成都市双流区市场监督管理局"),
    # The bureau's address and telephone, printed in the closing notes of its official
    # documents (credit_portal.documents); empty: not printed.
    "BUREAU_ADDRESS": env("CP_BUREAU_ADDRESS", default=""),
    "BUREAU_PHONE": env("CP_BUREAU_PHONE", default=""),
    # The portal's public address (https://credit.example.gov.cn), for links printed on
    # documents, such as the verification address and QR code of a letter of good standing
    # (standing.services.verify_url); required in production (`check --deploy`: standing.E001);
    # empty elsewhere: the address the request came to (PUBLIC_BASE_URL_FROM_REQUEST, which
    # production turns off).
    "PUBLIC_BASE_URL": env("CP_PUBLIC_BASE_URL", default=""),
    # docs/domain.md §1: classification is an internal tool; the bureau decides whether firms
    # see it.
    "SHOW_RISK_CLASS_TO_ENTERPRISES": env.bool("CP_SHOW_RISK_CLASS_TO_ENTERPRISES", default=False),
    # docs/domain.md §5 (Order 45 art. 13): a fine below these (CNY) is a "lower-amount" fine,
    # published for 3 months; the province sets them. Hubei's as default [S, local; open
    # point 4]; remediation.rules.lower_fine_threshold.
    "LOWER_FINE_NATURAL_PERSON": env.int("CP_LOWER_FINE_NATURAL_PERSON", default=10_000),
    "LOWER_FINE_ORGANISATION": env.int("CP_LOWER_FINE_ORGANISATION", default=100_000),
    # The bureau's province as the first two digits of a division code (GB 32100, §8): a
    # party registered elsewhere takes Order 45 art. 10's route (remediation.rules).
    "HOME_PROVINCE_CODE": env("CP_HOME_PROVINCE_CODE", default="51"),
    # docs/domain.md §9: the bureau's prefix of its document numbers (文号), e.g. 双市监 in
    # 双市监建〔2026〕12号; remediation.rules.document_number_prefix.
    "DOCUMENT_NUMBER_PREFIX": env("CP_DOCUMENT_NUMBER_PREFIX", default="双市监"),
    # docs/domain.md §5 "Processing limits" (open point 2): credit repair, in working days.
    # Acceptance, decision and effect are the 2021 办法's as remembered [U]; the directory's 5
    # is Order 68's [S]. remediation.rules.repair_*_working_days.
    "REPAIR_ACCEPTANCE_WORKING_DAYS": env.int("CP_REPAIR_ACCEPTANCE_WORKING_DAYS", default=2),
    "REPAIR_DECISION_WORKING_DAYS": env.int("CP_REPAIR_DECISION_WORKING_DAYS", default=15),
    "REPAIR_DIRECTORY_DECISION_WORKING_DAYS": env.int(
        "CP_REPAIR_DIRECTORY_DECISION_WORKING_DAYS", default=5
    ),
    "REPAIR_EFFECT_WORKING_DAYS": env.int("CP_REPAIR_EFFECT_WORKING_DAYS", default=3),
    # A repair application's uploads (remediation.uploads): bytes a file, files an application.
    "REPAIR_UPLOAD_MAX_BYTES": env.int("CP_REPAIR_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024),
    "REPAIR_UPLOAD_MAX_FILES": env.int("CP_REPAIR_UPLOAD_MAX_FILES", default=10),
    # Background jobs (credit_portal.jobs): a worker's hold on a job, renewed with each step;
    # a job whose worker died is taken over within this and a minute.
    "JOB_LEASE_SECONDS": env.int("CP_JOB_LEASE_SECONDS", default=180),
    "BUREAU_NAME_EN": env(
        "CP_BUREAU_NAME_EN", default="Shuangliu District Administration for Market Regulation"
    ),
}
