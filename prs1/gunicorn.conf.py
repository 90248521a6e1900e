"""gunicorn settings for the web process: `gunicorn -c prs1/gunicorn.conf.py prs1.wsgi:application`.

Metrics in multiprocess mode: every gunicorn worker writes its samples (django_http_requests_*, the
circuit breakers, remote-call latencies...) to PROMETHEUS_MULTIPROC_DIR and /metrics merges them
(events.metrics.scrape_registry), so a scrape sees the whole web process, not the one worker that
answered. The variable must be set before any worker imports prometheus_client: it is set here, in the
master, which gunicorn reads before it loads the application (do not use --preload with another value).
Without it in the environment, var/metrics/web is used and emptied at start; a directory given by the
environment belongs to whoever set it (a tmpfs in a container) and is left alone.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
METRICS_DIR = Path(_given or ROOT / "var" / "metrics" / "web")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")


def on_starting(server) -> None:
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    if not _given:  # our own directory: samples of a previous run's processes would be merged otherwise
        for stale in METRICS_DIR.glob("*.db"):
            stale.unlink(missing_ok=True)


def child_exit(server, worker) -> None:
    """A worker exited (restarted after max_requests, killed, crashed): drop its live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(METRICS_DIR))
