"""Response-schema mismatches schemathesis found (`response_schema_conformance`): the documented
schema must describe what the endpoints actually return."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from events.saga.models import SagaStatus


@pytest.fixture(scope="module")
def components() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def _enum_of(components: dict, prop: dict) -> list[str]:
    ref = prop.get("$ref") or next(part["$ref"] for part in prop["allOf"])
    return components[ref.rsplit("/", 1)[-1]]["enum"]


def test_an_enrollment_request_documents_the_saga_statuses_it_returns(components):
    request_status = _enum_of(components, components["EnrollmentRequest"]["properties"]["status"])
    enrollment_status = _enum_of(components, components["Enrollment"]["properties"]["status"])

    assert set(request_status) == set(SagaStatus.values)
    assert "ACTIVE" in enrollment_status and "COMPENSATED" not in enrollment_status


def test_an_enrollment_without_a_previous_one_is_documented_as_null(components):
    assert components["Enrollment"]["properties"]["previous_enrollment_id"].get("nullable") is True
