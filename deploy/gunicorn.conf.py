"""gunicorn settings of the web container: `gunicorn -c deploy/gunicorn.conf.py prs1.wsgi:application`.

Everything of prs1/gunicorn.conf.py (multiprocess metrics: PROMETHEUS_MULTIPROC_DIR, child_exit drops a dead
worker's gauges), bound on all interfaces, plus: the master serves the merged metrics of its workers on
WEB_METRICS_PORT (events.metrics.serve_http, /metrics and /health), which Prometheus scrapes per container
inside the private network (docker-compose.yml; the port is never published). Django's own /metrics on
8000 keeps its token/allow-list protection for anyone else; a scraper reaching containers by IP would be
refused there by ALLOWED_HOSTS anyway.
"""

import os
import runpy
from pathlib import Path

_base = runpy.run_path(str(Path(__file__).resolve().parent.parent / "prs1" / "gunicorn.conf.py"))
globals().update({name: value for name, value in _base.items() if not name.startswith("__")})

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))


def when_ready(server) -> None:
    port = int(os.environ.get("WEB_METRICS_PORT") or 0)
    if port:
        from events.metrics import serve_http

        serve_http(port, os.environ.get("METRICS_BIND_ADDRESS", "0.0.0.0"))  # noqa: S104 (the private network)
