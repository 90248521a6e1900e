"""Production security settings (PRS1_ENV=production): HTTPS only (HSTS, redirect, secure cookies)
with the probes exempt, a Content-Security-Policy the admin and the API docs pages work under,
/metrics closed to anonymous callers, and `manage.py check --deploy` without a warning.

The production process is started in a subprocess (settings are read once, at start-up); the CSP
and /metrics rules are also checked in-process by switching the production values on."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
METRICS_TOKEN = secrets.token_urlsafe(32)
# Development defaults and the test stack's services are dropped: production must stand on its own.
DROPPED = {"SECRET_KEY", "JWT_SECRET", "DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS", "CELERY_BROKER_URL",
           "CELERY_TASK_ALWAYS_EAGER", "DEBUG", "ALLOWED_HOSTS", "METRICS_TOKEN", "METRICS_ALLOWED_NETWORKS",
           "CSP_ENABLED", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SERVICE_TOKEN"}


def production_env(**extra: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in DROPPED and not k.startswith("PRS1_")}
    return {**clean, "PRS1_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(50),
            "JWT_SECRET": secrets.token_urlsafe(40), "ALLOWED_HOSTS": "api.colegio.edu.pe",
            "METRICS_TOKEN": METRICS_TOKEN, **extra}


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


# --- manage.py check --deploy -------------------------------------------------------------------


def test_check_deploy_in_production_reports_no_issue():
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


# --- a production process, probed with the test client -------------------------------------------

PROBE = r"""
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")
import django
django.setup()
from django.conf import settings as s
from django.test import Client

client = Client(HTTP_HOST="api.colegio.edu.pe")
https = {"HTTP_X_FORWARDED_PROTO": "https"}

def probe(path, **headers):
    r = client.get(path, **headers)
    return {"status": r.status_code, "location": r.get("Location"), "csp": r.get("Content-Security-Policy"),
            "hsts": r.get("Strict-Transport-Security")}

