"""Reads of enrollment requests (saga instances of StudentEnrollmentSaga)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.enrollment.sagas import STUDENT_ENROLLMENT
from events.saga.models import SagaInstance, SagaStep


def enrollment_requests() -> QuerySet[SagaInstance]:
    return (SagaInstance.objects.filter(saga_type=STUDENT_ENROLLMENT)
            .prefetch_related(Prefetch("steps", queryset=SagaStep.objects.order_by("position"))))


def enrollment_request(*, saga_id) -> SagaInstance | None:
    return enrollment_requests().filter(id=saga_id).first()
