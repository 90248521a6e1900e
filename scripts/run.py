"""`make run`: migrate, load the demo school, print the admin login, serve on 127.0.0.1:8000.

Embedded default (no DATABASE_URL/REDIS_URL): SQLite, eager Celery, one `runserver` process.
Full stack (REDIS_URL set): web + Celery worker + beat + outbox relay as one supervised group
(honcho, Procfile); Ctrl-C stops them all.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def main() -> int:
    (ROOT / "var").mkdir(exist_ok=True)
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput", "--verbosity", "0")
    manage("seed_demo")
    full_stack = bool(os.environ.get("REDIS_URL"))
    if full_stack:
        if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            manage("kafka_topics")
        print("Full stack: web, worker, beat and outbox relay (Ctrl-C stops all).", flush=True)
        cmd = [str(ROOT / ".venv" / "bin" / "honcho"), "start", "-f", "Procfile"]
        if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            cmd += ["web", "worker", "beat"]
    else:
        print("Embedded default: SQLite, eager tasks, console email/SMS. http://127.0.0.1:8000/admin/", flush=True)
        cmd = [PY, "manage.py", "runserver", "127.0.0.1:8000", "--noreload"]
    try:
        return subprocess.call(cmd, cwd=ROOT)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
