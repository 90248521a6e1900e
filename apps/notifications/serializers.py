from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.notifications.models import Channel, Message, NotificationTemplate


class TemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationTemplate
        fields = ["id", "key", "language", "description", "subject", "body_text", "body_html", "sms_text",
                  "sample_context", "is_active", "updated_at"]
        read_only_fields = fields


class InboxMessageSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "template_key", "subject", "body_text", "created_at", "read_at", "is_read", "student_id"]
        read_only_fields = fields

    def get_is_read(self, obj: Message) -> bool:
        return obj.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class SendImmediateSerializer(serializers.Serializer):
    user_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, allow_empty=False,
                                     max_length=5000)
    section_id = serializers.IntegerField(min_value=1, required=False)
    template_key = serializers.SlugField(required=False, max_length=64)
    subject = serializers.CharField(required=False, max_length=200)
    body = serializers.CharField(required=False, max_length=5000)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), allow_empty=False,
                                     default=lambda: [Channel.EMAIL.value, Channel.INAPP.value])

    def validate(self, attrs):
        if bool(attrs.get("user_ids")) == ("section_id" in attrs):
            raise serializers.ValidationError(_("Give either user_ids or section_id."))
        if not attrs.get("template_key") and not (attrs.get("subject") and attrs.get("body")):
            raise serializers.ValidationError(_("Give a template_key, or a subject and a body."))
        return attrs


class BulkAcceptedSerializer(serializers.Serializer):
    bulk_id = serializers.IntegerField()
    status = serializers.CharField()
    progress_url = serializers.CharField()


class BulkProgressSerializer(serializers.Serializer):
    bulk_id = serializers.IntegerField()
    status = serializers.CharField()
    total = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class SmsStatusCallbackSerializer(serializers.Serializer):
    MessageSid = serializers.CharField(max_length=100)
    MessageStatus = serializers.CharField(max_length=32)
    ErrorCode = serializers.CharField(max_length=32, required=False, allow_blank=True)


class WebhookResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=["delivered", "failed", "ignored"])
