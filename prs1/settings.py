"""PRS1 settings, read from the environment (django-environ).

With nothing set, the *embedded default* runs: SQLite, Celery eager, locmem cache,
console email/SMS, and the outbox drained to the in-process bus only. Setting
DATABASE_URL / REDIS_URL / KAFKA_BOOTSTRAP_SERVERS switches to the full stack on
the same code paths. PRS1_ENV=production makes a missing secret a startup error.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
import structlog
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

PRS1_ENV = env.str("PRS1_ENV", default="development")
PRODUCTION = PRS1_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_DEV_SECRET = "dev-insecure-secret-key-change-me-0123456789abcdef0123456789abcdef"
if PRODUCTION:
    # A missing secret is a startup error in production, never a default.
    SECRET_KEY = env.str("SECRET_KEY")
    JWT_SECRET = env.str("JWT_SECRET")
    if len(JWT_SECRET.encode()) < 32:
        raise ImproperlyConfigured("JWT_SECRET must be at least 256 bits (32 bytes).")
else:
    SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET)
    JWT_SECRET = env.str("JWT_SECRET", default=SECRET_KEY)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- applications -----------------------------------------------------------------
CONTEXT_APPS = [
    "apps.institution",
    "apps.users",
    "apps.auth",  # label "iam": must not clash with django.contrib.auth
    "apps.academic",
    "apps.assignments",
    "apps.grades",
    "apps.attendance",
    "apps.notifications",
    "apps.enrollment",
    "apps.inventory",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "corsheaders",
    "csp",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our static files, not a CDN (CSP: 'self')
    "ninja",
    "events",
    "events.saga",
    "prs1",
    *CONTEXT_APPS,
]

AUTH_USER_MODEL = "users.User"

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "common.replica_router.PrimaryAfterWriteMiddleware",  # reads may use the replica until the request writes
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "common.http.ApiGuardMiddleware",  # /api/: body size, NUL in the query, errors always JSON
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "events.middleware.RequestContextMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "prs1.urls"
# Tenancy (common.tenancy): the one function that derives a request's Scope (the admin asks it through common/).
TENANCY_SCOPE_RESOLVER = "apps.auth.contracts.request_scope"
WSGI_APPLICATION = "prs1.wsgi.application"
ASGI_APPLICATION = "prs1.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- data stores ------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Persistent connections (health-checked) on PostgreSQL: a worker otherwise reconnects for every task.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0 if "sqlite" in DATABASES["default"]["ENGINE"] else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("TEST_DATABASE_NAME", default=None)
USING_POSTGRES = "postgresql" in DATABASES["default"]["ENGINE"]
# A streaming replica (deploy/): read-only queries go there, a request or task that wrote stays on the
# primary (common/replica_router.py). Tests point it at the test database (MIRROR).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {**env.db_url_config(DATABASE_REPLICA_URL),
                            "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"], "CONN_HEALTH_CHECKS": True,
                            "ATOMIC_REQUESTS": False, "TEST": {"MIRROR": "default"}}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="prs1")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": CACHE_KEY_PREFIX}}

# --- Celery (prs1/celery.py reads the CELERY_* names) -------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = env.bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="prs1")
# acks_late with the Redis broker: a task running longer than this is delivered again,
# so every task is idempotent (see ARCHITECTURE.md, "Known traps").
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BEAT_SCHEDULE: dict = {
    "resume-stale-sagas": {"task": "sagas.resume_stale", "schedule": 30.0},
    # Held (quiet hours), backed-off and crashed (lease expired) notifications go out again.
    "notifications-dispatch-due": {"task": "notifications.dispatch_due", "schedule": 30.0},
    # In-process event deliveries a dead worker lost (PendingDelivery older than EVENTS_DELIVERY_SWEEP_AFTER_S).
    "events-sweep-deliveries": {"task": "events.sweep_deliveries", "schedule": 30.0},
    # Overdue loans: loan.overdue and the reminders, once per loan per rule (apps/inventory/tasks.py).
    "inventory-detect-overdue-loans": {"task": "inventory.detect_overdue_loans", "schedule": 3600.0},
}
# Inventory loans (docs/inventory.md): reminders at these days past due; no new loan for a borrower
# holding this many overdue loans.
INVENTORY_OVERDUE_REMINDER_DAYS = env.list("INVENTORY_OVERDUE_REMINDER_DAYS", cast=int, default=[1, 7])
INVENTORY_MAX_OVERDUE_LOANS = env.int("INVENTORY_MAX_OVERDUE_LOANS", default=1)
# A saga driven by no worker for this long is resumed by another (its worker died).
SAGA_LEASE_SECONDS = env.int("SAGA_LEASE_SECONDS", default=60)
# Chaos drills only: lets a saga's data name steps to fail or stall (events/saga/engine.py).
SAGA_FAULT_INJECTION = env.bool("SAGA_FAULT_INJECTION", default=False)

# --- Kafka and events ---------------------------------------------------------------
KAFKA_BOOTSTRAP_SERVERS = env.str("KAFKA_BOOTSTRAP_SERVERS", default="")
KAFKA_TOPIC_PARTITIONS = env.int("KAFKA_TOPIC_PARTITIONS", default=6)
KAFKA_TOPIC_REPLICATION = env.int("KAFKA_TOPIC_REPLICATION", default=1)
KAFKA_CONSUMER_SESSION_TIMEOUT_MS = env.int("KAFKA_CONSUMER_SESSION_TIMEOUT_MS", default=10000)
# Contexts whose handlers run from a Kafka consumer (`manage.py consume_events --context X`)
# instead of the in-process bus. Empty in the monolith.
EVENTS_KAFKA_CONTEXTS = env.list("EVENTS_KAFKA_CONTEXTS", default=[])

# Self-healing relay/consumer and the delivery sweeper (events/relay.py, consumer.py, sweeper.py).
EVENTS_DELIVERY_SWEEP_AFTER_S = env.int("EVENTS_DELIVERY_SWEEP_AFTER_S", default=120)
EVENTS_RECOVERY_BACKOFF_BASE = env.float("EVENTS_RECOVERY_BACKOFF_BASE", default=0.5)
EVENTS_RECOVERY_BACKOFF_CAP = env.float("EVENTS_RECOVERY_BACKOFF_CAP", default=30)
EVENTS_CONSUMER_BATCH_SIZE = env.int("EVENTS_CONSUMER_BATCH_SIZE", default=500)
EVENTS_CONSUMER_COMMIT_INTERVAL_MS = env.int("EVENTS_CONSUMER_COMMIT_INTERVAL_MS", default=1000)
EVENTS_CONSUMER_STATS_INTERVAL_MS = env.int("EVENTS_CONSUMER_STATS_INTERVAL_MS", default=5000)

# --- splitting contexts out (common.contracts, docs/CONTRACTS.md "Splitting a context out") ---------
# The monolith with grades served elsewhere: PRS1_REMOTE_CONTEXTS=grades=http://grades:8000,...
# A split-out service: PRS1_HOSTED_CONTEXTS=grades, PRS1_DEFAULT_REMOTE_URL=http://monolith:8000.
PRS1_REMOTE_CONTEXTS = env.str("PRS1_REMOTE_CONTEXTS", default="")
PRS1_HOSTED_CONTEXTS = env.list("PRS1_HOSTED_CONTEXTS", default=[])
PRS1_DEFAULT_REMOTE_URL = env.str("PRS1_DEFAULT_REMOTE_URL", default="")
REMOTE_CALL_RETRIES = env.int("REMOTE_CALL_RETRIES", default=3)  # attempts of an idempotent remote call
# A process creates and reaches only the tables of the contexts it serves.
# Then reads go to the replica when one is configured, until the request or task writes.
DATABASE_ROUTERS = ["common.db_router.ContextRouter", "common.replica_router.ReplicaRouter"]
EVENTS_HANDLER_MAX_RETRIES = env.int("EVENTS_HANDLER_MAX_RETRIES", default=5)
EVENTS_RELAY_BATCH_SIZE = env.int("EVENTS_RELAY_BATCH_SIZE", default=2000)
# Relay/consumer tuning (docs/events.md). EVENTS_TOPIC_PREFIX namespaces the physical topics ("staging.").
EVENTS_TOPIC_PREFIX = env.str("EVENTS_TOPIC_PREFIX", default="")
EVENTS_RELAY_POLL_INTERVAL = env.float("EVENTS_RELAY_POLL_INTERVAL", default=1.0)
EVENTS_RELAY_DELIVERY_TIMEOUT_MS = env.int("EVENTS_RELAY_DELIVERY_TIMEOUT_MS", default=30000)
EVENTS_RELAY_MAX_BACKOFF = env.float("EVENTS_RELAY_MAX_BACKOFF", default=300.0)
EVENTS_CONSUMER_RETRY_BACKOFF = env.float("EVENTS_CONSUMER_RETRY_BACKOFF", default=0.5)
KAFKA_PRODUCER_LINGER_MS = env.int("KAFKA_PRODUCER_LINGER_MS", default=5)
# Processes other than the web serve /metrics, /health/live and /health/ready on a port of their own
# (events/metrics.py): the relay, the consumers (--metrics-port overrides), the Celery worker and beat.
EVENTS_RELAY_METRICS_PORT = env.int("EVENTS_RELAY_METRICS_PORT", default=None)
EVENTS_CONSUMER_METRICS_PORT = env.int("EVENTS_CONSUMER_METRICS_PORT", default=None)
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=None)
BEAT_METRICS_PORT = env.int("BEAT_METRICS_PORT", default=None)
METRICS_BIND_ADDRESS = env.str("METRICS_BIND_ADDRESS", default="127.0.0.1")
# A relay or consumer loop that has not turned for this many seconds answers 503 on /health/live.
EVENTS_HEALTH_STALE_AFTER = env.float("EVENTS_HEALTH_STALE_AFTER", default=60.0)

# --- API ----------------------------------------------------------------------------
# A body larger than this (files of a multipart upload excepted) is a 413 `request_too_large` under /api/.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    # JSON through common.http.loads_json (deep nesting and NUL characters are 400s, not 500s).
    "DEFAULT_PARSER_CLASSES": ["common.parsers.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "PRS1 API",
    "DESCRIPTION": "School management platform: JSON API for the frontend (JWT bearer tokens). "
    "Integration endpoints (contracts over HTTP) are documented at /api/v1/integration/docs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "common.openapi.add_error_responses"],
    # An enrollment request's (saga's) status is not an enrollment's status: without a name of its
    # own, drf-spectacular folded both into EnrollmentStatusEnum ("EnrollmentRequest" minus "Request").
    # One name per choice set shared by several fields (without it, `check --deploy` warns, drf_spectacular.W001).
    "ENUM_NAME_OVERRIDES": {"SagaStatusEnum": "events.saga.models.SagaStatus",
                            "ComponentKindEnum": "apps.grades.models.ComponentKind",
                            "EducationLevelEnum": "apps.institution.models.Level",
                            "LanguageEnum": "apps.notifications.models.LANGUAGES",
                            "RoomKindEnum": "apps.inventory.models.RoomKind",
                            "MovementKindEnum": "apps.inventory.models.MovementKind",
                            "StocktakeStatusEnum": "apps.inventory.models.StocktakeStatus",
                            "DiscrepancyKindEnum": "apps.inventory.models.DiscrepancyKind",
                            "MaintenanceStatusEnum": "apps.inventory.models.MaintenanceStatus",
                            "MaintenanceStepEnum": ["IN_PROGRESS", "DONE", "CANCELLED"]},
    # Self-hosted (drf-spectacular-sidecar): the Content-Security-Policy allows no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},  # no badge fetched from swagger.io
}

# JWT per the seed: access 15 min, refresh 7 days with rotation and revocation.
JWT_ISSUER = "sistema-educativo-prs1"
JWT_AUDIENCE = "microservices"
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SECRET,
    "AUDIENCE": JWT_AUDIENCE,
    "ISSUER": JWT_ISSUER,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Refuses a logged-out access token (its jti denylisted in the cache until it expires; docs/auth.md).
    "AUTH_TOKEN_CLASSES": ("apps.auth.tokens.AccessToken",),
}

# Login throttling per the seed's gateway plugin: 5/minute and 20/hour.
LOGIN_RATE_LIMITS = env.list("LOGIN_RATE_LIMITS", default=["5/m", "20/h"])
# Reverse proxies in front of the app, for the client address in X-Forwarded-For (docs/auth.md).
# Unset: the socket address (a client-sent X-Forwarded-For is not trusted by the login limits).
REST_FRAMEWORK["NUM_PROXIES"] = env.int("NUM_PROXIES", default=None)
RATELIMIT_USE_CACHE = "default"

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:3000"])
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "x-requested-with", "x-correlation-id",
                      "x-request-id", "idempotency-key", "accept-language"]

# Service-to-service token for integration endpoints (e.g. the credential check).
SERVICE_TOKEN = env.str("SERVICE_TOKEN", default="" if PRODUCTION else "dev-service-token")

# Teacher workload: maximum weekly teaching hours (an institution may set its own in the admin).
ASSIGNMENTS_MAX_WEEKLY_HOURS = env.int("ASSIGNMENTS_MAX_WEEKLY_HOURS", default=30)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- i18n -------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Lima")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- messaging ------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PRS1 <no-reply@prs1.local>")
# SMS: "console" in the embedded default; "http" talks to a Twilio-style REST provider.
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_PROVIDER_URL = env.str("SMS_PROVIDER_URL", default="")
SMS_PROVIDER_ACCOUNT = env.str("SMS_PROVIDER_ACCOUNT", default="")
SMS_PROVIDER_TOKEN = env.str("SMS_PROVIDER_TOKEN", default="")
SMS_FROM_NUMBER = env.str("SMS_FROM_NUMBER", default="+51000000000")
SMS_WEBHOOK_SECRET = env.str("SMS_WEBHOOK_SECRET", default="" if PRODUCTION else "dev-webhook-secret")

# Seed timeouts (ms) and circuit breaker for outgoing calls.
SERVICE_TIMEOUTS_MS = {
    "user-management": 2000,
    "auth-security": 1000,
    "academic-management": 3000,
    "teacher-assignment": 2500,
    "grades-evaluation": 5000,
    "attendance-control": 1500,
    "notifications": 10000,
}
CIRCUIT_BREAKER = {"failure_threshold": env.int("CIRCUIT_BREAKER_FAILURES", default=5),
                   "recovery_timeout_s": env.float("CIRCUIT_BREAKER_RECOVERY_S", default=30),
                   "half_open_max_calls": env.int("CIRCUIT_BREAKER_HALF_OPEN_CALLS", default=3)}

# --- logging (structured, JSON in production) ------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# Production logs are one JSON object per line (deploy/logstash/ indexes them) and every line carries
# correlation_id, request_id, context (the bounded context or package that logged it) and event_id (null
# when the line belongs to no request, task or event): the HTTP middleware and Celery tasks bind the ids
# (events/context.py); an event's handling binds event_id with structlog.contextvars or passes
# extra={"event_id": ...}.
_LOG_FIELDS = ("correlation_id", "request_id", "context", "event_id")


def _log_context(_logger, _method, event_dict):
    record = event_dict.get("_record")
    name = getattr(record, "name", "") or event_dict.get("logger", "")
    parts = name.split(".")
    event_dict.setdefault("logger", name)
    event_dict.setdefault("context", parts[1] if parts[0] == "apps" and len(parts) > 1 else parts[0] or None)
    from events import context as request_context  # stdlib only: safe while logging is configured

    current = request_context._current.get()
    if current is not None:
        event_dict.setdefault("correlation_id", current.correlation_id)
        event_dict.setdefault("request_id", current.request_id)
    for field in _LOG_FIELDS:
        event_dict.setdefault(field, None)
    return event_dict


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.processors.JSONRenderer() if PRODUCTION else structlog.dev.ConsoleRenderer(colors=False),
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.ExtraAdder(allow=_LOG_FIELDS),
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.stdlib.add_log_level,
                _log_context,
            ],
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # httpx logs every remote contract call at INFO (the calls are measured in prs1_remote_call_seconds);
    # aiosmtpd's mail.log every SMTP line of the test mail server.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "kafka": {"level": "WARNING"},
                "httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}, "mail.log": {"level": "WARNING"}},
}

# --- security (docs: deploy/README.md, "Security settings") ---------------------------------
# Content-Security-Policy (django-csp 4.x). Scripts: our own files, or an inline script carrying
# the response's nonce (`nonce="{{ request.csp_nonce }}"`); nothing from a CDN (the API docs pages
# are self-hosted through drf-spectacular-sidecar and django-ninja's static files). Styles allow
# inline (`'unsafe-inline'`): Redoc injects its styles at run time, the admin and report card use
# style attributes, and a nonce in style-src would switch that off; styles run no code.
# Web workers from blob: (Redoc's search); images and fonts also as data: URIs (Swagger UI's icons).
PRODUCTION_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Off in development and tests (no header), as before; CSP_ENABLED=true tries it locally.
CONTENT_SECURITY_POLICY = PRODUCTION_CONTENT_SECURITY_POLICY if env.bool("CSP_ENABLED", default=PRODUCTION) else None

# /metrics (prs1/metrics.py): a scraper presents `Authorization: Bearer <METRICS_TOKEN>`, or calls
# from an address in METRICS_ALLOWED_NETWORKS (CIDRs, the socket address). With neither set,
# /metrics is open in development and closed to everyone in production.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
METRICS_OPEN_WHEN_UNCONFIGURED = not PRODUCTION
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters.")
for _cidr in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_exc}") from None

if PRODUCTION:
    # TLS ends at the load balancer, which tells us in X-Forwarded-Proto (deploy/haproxy.cfg sets it,
    # Kong passes it on from its trusted peers). Plain HTTP is redirected to HTTPS, except the health
    # probes and the Prometheus scrape, which call the container directly over the private network.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health$", r"^health/ready$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=63072000)  # 2 years (preload asks for ≥ 1)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
