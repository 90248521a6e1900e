"""`manage.py serve_context grades --bind 127.0.0.1:8106`: run one context as its own service.

The service is this same code base with a different environment: it hosts only the named context
(`PRS1_HOSTED_CONTEXTS`), reaches every other context over HTTP (`PRS1_DEFAULT_REMOTE_URL`, the
monolith, or per context in `PRS1_REMOTE_CONTEXTS`) and keeps its tables, outbox and inbox in its
own database (`DATABASE_URL`). It runs, as one supervised group:

- web: gunicorn serving the integration API (its RPC endpoints `/api/v1/rpc/<context>/…`, the seed's
  integration endpoints and `/health/…`);
- consumer: `consume_events --context <context>` (its event handlers, fed by Kafka), if it has any;
- relay: `relay_outbox` (its own outbox to Kafka).

A child that exits is restarted after a jittered backoff; SIGTERM/SIGINT stop them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from common.resilience import backoff_delay
from events import bus, kafka


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = field(default=0.0)


class Command(BaseCommand):
    help = "Run one bounded context as its own service: web (gunicorn), its Kafka consumer and its outbox relay."

    def add_arguments(self, parser):
        parser.add_argument("context", help="The context to serve, e.g. grades.")
        parser.add_argument("--bind", default="127.0.0.1:8100", help="gunicorn address (default 127.0.0.1:8100).")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
        parser.add_argument("--migrate", action="store_true", help="Migrate this service's database first.")
        parser.add_argument("--no-consumer", action="store_true", help="Do not run the Kafka consumer.")
        parser.add_argument("--no-relay", action="store_true", help="Do not run the outbox relay.")

    def handle(self, *args, context: str, bind: str, workers: int, migrate: bool, no_consumer: bool,
               no_relay: bool, **options):
        known = [path.rsplit(".", 1)[-1] for path in settings.CONTEXT_APPS]
        if context not in known:
            raise CommandError(f"unknown context '{context}' (contexts: {', '.join(known)})")
        hosted = list(getattr(settings, "PRS1_HOSTED_CONTEXTS", None) or [])
        if hosted != [context]:
            raise CommandError(f"set PRS1_HOSTED_CONTEXTS={context} (and PRS1_DEFAULT_REMOTE_URL, DATABASE_URL) "
                               f"for this service; it is {','.join(hosted) or 'unset'}")
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)

        python = sys.executable
        root = Path(settings.BASE_DIR)
        children = [Child("web", [str(Path(python).with_name("gunicorn")), "prs1.wsgi:application", "--bind", bind,
                                  "--workers", str(workers), "--timeout", "60", "--access-logfile", "-"])]
        if kafka.enabled():
            if not no_consumer and any(h.context == context for h in bus.all_handlers()):
                children.append(Child("consumer", [python, "manage.py", "consume_events", "--context", context]))
            if not no_relay:
                children.append(Child("relay", [python, "manage.py", "relay_outbox"]))
        self.stdout.write(f"serving context '{context}' at http://{bind}: " + ", ".join(c.name for c in children))
        self._supervise(children, root)

    def _supervise(self, children: list[Child], root: Path) -> None:
        stopping = {"flag": False}

        def stop(signum, _frame):
            stopping["flag"] = True

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, stop)
        try:
            while not stopping["flag"]:
                now = time.monotonic()
                for child in children:
                    if child.process is None and now >= child.next_start:
                        child.process = subprocess.Popen(child.argv, cwd=root, env=os.environ.copy())  # noqa: S603
                        child.started_at = now
                    elif child.process is not None and child.process.poll() is not None:
                        code = child.process.returncode
                        # a child that ran for a minute starts over from the first backoff step
                        child.restarts = 1 if now - child.started_at > 60 else child.restarts + 1
                        delay = backoff_delay(child.restarts, base=0.5, cap=30)
                        self.stderr.write(f"{child.name} exited with {code}; restarting in {delay:.1f} s")
                        child.process, child.next_start = None, now + delay
                time.sleep(0.2)
        finally:
            for child in children:
                if child.process is not None and child.process.poll() is None:
                    child.process.terminate()
            for child in children:
                if child.process is not None:
                    try:
                        child.process.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        child.process.kill()