print(json.dumps({
    "settings": {name: getattr(s, name, None) for name in (
        "DEBUG", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")},
    "health_http": probe("/health"),
    "api_http": probe("/api/v1/auth/me"),
    "docs_https": probe("/api/docs/", **https),
    "metrics_anonymous": probe("/metrics"),
    "metrics_wrong_token": probe("/metrics", HTTP_AUTHORIZATION="Bearer nope"),
    "metrics_token": probe("/metrics", HTTP_AUTHORIZATION="Bearer " + os.environ["METRICS_TOKEN"]),
}))
"""


@pytest.fixture(scope="module")
def production():
    result = run([sys.executable, "-c", PROBE], production_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_for_at_least_a_year_with_subdomains_and_preload(production):
    s = production["settings"]
    assert s["DEBUG"] is False
    assert s["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is True
    hsts = production["docs_https"]["hsts"]
    assert "includeSubDomains" in hsts and "preload" in hsts
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 365 * 24 * 3600


def test_production_redirects_plain_http_to_https_but_not_the_health_probe(production):
    assert production["settings"]["SECURE_SSL_REDIRECT"] is True
    assert production["settings"]["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["api_http"]["status"] == 301
    assert production["api_http"]["location"] == "https://api.colegio.edu.pe/api/v1/auth/me"
    assert production["health_http"]["status"] == 200  # a probe over plain HTTP keeps working
    assert production["docs_https"]["status"] == 200  # X-Forwarded-Proto: https from the proxy is trusted


def test_production_cookies_are_secure(production):
    assert production["settings"]["SESSION_COOKIE_SECURE"] is True
    assert production["settings"]["CSRF_COOKIE_SECURE"] is True


def test_production_sends_a_content_security_policy(production):
    csp = production["docs_https"]["csp"]
    assert csp and "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    script_src = re.search(r"script-src ([^;]*)", csp).group(1).split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert all(source == "'self'" or source.startswith("'nonce-") for source in script_src)


def test_production_metrics_need_the_bearer_token(production):
    assert production["metrics_anonymous"]["status"] == 401
    assert production["metrics_wrong_token"]["status"] == 401
    assert production["metrics_token"]["status"] == 200


@pytest.mark.parametrize(("variable", "value"), [("METRICS_TOKEN", "short"),
                                                 ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8,not-a-network")])
def test_a_bad_metrics_setting_is_a_startup_error(variable, value):
    result = run([sys.executable, "manage.py", "check"], production_env(**{variable: value}))

    assert result.returncode != 0
    assert variable in result.stderr


# --- the pages the CSP must not break (in-process, production policy switched on) ------------------


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.stylesheets: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name, _value in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append(attributes)
        elif tag == "link" and "stylesheet" in (attributes.get("rel") or ""):
            self.stylesheets.append(attributes["href"])


def _directive(csp: str, name: str) -> list[str]:
    match = re.search(rf"(?:^|;)\s*{name} ([^;]*)", csp)
    return match.group(1).split() if match else []


def assert_works_under_its_csp(client: Client, path: str) -> int:
    """Every script the page runs is its own file or carries the response's nonce, every
    stylesheet is its own, no inline event handler; every file it loads exists. Returns how many
    scripts the page loads."""
    response = client.get(path)
    assert response.status_code == 200, path
    csp = response["Content-Security-Policy"]
    page = _Page()
    page.feed(response.content.decode())
    script_src = _directive(csp, "script-src")
    assert not page.handlers, (path, page.handlers)
    loaded = 0
    for script in page.scripts:
        if script.get("type") in ("application/json", "application/ld+json"):
            continue  # data, never run
        src = script.get("src")
        if src is None:
            assert f"'nonce-{script.get('nonce')}'" in script_src, (path, "inline script without the nonce")
            continue
        assert not urlparse(src).netloc and "'self'" in script_src, (path, src)
        _assert_served(client, src)
        loaded += 1
    for href in page.stylesheets:
        assert not urlparse(href).netloc and "'self'" in _directive(csp, "style-src"), (path, href)
        _assert_served(client, href)
    return loaded


def _assert_served(client: Client, url: str) -> None:
    parsed = urlparse(url)
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")
    if parsed.path.startswith(static_prefix):
        assert finders.find(parsed.path.removeprefix(static_prefix)), url
    else:
        response = client.get(url)
        assert response.status_code == 200 and "javascript" in response["Content-Type"], url


@pytest.fixture
def production_csp(settings):
    settings.CONTENT_SECURITY_POLICY = settings.PRODUCTION_CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/api/v1/integration/docs"])
def test_the_api_docs_pages_load_only_what_the_csp_allows(production_csp, path):
    assert assert_works_under_its_csp(Client(), path) >= 1


def test_swagger_ui_runs_no_inline_script_under_the_csp(production_csp):
    response = Client().get("/api/docs/")

    page = _Page()
    page.feed(response.content.decode())
    assert all(script.get("src") for script in page.scripts)
    assert "cdn.jsdelivr.net" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/admin/", "/admin/users/user/", "/admin/users/user/add/"])
def test_the_admin_loads_only_what_the_csp_allows(production_csp, django_user_model, path):
    client = Client()
    if path != "/admin/login/":
        client.force_login(django_user_model.objects.create_superuser("root", "root@colegio.edu.pe", "x-Secret-123"))

    assert assert_works_under_its_csp(client, path) >= 1


def test_without_production_there_is_no_csp_header(client):
    assert "Content-Security-Policy" not in client.get("/api/docs/")


# --- /metrics ---------------------------------------------------------------------------------


@pytest.fixture
def production_metrics(settings):
    settings.METRICS_OPEN_WHEN_UNCONFIGURED = False
    settings.METRICS_TOKEN = METRICS_TOKEN
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16", "fd00::/8"]


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"HTTP_AUTHORIZATION": "Bearer wrong"}, 401),
    ({"HTTP_AUTHORIZATION": f"Basic {METRICS_TOKEN}"}, 401),
    ({"HTTP_AUTHORIZATION": f"Bearer {METRICS_TOKEN}"}, 200),
    ({"REMOTE_ADDR": "10.20.3.4"}, 200),
    ({"REMOTE_ADDR": "fd00::17"}, 200),
    ({"REMOTE_ADDR": "10.21.0.1"}, 401),
    ({"REMOTE_ADDR": "10.21.0.1", "HTTP_X_FORWARDED_FOR": "10.20.3.4"}, 401),  # the socket address counts
])
def test_metrics_need_the_token_or_an_allowed_network(production_metrics, headers, status):
    response = Client().get("/metrics", **headers)

    assert response.status_code == status
    if status == 200:
        assert b"prs1_" in response.content or b"django_http_" in response.content
    else:
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"' and b"django_http" not in response.content


def test_unconfigured_metrics_are_closed_in_production(settings):
    settings.METRICS_OPEN_WHEN_UNCONFIGURED, settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = False, "", []

    assert Client().get("/metrics").status_code == 401


def test_unconfigured_metrics_stay_open_in_development(client):
    assert client.get("/metrics").status_code == 200
