"""Every JSON log line carries correlation_id, request_id, context and event_id (what logstash indexes)."""

from __future__ import annotations

import io
import json
import logging

import structlog
from django.conf import settings

from events import context


def json_lines(log_name: str, emit) -> list[dict]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processor=structlog.processors.JSONRenderer(),
        foreign_pre_chain=settings.LOGGING["formatters"]["structured"]["foreign_pre_chain"]))
    logger = logging.getLogger(log_name)
    logger.addHandler(handler)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_inside_a_request_carries_its_ids_the_context_and_the_event_id():
    # given a request's context bound (what RequestContextMiddleware and Celery tasks do)
    def emit(logger):
        with context.bind(context.RequestContext(correlation_id="corr-7", request_id="req-7")):
            logger.warning("grade %s recorded", 5, extra={"event_id": "evt-42"})

    # when a context's module logs
    [line] = json_lines("apps.grades.services", emit)
    # then the JSON line names them all
    assert line["correlation_id"] == "corr-7" and line["request_id"] == "req-7"
    assert line["context"] == "grades" and line["event_id"] == "evt-42"
    assert line["event"] == "grade 5 recorded" and line["level"] == "warning" and "timestamp" in line


def test_a_line_outside_any_request_still_has_every_field():
    [line] = json_lines("events.relay", lambda logger: logger.warning("relay idle"))
    assert line["context"] == "events"
    assert {"correlation_id", "request_id", "event_id"} <= set(line)
    assert line["correlation_id"] is None and line["event_id"] is None


def test_production_renders_json():
    formatter = settings.LOGGING["formatters"]["structured"]
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "structured"
    assert formatter["()"] is structlog.stdlib.ProcessorFormatter
