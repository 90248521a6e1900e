"""Liveness and readiness of the relay's and consumers' loops (events.metrics.LoopHealth) and the HTTP
endpoint a non-web process serves them on, with its /metrics."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from events import metrics
from tests.events.conftest import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_loop_is_live_while_it_turns_and_not_once_it_stalls():
    clock = Clock()
    health = metrics.LoopHealth(stale_after=30, clock=clock)
    assert health.live() and not health.ready()  # starting

    health.tick()
    clock.now += 29
    assert health.live() and health.ready()

    clock.now += 2  # 31 s without a turn: wedged
    assert not health.live() and not health.ready()
    health.tick()
    assert health.live()


def test_a_recovering_loop_is_live_but_not_ready_until_work_succeeds_or_the_failure_is_old():
    clock = Clock()
    health = metrics.LoopHealth(stale_after=30, clock=clock)
    state = {"failures": 0, "progress": 0}
    should_stop = health.watch(lambda: False, failures=lambda: state["failures"], progress=lambda: state["progress"])
    should_stop()
    assert health.ready()

    state["failures"] += 1
    clock.now += 1
    should_stop()
    assert health.live() and not health.ready()

    state["progress"] += 1
    clock.now += 1
    should_stop()
    assert health.ready()

    state["failures"] += 1
    clock.now += 1
    should_stop()
    assert not health.ready()
    clock.now += 31
    should_stop()
    assert health.ready()  # idle since, and no failure for stale_after seconds


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_the_endpoint_serves_metrics_and_answers_503_when_the_loop_stalls():
    clock = Clock()
    health = metrics.LoopHealth(stale_after=30, clock=clock)
    metrics.init_relay_series()
    port = free_port()
    server = metrics.serve_http(port, health=health)
    try:
        base = f"http://127.0.0.1:{port}"
        health.tick()
        status, body = _get(f"{base}/metrics")
        assert status == 200 and b'prs1_relay_recoveries_total{reason="database"}' in body
        assert _get(f"{base}/health")[0] == 200
        status, body = _get(f"{base}/health/ready")
        assert status == 200 and json.loads(body)["status"] == "ok"

        clock.now += 31

        assert _get(f"{base}/health/live")[0] == 503
        status, body = _get(f"{base}/health/ready")
        assert status == 503 and json.loads(body)["live"] is False
        assert _get(f"{base}/nothing")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
