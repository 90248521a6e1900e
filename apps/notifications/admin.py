from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.notifications import rendering
from apps.notifications.models import (
    DONE_OK_STATUSES,
    PENDING_STATUSES,
    BulkSend,
    Message,
    MessageStatus,
    NotificationPreference,
    NotificationTemplate,
)
from common.admin import OperatorAdmin, TenantAdmin


class NotificationTemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ["key", "language", "description", "subject", "body_text", "body_html", "sms_text",
                  "sample_context", "is_active"]

    def clean(self):
        data = super().clean()
        errors = rendering.syntax_errors(**{f: data.get(f) or "" for f in ("subject", "body_text", "body_html",
                                                                            "sms_text")})
        for field, messages in errors.items():
            self.add_error(field, messages)
        return data


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(OperatorAdmin):
    operator_reason = ("Templates are shared by every school of the install: a school's staff editing one would "
                       "change the messages of every other school.")
    form = NotificationTemplateForm
    list_display = ["key", "language", "description", "is_active", "updated_at", "preview_link"]
    list_filter = ["language", "is_active", "key"]
    search_fields = ["key", "description", "subject"]
    change_form_template = "admin/notifications/notificationtemplate/change_form.html"

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:notifications_notificationtemplate_preview",
                                                           args=[obj.pk]), _("Preview"))

    def get_urls(self):
        return [path("<int:template_id>/preview/", self.admin_site.admin_view(self.preview_view),
                     name="notifications_notificationtemplate_preview"), *super().get_urls()]

    def preview_view(self, request, template_id: int):
        template = get_object_or_404(NotificationTemplate, pk=template_id)
        if not self.has_view_permission(request, template):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {"recipient_name": "—", **(template.sample_context or {})}
        try:
            rendered = rendering.render(subject=template.subject, body_text=template.body_text,
                                        body_html=template.body_html, sms_text=template.sms_text, context=context)
            error = ""
        except Exception as exc:  # a broken template is shown, not raised, in the preview
            rendered, error = None, str(exc)
        return TemplateResponse(request, "admin/notifications/notificationtemplate/preview.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": template,
            "title": _("Preview of %(template)s") % {"template": template}, "rendered": rendered,
            "sample_context": context, "error": error,
        })


# Messages and bulk sends carry their school (`institution_id`): a school's staff see their school's only; a row of no
# school (a message to network staff) is seen network-wide only.
@admin.register(Message)
class MessageAdmin(TenantAdmin):
    list_display = ["id", "channel", "status", "recipient_user_id", "to_address", "template_key", "language",
                    "attempts", "created_at", "sent_at", "delivered_at"]
    list_filter = ["channel", "status", "language", "template_key", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["to_address", "idempotency_key", "provider_message_id", "subject", "=recipient_user_id"]
    date_hierarchy = "created_at"
    list_select_related = ["bulk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BulkSend)
class BulkSendAdmin(TenantAdmin):
    list_display = ["id", "status", "template_key", "subject", "total", "progress", "requested_by_id", "created_at",
                    "completed_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["subject", "template_key", "=requested_by_id"]
    readonly_fields = ["progress"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            sent_count=Count("messages", filter=Q(messages__status__in=DONE_OK_STATUSES)),
            failed_count=Count("messages", filter=Q(messages__status=MessageStatus.FAILED)),
            pending_count=Count("messages", filter=Q(messages__status__in=PENDING_STATUSES)),
        )

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return _("%(sent)s sent, %(failed)s failed, %(pending)s pending of %(total)s") % {
            "sent": obj.sent_count, "failed": obj.failed_count, "pending": obj.pending_count, "total": obj.total}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(OperatorAdmin):
    operator_reason = ("A person's own channel choices, with no school column, changed by that person through the "
                       "API; support staff of the network may correct them here.")
    list_display = ["user_id", "email_enabled", "sms_enabled", "inapp_enabled", "quiet_hours_start",
                    "quiet_hours_end", "timezone"]
    list_filter = ["email_enabled", "sms_enabled", "inapp_enabled"]
    search_fields = ["=user_id"]
