"""The enrollment process manager keeps no tables of its own: a saga's state lives in the saga
engine's tables (events.saga), the enrollment itself in the academic context. This proxy gives
staff an "Enrollment requests" page in the admin."""

from django.utils.translation import gettext_lazy as _

from events.saga.models import SagaInstance


class EnrollmentRequest(SagaInstance):
    class Meta:
        proxy = True
        verbose_name = _("enrollment request")
        verbose_name_plural = _("enrollment requests")
