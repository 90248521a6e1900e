from django.contrib import admin

from common.admin import OperatorAdmin, OperatorTabularInline
from events.saga.models import SagaInstance, SagaStep


class SagaStepInline(OperatorTabularInline):
    model = SagaStep
    extra = 0
    can_delete = False
    fields = ("position", "name", "status", "attempts", "compensation_attempts", "last_error", "started_at",
              "finished_at", "compensated_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SagaInstance)
class SagaInstanceAdmin(OperatorAdmin):
    operator_reason = "Every saga of the install (any kind, any school): the saga engine's operator screen."
    list_display = ("id", "saga_type", "status", "created_at", "finished_at", "last_error")
    list_filter = ("saga_type", "status")
    search_fields = ("id", "correlation_id", "idempotency_key")
    date_hierarchy = "created_at"
    inlines = (SagaStepInline,)
    readonly_fields = ("id", "saga_type", "status", "data", "idempotency_key", "correlation_id", "started_by",
                       "last_error", "lease_owner", "lease_expires_at", "created_at", "updated_at", "finished_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
