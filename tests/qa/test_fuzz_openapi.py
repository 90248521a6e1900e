"""Schemathesis fuzz of both OpenAPI documents, bounded to a few examples per operation.

- the DRF resource API (/api/schema/), called as a superuser with a JWT bearer token;
- the django-ninja integration API (/api/v1/integration/openapi.json), called with the service token.

Every operation of both documents is exercised with generated input, and again with the ids of the
demo school (`manage.py seed_demo`) in its path so that real objects are read and changed, not only
404s. Each response is checked with schemathesis' `not_a_server_error`, `response_schema_conformance`
(the body matches the documented schema of its status) and `status_code_conformance` (the status is
documented). The test asserts no server error and no violation, and prints the counts.

Deterministic (hypothesis `derandomize`), so a failure reproduces; reads run before writes and
deletes so that the seeded rows are there while they are read.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.apps import apps
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from apps.auth.contracts import principal_of
from apps.auth.tokens import issue_pair

pytestmark = pytest.mark.django_db(transaction=True)

# Examples per operation: generated input, then input with real ids in the path.
GENERATED_EXAMPLES = 10
REAL_ID_EXAMPLES = 6
NEGATIVE_EXAMPLES = 4  # input that breaks the documented schema: a 4xx, never a 500
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
METHOD_ORDER = {"get": 0, "post": 1, "put": 1, "patch": 1, "delete": 2}
# Would end the fuzzing caller's own session (they are tested in tests/auth).
SKIPPED = {("POST", "/api/v1/auth/logout")}

# Path parameter -> (model, filter) whose ids the demo school has; `year_id` and `period_id` depend on the path.
PARAM_MODELS = {
    "student_id": ("users.User", {"user_type": "STUDENT"}),
    "teacher_id": ("users.User", {"user_type": "TEACHER"}),
    "guardian_id": ("users.User", {"user_type": "GUARDIAN"}),
    "user_id": ("users.User", {"is_superuser": False}),
    "userId": ("users.User", {"is_superuser": False}),
    "section_id": ("academic.Section", {}),
    "course_id": ("academic.Course", {}),
    "level_id": ("academic.GradeLevel", {}),
    "enrollment_id": ("academic.Enrollment", {}),
    "assignment_id": ("assignments.TeacherAssignment", {}),
    "block_id": ("assignments.ScheduleBlock", {}),
    "id": ("attendance.Justification", {}),
    "plan_id": ("grades.EvaluationPlan", {}),
    "institution_id": ("institution.Institution", {}),
    "campus_id": ("institution.Campus", {}),
    "holiday_id": ("institution.Holiday", {}),
    "period_id": ("institution.Period", {}),
    "bulk_id": ("notifications.BulkSend", {}),
    "message_id": ("notifications.Message", {}),
    "template_id": ("notifications.NotificationTemplate", {}),
    "saga_id": ("enrollment.EnrollmentRequest", {}),
}
BY_PATH = {
    ("/api/v1/academic/", "year_id"): ("academic.AcademicYear", {}),
    ("/api/v1/institution/", "year_id"): ("institution.CalendarYear", {}),
    ("/api/v1/academic/curriculum/", "entry_id"): ("academic.CurriculumEntry", {}),
    ("/api/v1/grades/", "entry_id"): ("grades.GradeEntry", {}),
}


@dataclass
class Tally:
    operations: int = 0
    calls: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)


def _ids(path: str, name: str) -> list:
    model_filter = next((value for (prefix, param), value in BY_PATH.items()
                         if param == name and path.startswith(prefix)), PARAM_MODELS.get(name))
    if name == "user_type":
        return ["STUDENT", "TEACHER", "GUARDIAN", "DIRECTOR"]
    if name == "day":
        return ["2026-04-14", "2026-03-02"]
    if model_filter is None:
        return []
    label, filters = model_filter
    return list(apps.get_model(label).objects.filter(**filters).order_by("pk").values_list("pk", flat=True)[:5])


def _real_path_parameters(operation) -> list[dict]:
    names = [parameter.name for parameter in operation.path_parameters]
    if not names:
        return []
    candidates = {name: _ids(operation.path, name) for name in names}
    if not all(candidates.values()):
        return []
    return [{name: values[index % len(values)] for name, values in candidates.items()} for index in range(3)]


def _record(tally: Tally, operation, case, response) -> None:
    tally.calls += 1
    tally.statuses[response.status_code] += 1
    try:
        case.validate_response(response, checks=CHECKS)
    except (FailureGroup, Failure) as exc:
        failures = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
        for failure in failures:
            line = f"{operation.label} -> {response.status_code}: {failure.title} | {str(failure.message)[:300]}"
            if response.status_code >= 500:
                tally.server_errors.append(line + f" | body={response.content[:200]!r}")
            else:
                tally.violations.append(line + f" | body={response.content[:200]!r}")


def _homogeneous_tuples_as_arrays(node):
    """schemathesis 4.32 turns OpenAPI 3.1's `prefixItems` (pydantic's tuple[int, int]) into a Draft-4
    `items: [...]` that its response validator then refuses as an invalid schema; a tuple of one type
    is an array of that type with a fixed length, which it reads correctly."""
    if isinstance(node, dict):
        items = node.get("prefixItems")
        if isinstance(items, list) and items and all(item == items[0] for item in items) and "items" not in node:
            node = {key: value for key, value in node.items() if key != "prefixItems"}
            node["items"] = items[0]
        return {key: _homogeneous_tuples_as_arrays(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_homogeneous_tuples_as_arrays(value) for value in node]
    return node


def _load(path: str, application):
    raw = Client().get(path).json()
    schema = schemathesis.openapi.from_dict(_homogeneous_tuples_as_arrays(raw))
    schema.app = application
    return schema


def _fuzz(schema, headers_for, tally: Tally) -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: (METHOD_ORDER.get(op.method.lower(), 1), op.path))
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        tally.operations += 1
        headers = headers_for()
        strategies = [(operation.as_strategy(), GENERATED_EXAMPLES),
                      (operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), NEGATIVE_EXAMPLES)]
        real = _real_path_parameters(operation)
        if real:
            strategies.append((st.sampled_from(real).flatmap(
                lambda params, op=operation: op.as_strategy(path_parameters=params)), REAL_ID_EXAMPLES))
        for strategy, examples in strategies:
            try:
                _runner(strategy, examples, operation, headers, tally)()
            except InvalidSchema as exc:
                tally.violations.append(f"{operation.label}: invalid schema: {str(exc)[:300]}")


def _runner(strategy, examples: int, operation, headers: dict, tally: Tally):
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=strategy)
    def run(case):
        response = case.call(headers=headers)
        _record(tally, operation, case, response)

    return run


def _report(name: str, tally: Tally, seconds: float) -> str:
    lines = [f"{name}: {tally.operations} operations, {tally.calls} calls in {seconds:.0f}s, "
             f"statuses {dict(sorted(tally.statuses.items()))}, "
             f"{len(tally.server_errors)} server errors, {len(tally.violations)} schema violations"]
    lines += [f"  5xx {line}" for line in sorted(set(tally.server_errors))]
    lines += [f"  violation {line}" for line in sorted(set(tally.violations))]
    return "\n".join(lines)


@pytest.fixture
def demo_school():
    call_command("seed_demo", "--no-progress", stdout=io.StringIO())
    return apps.get_model("users.User").objects.get(username="admin")


def test_both_openapi_documents_survive_a_bounded_fuzz(demo_school, settings_for_fuzz):
    application = get_wsgi_application()
    started = time.monotonic()

    def superuser_headers() -> dict:
        # A fresh token per operation: a fuzzed call may have changed the admin (PATCH/DELETE /users/{id}).
        apps.get_model("users.User").objects.filter(pk=demo_school.pk).update(is_active=True, is_superuser=True)
        return {"Authorization": f"Bearer {issue_pair(principal_of(demo_school)).access}"}

    drf = Tally()
    _fuzz(_load("/api/schema/?format=json", application), superuser_headers, drf)
    drf_seconds = time.monotonic() - started

    service_token = {"X-Service-Token": settings_for_fuzz.SERVICE_TOKEN}
    ninja = Tally()
    _fuzz(_load("/api/v1/integration/openapi.json", application), lambda: dict(service_token), ninja)
    ninja_seconds = time.monotonic() - started - drf_seconds

    report = "\n".join([_report("DRF /api/schema/", drf, drf_seconds),
                        _report("ninja /api/v1/integration/openapi.json", ninja, ninja_seconds)])
    print(report)  # noqa: T201  (the counts belong in the test output: `pytest -s` or a failure shows them)
    assert drf.operations > 100 and ninja.operations > 50, report
    assert drf.calls > 500 and ninja.calls > 50, report
    assert not drf.server_errors and not ninja.server_errors, report
    assert not drf.violations and not ninja.violations, report


@pytest.fixture
def settings_for_fuzz(settings):
    # The login endpoint's rate limit would only turn fuzzed logins into (documented) 429s.
    settings.RATELIMIT_ENABLE = False
    return settings
