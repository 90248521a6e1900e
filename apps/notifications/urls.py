from django.urls import path

from apps.notifications import views

app_name = "notifications"

urlpatterns = [
    path("send-immediate", views.SendImmediateView.as_view(), name="send-immediate"),
    path("templates", views.TemplateListView.as_view(), name="template-list"),
    path("templates/<int:template_id>", views.TemplateDetailView.as_view(), name="template-detail"),
    path("inbox", views.InboxView.as_view(), name="inbox"),
    path("inbox/unread-count", views.UnreadCountView.as_view(), name="inbox-unread-count"),
    path("inbox/<int:message_id>/read", views.InboxReadView.as_view(), name="inbox-read"),
    path("bulk/<int:bulk_id>", views.BulkProgressView.as_view(), name="bulk-progress"),
    path("webhooks/sms", views.SmsWebhookView.as_view(), name="webhook-sms"),
]
