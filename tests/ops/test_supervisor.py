"""`make run`'s supervisor (scripts/run.py): a killed process comes back; the others keep running."""

from __future__ import annotations

import importlib.util
import io
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.enrollment.worker import wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("prs1_run_script", ROOT / "scripts" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_process_is_restarted_and_the_others_keep_running(run, tmp_path):
    out = io.StringIO()
    supervisor = run.Supervisor({"victim": "sleep 300", "bystander": "sleep 300"}, cwd=tmp_path, out=out,
                                backoff=0.1, backoff_cap=0.5)
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop.is_set,), kwargs={"interval": 0.05}, daemon=True)
    thread.start()
    try:
        victim, bystander = supervisor.programs["victim"], supervisor.programs["bystander"]
        wait_for(lambda: victim.pids and bystander.pids, timeout=10, message="both started")
        first_pid, bystander_pid = victim.pids[0], bystander.pids[0]

        os.killpg(first_pid, signal.SIGKILL)

        wait_for(lambda: len(victim.pids) == 2 and _alive(victim.pids[1]), timeout=10, message="victim restarted")
        assert victim.restarts == 1 and victim.pids[1] != first_pid
        assert bystander.pids == [bystander_pid] and _alive(bystander_pid) and bystander.restarts == 0
        assert "victim exited with code -9; restarting" in out.getvalue()
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert not any(_alive(pid) for program in supervisor.programs.values() for pid in program.pids[-1:])


def test_a_process_that_keeps_crashing_backs_off(run, tmp_path):
    supervisor = run.Supervisor({"crasher": "exit 3"}, cwd=tmp_path, out=io.StringIO(), backoff=0.05,
                                backoff_cap=0.2, stable_after=60)
    crasher = supervisor.programs["crasher"]
    supervisor.start(crasher)
    crasher.process.wait(timeout=10)

    supervisor.check()
    first_delay = crasher.restart_at - time.monotonic()
    crasher.restart_at = 0  # due now
    supervisor.check()
    crasher.process.wait(timeout=10)
    supervisor.check()
    second_delay = crasher.restart_at - time.monotonic()

    assert crasher.restarts == 1 and crasher.failures_in_a_row == 2
    assert 0 < first_delay <= 0.05 < second_delay <= 0.2


def test_the_procfile_lists_every_process_with_its_metrics(run):
    programs = run.read_procfile(ROOT / "Procfile")
    assert set(programs) == {"web", "worker", "beat", "relay"}
    assert "prs1/gunicorn.conf.py" in programs["web"]
    assert "WORKER_METRICS_PORT" in programs["worker"] and "PROMETHEUS_MULTIPROC_DIR" in programs["worker"]
    assert "BEAT_METRICS_PORT" in programs["beat"]
    assert "--metrics-port" in programs["relay"]
