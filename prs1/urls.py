"""URL map. Integration (ninja) routes are tried first, then each context's DRF resource API."""

from importlib import util

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from prs1 import health, metrics
from prs1.integration import api as integration_api

# Each context mounts its DRF urls at /api/v1/<prefix>/ (the seed's gateway routes). The enrollment
# process manager serves the seed's academic path POST /api/v1/academic/enrollments (it starts the
# saga), so it is mounted under "academic/" ahead of the academic context itself.
API_PREFIXES = {
    "apps.enrollment": "academic",
    "apps.institution": "institution",
    "apps.users": "users",
    "apps.auth": "auth",
    "apps.academic": "academic",
    "apps.assignments": "assignments",
    "apps.grades": "grades",
    "apps.attendance": "attendance",
    "apps.notifications": "notifications",
    "apps.inventory": "inventory",
}

context_routes = [
    path(f"api/v1/{prefix}/", include(f"{app}.urls"))
    for app, prefix in API_PREFIXES.items()
    if app in settings.CONTEXT_APPS and util.find_spec(f"{app}.urls") is not None
]

urlpatterns = [
    path("health", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics.metrics, name="prometheus-django-metrics"),  # token or allowlist (prs1/metrics.py)
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Content-Security-Policy friendly docs: Swagger UI's init script is a file of its own (no inline
    # script), Redoc loads no web fonts from Google; both bundles are self-hosted (sidecar).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="prs1/redoc.html"), name="redoc"),
    path("api/v1/", integration_api.urls),
    *context_routes,
]

# JSON error bodies under /api/, Django's pages elsewhere (common.http).
handler400 = "common.http.bad_request"
handler403 = "common.http.permission_denied"
handler404 = "common.http.not_found"
handler500 = "common.http.server_error"

admin.site.site_header = "PRS1"
admin.site.site_title = "PRS1"

