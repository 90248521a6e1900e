"""`make run`: migrate, load the demo school, print the admin login, serve on 127.0.0.1:8000.

Embedded default (no DATABASE_URL/REDIS_URL): SQLite, eager Celery, one `runserver` process.
Full stack (REDIS_URL set): web + Celery worker + beat + outbox relay from the Procfile, supervised: a
process that exits (crash, OOM kill, a bug) is started again after a backoff (1 s doubling to 30 s, back
to 1 s once it stayed up a minute); the others keep running. Ctrl-C (or SIGTERM) stops them all.
Each process serves /metrics on its own port (Procfile); the web at http://127.0.0.1:8000/metrics.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def read_procfile(path: Path) -> dict[str, str]:
    """name -> shell command, in file order (the Procfile format: `name: command`, # comments)."""
    programs: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise ValueError(f"{path}: not a Procfile line: {line!r}")
        programs[name.strip()] = command.strip()
    return programs


@dataclass
class Program:
    name: str
    command: str
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    failures_in_a_row: int = 0
    restart_at: float | None = None
    pids: list[int] = field(default_factory=list)  # every pid it ran as, oldest first


class Supervisor:
    """Runs each program in its own process group through /bin/sh and restarts any that exits."""

    def __init__(self, programs: dict[str, str], *, cwd: Path = ROOT, env: dict[str, str] | None = None,
                 out: TextIO = sys.stdout, backoff: float = 1.0, backoff_cap: float = 30.0,
                 stable_after: float = 60.0, stop_timeout: float = 10.0) -> None:
        self.programs = {name: Program(name, command) for name, command in programs.items()}
        self.cwd, self.env, self.out = cwd, env, out
        self.backoff, self.backoff_cap, self.stable_after = backoff, backoff_cap, stable_after
        self.stop_timeout = stop_timeout
        self._lock = threading.Lock()
        width = max((len(name) for name in programs), default=4)
        self._width = max(width, len("supervisor"))

    def say(self, name: str, line: str) -> None:
        with self._lock:
            self.out.write(f"{time.strftime('%H:%M:%S')} {name:<{self._width}} | {line.rstrip()}\n")
            self.out.flush()

    def _pipe(self, program: Program, stream) -> None:
        for line in iter(stream.readline, ""):
            self.say(program.name, line)
        stream.close()

    def start(self, program: Program) -> None:
        program.process = subprocess.Popen(
            ["/bin/sh", "-c", program.command], cwd=self.cwd, env=self.env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        program.started_at = time.monotonic()
        program.restart_at = None
        program.pids.append(program.process.pid)
        threading.Thread(target=self._pipe, args=(program, program.process.stdout), daemon=True).start()
        self.say("supervisor", f"{program.name} started (pid {program.process.pid}): {program.command}")

    def check(self) -> None:
        """One round: notice exited programs, schedule their restart, restart those due."""
        now = time.monotonic()
        for program in self.programs.values():
            if program.process is not None and program.restart_at is None:
                code = program.process.poll()
                if code is None:
                    continue
                stable = now - program.started_at >= self.stable_after
                program.failures_in_a_row = 1 if stable else program.failures_in_a_row + 1
                delay = min(self.backoff_cap, self.backoff * 2 ** (program.failures_in_a_row - 1))
                program.restart_at = now + delay
                self.say("supervisor", f"{program.name} exited with code {code}; restarting in {delay:.0f} s")
            if program.restart_at is not None and now >= program.restart_at:
                program.restarts += 1
                self.start(program)

    def run(self, should_stop: Callable[[], bool], interval: float = 0.2) -> None:
        for program in self.programs.values():
            self.start(program)
        try:
            while not should_stop():
                self.check()
                time.sleep(interval)
        finally:
            self.stop()

    def stop(self) -> None:
        """SIGTERM every process group, SIGKILL what is still running after stop_timeout."""
        running = [p.process for p in self.programs.values() if p.process is not None and p.process.poll() is None]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=5)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def supervise(programs: dict[str, str]) -> int:
    stopping = threading.Event()

    def stop(_signum, _frame) -> None:
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    Supervisor(programs).run(should_stop=stopping.is_set)
    return 0


def main() -> int:
    (ROOT / "var").mkdir(exist_ok=True)
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput", "--verbosity", "0")
    manage("seed_demo")
    full_stack = bool(os.environ.get("REDIS_URL"))
    if full_stack:
        if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            manage("kafka_topics")
        programs = read_procfile(ROOT / "Procfile")
        if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            programs.pop("relay", None)
        print(f"Full stack: {', '.join(programs)}, supervised (a crashed process is restarted; Ctrl-C stops "
              "all).", flush=True)
        return supervise(programs)
    print("Embedded default: SQLite, eager tasks, console email/SMS. http://127.0.0.1:8000/admin/", flush=True)
    cmd = [PY, "manage.py", "runserver", "127.0.0.1:8000", "--noreload"]
    try:
        return subprocess.call(cmd, cwd=ROOT)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--supervise":  # run a Procfile's programs, nothing else
        sys.exit(supervise(read_procfile(Path(sys.argv[2]))))
    sys.exit(main())
