from django.contrib import admin

from events.models import DeadLetter, InboxDelivery, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "aggregate_type", "aggregate_id", "created_at", "published_at", "attempts")
    list_filter = ("event_type", "topic", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id", "aggregate_id", "correlation_id")
    date_hierarchy = "created_at"


@admin.register(InboxDelivery)
class InboxDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "handler", "processed_at")
    search_fields = ("event_id", "handler")


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "handler", "attempts", "created_at", "resolved_at")
    list_filter = ("event_type", "handler", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id", "handler")
