"""The authorization matrix (docs/auth.md, "Tenancy"): generated from both OpenAPI documents.

Every operation of the DRF schema (/api/schema/) and of the integration API
(/api/v1/integration/openapi.json) is probed by a user of every role of school A, and by the service
token declaring school A, with school B's ids in the path, the query and the body
(tests/qa/matrix/operations.py places them). Each probe must not return B's data (B's rows carry the
marker `ZZB-`), must not change, delete or create anything of B (a fingerprint of B's rows), and a
read of one B object answers 404 (or 403). Every failing probe is collected and reported at the end,
grouped by operation: the list is the tenancy to-do list. A new endpoint is probed without new test
code; an id the generator cannot place fails the first test until operations.py learns its kind.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client

from apps.auth.contracts import principal_of
from apps.auth.tokens import issue_pair
from tests.qa.matrix import operations as gen
from tests.qa.matrix.fingerprint import Fingerprint, changed_tables, rows_of_school
from tests.qa.matrix.world import ROLES, build_school, global_template_id, marker

READ_REFUSALS = frozenset({401, 403, 404})
SERVICE = "SERVICE(school:A)"


def test_every_operation_of_both_documents_can_be_probed():
    ops = gen.operations()
    labels = {(op.method, op.path) for op in ops}
    missing = {op.label: gen.unmapped(op) for op in ops
               if (op.method, op.path) not in gen.PUBLIC_OPERATIONS and gen.unmapped(op)}

    assert {op.api for op in ops} == {"drf", "integration"}
    assert set(gen.PUBLIC_OPERATIONS) <= labels, "an allowlisted public operation no longer exists"
    assert not missing, (
        "operations with ids the matrix generator cannot place (teach tests/qa/matrix/operations.py "
        "their entity kind and give the world a row of it):\n"
        + "\n".join(f"  {label}: {', '.join(fields)}" for label, fields in sorted(missing.items())))


# --- the matrix ---------------------------------------------------------------------------------


def _ids(school) -> dict:
    return {**school.ids, "template": global_template_id()}


def _callers(school_a, service_token: str) -> dict[str, dict]:
    callers = {role: {"Authorization": f"Bearer {issue_pair(principal_of(school_a.users[role])).access}"}
               for role in ROLES}
    callers[SERVICE] = {"X-Service-Token": service_token, "X-PRS1-Scope": f"school:{school_a.ids['institution']}"}
    return callers


def _send(client: Client, probe: gen.Probe, headers: dict):
    url = probe.url + (f"?{urlencode(probe.query)}" if probe.query else "")
    if probe.body is None:
        return client.generic(probe.operation.method, url, headers=headers)
    if probe.operation.body_form:
        return client.generic(probe.operation.method, url, urlencode(probe.body, doseq=True),
                              content_type="application/x-www-form-urlencoded", headers=headers)
    return client.generic(probe.operation.method, url, json.dumps(probe.body), content_type="application/json",
                          headers=headers)


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", "replace")


def _problems(probe: gen.Probe, status: int, text: str, changed: list[str] | None, foreign_marker: str) -> list[str]:
    problems = []
    if foreign_marker in text or foreign_marker.lower() in text:
        problems.append(f"returned school B's data ({foreign_marker})")
    if changed:
        problems.append(f"changed school B's rows: {', '.join(changed)}")
    if probe.foreign_path and probe.operation.method == "GET" and status not in READ_REFUSALS and status < 500:
        problems.append(f"read of a school B object answered {status} (expected 404/403)")
    if status >= 500:
        problems.append(f"server error {status}")
    return problems


def _snippet(text: str, foreign_marker: str) -> str:
    at = max(text.find(foreign_marker), text.lower().find(foreign_marker.lower()))
    start = max(0, at - 80) if at >= 0 else 0
    return " ".join(text[start:start + 200].split())


def _report(failures: list[dict], probes: int, operations: int, callers: int) -> str:
    grouped: dict[str, dict[tuple, dict]] = defaultdict(dict)
    for failure in failures:
        key = (failure["placement"], failure["problem"], failure["status"])
        entry = grouped[failure["operation"]].setdefault(key, {"callers": [], "snippet": failure["snippet"]})
        entry["callers"].append(failure["caller"])
    lines = [f"authorization matrix: {len(failures)} of {probes} probes failed, in {len(grouped)} of "
             f"{operations} operations ({callers} callers of school A, school B's ids placed in path/query/body)"]
    for operation in sorted(grouped, key=lambda op: (op.split(" ", 1)[1], op)):
        lines.append(f"{operation}")
        for (placement, problem, status), entry in sorted(grouped[operation].items()):
            lines.append(f"    [{placement}] {status}: {problem} — {', '.join(entry['callers'])}")
            if entry["snippet"]:
                lines.append(f"        {entry['snippet'][:200]}")
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.django_db
def test_no_caller_of_one_school_reads_or_changes_another_schools_rows(settings, capsys):
    # Given two complete schools, a caller of every role of A and the service token declaring A
    settings.SERVICE_TOKEN = settings.SERVICE_TOKEN or "matrix-service-token"
    school_a, school_b = build_school("A", seq=71), build_school("B", seq=72)
    ids_a, ids_b = _ids(school_a), _ids(school_b)
    foreign_marker = marker("B")
    fingerprint = Fingerprint(rows_of_school(school_b.ids["institution"]))
    baseline = fingerprint.take()
    callers = _callers(school_a, settings.SERVICE_TOKEN)
    client = Client(raise_request_exception=False)

    # (the harness itself works: every person is authenticated, sees their own school's markers,
    # and a change to B is seen by the fingerprint)
    for role in ROLES:
        assert client.get("/api/v1/auth/me", headers=callers[role]).status_code == 200, role
    own = client.get(f"/api/v1/users/{ids_a['student']}", headers=callers["DIRECTOR"])
    assert own.status_code == 200 and marker("A") in _text(own)
    with transaction.atomic():
        from apps.academic.models import Course

        Course.objects.filter(pk=ids_b["course"]).update(name="changed")
        assert changed_tables(baseline, fingerprint.take()) == ["academic.Course (2→2 rows)"]
        transaction.set_rollback(True)
    assert fingerprint.take() == baseline

    # When every operation is probed by every caller with B's ids
    ops = [op for op in gen.operations() if (op.method, op.path) not in gen.PUBLIC_OPERATIONS]
    failures: list[dict] = []
    statuses: dict[str, set[int]] = defaultdict(set)  # per operation: what its probes answered
    count = 0
    for op in ops:
        missing = gen.unmapped(op)
        if missing:
            failures.append({"operation": op.label, "caller": "-", "placement": "-", "status": "-",
                             "problem": f"cannot be probed: {', '.join(missing)}", "snippet": ""})
            continue
        for probe in gen.probes_for(op, ids_a, ids_b):
            for caller, headers in callers.items():
                count += 1
                with transaction.atomic():
                    response = _send(client, probe, headers)
                    text = _text(response)
                    try:
                        changed = changed_tables(baseline, fingerprint.take())
                    except Exception as exc:  # the request left the transaction aborted (a 500)
                        changed = None
                        text += f" [fingerprint unavailable: {exc.__class__.__name__}]"
                    transaction.set_rollback(True)
                statuses[op.label].add(response.status_code)
                for problem in _problems(probe, response.status_code, text, changed, foreign_marker):
                    failures.append({"operation": op.label, "caller": caller, "placement": probe.placement,
                                     "status": response.status_code, "problem": problem,
                                     "snippet": _snippet(text, foreign_marker)})

    # Then nothing of B came back or changed, and the matrix was big enough to mean it
    report = _report(failures, count, len(ops), len(callers))
    with capsys.disabled():  # the figure the acceptance criterion asks the test to print
        print(f"\nauthorization matrix: {count} probes ({len(ops)} operations × {len(callers)} callers × "  # noqa: T201
              f"school B id placements)")
        # Informational: an operation only ever refused as bad input may not reach its scope check.
        for label in sorted(label for label, seen in statuses.items() if seen <= {400}):
            print(f"  note: every probe of {label} answered 400 (its generated body may need a hint)")  # noqa: T201
    if os.environ.get("MATRIX_REPORT"):
        with open(os.environ["MATRIX_REPORT"], "w") as out:
            out.write(report + "\n")
    assert fingerprint.take() == baseline
    assert count > 1000
    assert not failures, report
