"""/metrics, not open to anonymous callers in production (deploy/README.md, "Metrics").

Prometheus presents `Authorization: Bearer <METRICS_TOKEN>` (prometheus.yml `authorization:
credentials_file:`), or scrapes from an address inside `METRICS_ALLOWED_NETWORKS` (CIDRs; the
socket address, never X-Forwarded-For). Either one suffices. With neither configured, /metrics is
open in development (`METRICS_OPEN_WHEN_UNCONFIGURED`) and refused to everyone in production.
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from events.metrics import exposition


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {exc}") from exc


def _bearer_ok(request: HttpRequest, token: str) -> bool:
    scheme, _sep, presented = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


def _address_ok(request: HttpRequest, networks) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in networks)


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    networks = _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    if not token and not networks:
        return settings.METRICS_OPEN_WHEN_UNCONFIGURED
    return _bearer_ok(request, token) or _address_ok(request, networks)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    # gunicorn runs prometheus_client in multiprocess mode (deploy/gunicorn.conf.py): the scrape merges the
    # files of every worker process, plus the gauges computed from the database now
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
