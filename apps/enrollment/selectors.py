"""Reads of enrollment requests (saga instances of StudentEnrollmentSaga), scoped by the school
the saga acts in (`data.institution_id`, set when the request is made)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.enrollment.sagas import STUDENT_ENROLLMENT
from common.tenancy import Scope
from events.saga.models import SagaInstance, SagaStep


def enrollment_requests(*, scope: Scope) -> QuerySet[SagaInstance]:
    qs = scope.filter(SagaInstance.objects.filter(saga_type=STUDENT_ENROLLMENT), "data__institution_id")
    return qs.prefetch_related(Prefetch("steps", queryset=SagaStep.objects.order_by("position")))


def enrollment_request(*, scope: Scope, saga_id) -> SagaInstance | None:
    return enrollment_requests(scope=scope).filter(id=saga_id).first()
