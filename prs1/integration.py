"""Integration API (django-ninja): each context's `contracts.py` exposed over HTTP.

These are the seed's "APIs de Integración Síncrona" that other services call. Every context
that has an `integration.py` with a `router` is mounted here under /api/v1/.
Documented at /api/v1/integration/docs (schema: /api/v1/integration/openapi.json).
"""

from importlib import import_module, util

from django.conf import settings
from ninja import NinjaAPI

api = NinjaAPI(
    title="PRS1 integration API",
    version="1.0.0",
    urls_namespace="integration",
    docs_url="/integration/docs",
    openapi_url="/integration/openapi.json",
    description="Service-to-service endpoints (contracts over HTTP). Authenticate with a JWT bearer "
    "token or the service token (header `X-Service-Token`).",
)

for app_path in settings.CONTEXT_APPS:
    module_name = f"{app_path}.integration"
    if util.find_spec(module_name) is not None:
        module = import_module(module_name)
        api.add_router("/", module.router)
