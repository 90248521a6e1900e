"""A test-only event handler for the fault drills (tests/ops/test_faults.py, bench/recovery_benchmark.py),
loaded into REAL processes: a Celery worker (`celery worker --include tests.ops.fault_handlers`) or a Kafka
consumer (`python -m tests.ops.fault_handlers consume_events --context faultdrill ...`), with
PRS1_FAULT_HANDLERS=1 in their environment. In the test process itself, `install()` registers it.

The handler (context `faultdrill`, event type user.created, any payload with `seq`):
- appends "<aggregateId> <seq> <eventId>" to $PRS1_FAULT_APPLIED (a file; one line per run of the handler,
  so a rolled-back run shows as a repeated line — the inbox rows tell what committed);
- logs one line "fault drill handled" (the log context carries the event id);
- stalls (sleeps PRS1_FAULT_STALL_SECONDS, default 300) the first time it sees an event whose payload label
  is "stall", after writing $PRS1_FAULT_STALL_DIR/<eventId>.started: the moment to kill its process. A later
  delivery of the same event (the marker exists) runs normally.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from events import bus
from events.envelope import Event

CONTEXT = "faultdrill"
EVENT_TYPE = "user.created"
logger = logging.getLogger(__name__)


def on_drill_event(event: Event) -> None:
    stall_dir = os.environ.get("PRS1_FAULT_STALL_DIR")
    if stall_dir and event.payload.get("label") == "stall":
        marker = Path(stall_dir) / f"{event.event_id}.started"
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            time.sleep(float(os.environ.get("PRS1_FAULT_STALL_SECONDS", "300")))
    applied = os.environ.get("PRS1_FAULT_APPLIED")
    if applied:
        with open(applied, "a") as out:  # one short O_APPEND write per line: processes never interleave
            out.write(f"{event.aggregate_id} {event.payload['seq']} {event.event_id}\n")
    logger.info("fault drill handled")


HANDLER_NAME = f"{on_drill_event.__module__}.{on_drill_event.__qualname__}"


def install() -> bus.Handler:
    bus.subscribe(EVENT_TYPE, context=CONTEXT)(on_drill_event)
    return bus.handler_named(HANDLER_NAME)


if os.environ.get("PRS1_FAULT_HANDLERS"):
    install()


if __name__ == "__main__":  # python -m tests.ops.fault_handlers <manage.py command> [args]
    import importlib

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")
    django.setup()
    importlib.import_module("tests.ops.fault_handlers").install()  # named as in the test process, not __main__
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", *sys.argv[1:]])
