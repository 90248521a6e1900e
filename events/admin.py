from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import OperatorAdmin
from events.models import DeadLetter, InboxDelivery, OutboxEvent

EVENTS_REASON = "The event plumbing of the whole install (every school's events in one table, no school column)."


class ReadOnlyAdmin(OperatorAdmin):
    operator_reason = EVENTS_REASON

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
    actions = ["redrive_selected"]

    @admin.action(description=_("Re-drive selected dead letters (through the inbox)"))
    def redrive_selected(self, request, queryset):
        from events.dead_letters import redrive

        outcomes = [redrive(letter) for letter in queryset.filter(resolved_at__isnull=True)]
        ok = sum(1 for outcome in outcomes if outcome.ok)
        if ok:
            self.message_user(request, ngettext("%d dead letter re-driven.", "%d dead letters re-driven.", ok) % ok,
                              messages.SUCCESS)
        for outcome in outcomes:
            if not outcome.ok:
                self.message_user(request, _("Dead letter %(id)s still failing: %(error)s")
                                  % {"id": outcome.letter_id, "error": outcome.error}, messages.ERROR)
