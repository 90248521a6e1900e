"""Fixtures of the event-infrastructure tests: test-only payload schemas and handlers that are
removed afterwards, per-test topic namespaces, and helpers to read what reached the broker."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from events import bus, schema
from events.schema import EventPayload

ROOT = Path(__file__).resolve().parents[2]
TEST_VERSION = "99.0"  # never clobbers a context's real schema; removed after each test


class ProbePayload(EventPayload):
    seq: int
    label: str = "probe"
    fail: bool = False


@pytest.fixture
def probe_schema() -> Iterator[type[ProbePayload]]:
    """A test-only payload schema for user.created v99.0 and attendance.marked v99.0."""
    with schema.registered("user.created", ProbePayload, version=TEST_VERSION), \
            schema.registered("attendance.marked", ProbePayload, version=TEST_VERSION):
        yield ProbePayload


@pytest.fixture(autouse=True)
def _isolated_bus(monkeypatch):
    """The contexts' real handlers stay out of these tests: probe events reach only test handlers."""
    from collections import defaultdict

    monkeypatch.setattr(bus, "_handlers", defaultdict(list))
    monkeypatch.setattr(bus, "_by_name", {})


@pytest.fixture
def handler_registry():
    """register(event_type, fn, context=...) -> Handler; every handler is unsubscribed afterwards."""
    names: list[str] = []

    def register(event_type: str, fn, *, context: str = "evtest"):
        bus.subscribe(event_type, context=context)(fn)
        name = f"{fn.__module__}.{fn.__qualname__}"
        names.append(name)
        return bus.handler_named(name)

    yield register
    for name in names:
        bus.unsubscribe(name)


def kafka_required() -> str:
    servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or settings.KAFKA_BOOTSTRAP_SERVERS
    if not servers:
        pytest.skip("KAFKA_BOOTSTRAP_SERVERS is unset: run through scripts/test.sh, which starts the tansu broker")
    return servers


@pytest.fixture
def kafka_servers(settings) -> str:
    servers = kafka_required()
    settings.KAFKA_BOOTSTRAP_SERVERS = servers
    return servers


@pytest.fixture
def topic_prefix(settings) -> str:
    """A fresh namespace for the catalogue topics, so tests never read each other's messages."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    settings.EVENTS_TOPIC_PREFIX = prefix
    return prefix


def database_url() -> str:
    return f"postgres://postgres@127.0.0.1:5432/{settings.DATABASES['default']['NAME']}"


def relay_env(servers: str, prefix: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url(), "KAFKA_BOOTSTRAP_SERVERS": servers,
           "EVENTS_TOPIC_PREFIX": prefix, "EVENTS_RELAY_POLL_INTERVAL": "0.2"}
    env.update(extra)
    return env


def start_relay(servers: str, prefix: str, *args: str, **extra_env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "relay_outbox", *args], cwd=ROOT,
                            env=relay_env(servers, prefix, **extra_env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_topic(servers: str, topic: str, *, expected: int, timeout: float = 20.0) -> list:
    """Every message of `topic` (all partitions, from the beginning, no consumer group)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": servers, "group.id": f"reader-{uuid.uuid4().hex}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        deadline = time.monotonic() + timeout
        partitions = {}
        while time.monotonic() < deadline:
            meta = consumer.list_topics(topic, timeout=5).topics.get(topic)
            if meta is not None and meta.error is None and meta.partitions:
                partitions = meta.partitions
                break
            time.sleep(0.2)
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        messages = []
        while len(messages) < expected and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                messages.append(msg)
        # a short grace period shows extra (unexpected) messages too
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            msg = consumer.poll(0.1)
            if msg is not None and not msg.error():
                messages.append(msg)
        return messages
    finally:
        consumer.close()


def envelopes(messages: list) -> list[dict]:
    return [json.loads(m.value()) for m in messages]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_tansu(port: int) -> subprocess.Popen:
    binary = os.environ.get("TANSU_BIN")
    if not binary:
        pytest.skip("TANSU_BIN is unset: run through scripts/test.sh")
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen([binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
                             "--storage-engine", "memory://tansu/"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("tansu did not start")


def stop_process(proc: subprocess.Popen, *, kill: bool = False, timeout: float = 20) -> None:
    """SIGTERM (or SIGKILL) and wait; a process that ignores SIGTERM is killed and the test fails."""
    if proc.poll() is None:
        proc.kill() if kill else proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            raise AssertionError(f"{proc.args} did not stop within {timeout}s of SIGTERM") from None
