from __future__ import annotations

from rest_framework import serializers

from apps.users.models import DocumentType, GuardianLink, User, UserType
from common.filters import MAX_BIGINT


class UserSerializer(serializers.ModelSerializer):
    institution = serializers.IntegerField(source="institution_id", read_only=True, allow_null=True)
    full_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "code", "username", "user_type", "institution", "first_name", "last_name", "full_name",
                  "document_type", "document_number", "email", "phone", "birth_date", "preferred_language",
                  "is_active", "date_joined", "deactivated_at")
        read_only_fields = fields

    def get_full_name(self, obj: User) -> str:
        return f"{obj.first_name} {obj.last_name}".strip()


class UserCreateSerializer(serializers.Serializer):
    user_type = serializers.ChoiceField(choices=UserType.choices)
    institution = serializers.IntegerField(required=False, allow_null=True,
                                           help_text="Defaults to the caller's institution.")
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    document_type = serializers.ChoiceField(choices=DocumentType.choices, default=DocumentType.DNI)
    document_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=16, required=False, allow_blank=True, default="",
                                  help_text="E.164, e.g. +51987654321.")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    username = serializers.CharField(max_length=150, required=False, allow_blank=True,
                                     help_text="Defaults to the public code (lower case).")
    password = serializers.CharField(write_only=True, required=False, allow_blank=False, style={"input_type": "password"},
                                     help_text="Optional: without one the person cannot log in until it is set.")
    preferred_language = serializers.ChoiceField(choices=User._meta.get_field("preferred_language").choices, default="es")


class UserUpdateSerializer(serializers.Serializer):
    user_type = serializers.ChoiceField(choices=UserType.choices, required=False)
    first_name = serializers.CharField(max_length=150, required=False)
    last_name = serializers.CharField(max_length=150, required=False)
    document_type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    document_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=16, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    preferred_language = serializers.ChoiceField(choices=User._meta.get_field("preferred_language").choices, required=False)
    is_active = serializers.BooleanField(required=False)


class DeactivateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class GuardianLinkSerializer(serializers.ModelSerializer):
    guardian = UserSerializer(read_only=True)

    class Meta:
        model = GuardianLink
        fields = ("id", "guardian", "relationship", "is_primary_contact", "may_pick_up", "notify_email", "notify_sms",
                  "notify_inapp", "created_at")
        read_only_fields = fields


class GuardianLinkCreateSerializer(serializers.Serializer):
    guardian_id = serializers.IntegerField()
    relationship = serializers.ChoiceField(choices=GuardianLink.Relationship.choices)
    is_primary_contact = serializers.BooleanField(required=False, default=False)
    may_pick_up = serializers.BooleanField(required=False, default=True)
    notify_email = serializers.BooleanField(required=False, default=True)
    notify_sms = serializers.BooleanField(required=False, default=True)
    notify_inapp = serializers.BooleanField(required=False, default=True)


class ChildSerializer(serializers.Serializer):
    """One child of the calling guardian, with the link's details."""

    id = serializers.IntegerField(source="student.id")
    code = serializers.CharField(source="student.code")
    first_name = serializers.CharField(source="student.first_name")
    last_name = serializers.CharField(source="student.last_name")
    full_name = serializers.SerializerMethodField()
    birth_date = serializers.DateField(source="student.birth_date", allow_null=True)
    institution = serializers.IntegerField(source="student.institution_id", allow_null=True)
    is_active = serializers.BooleanField(source="student.is_active")
    relationship = serializers.CharField()
    is_primary_contact = serializers.BooleanField()
    may_pick_up = serializers.BooleanField()

    def get_full_name(self, link: GuardianLink) -> str:
        return f"{link.student.first_name} {link.student.last_name}".strip()


class BulkValidateRequestSerializer(serializers.Serializer):
    user_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_BIGINT), min_length=1,
                                     max_length=1000)


class UserValidationSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    exists = serializers.BooleanField()
    is_active = serializers.BooleanField()
    user_type = serializers.CharField(allow_null=True)
    code = serializers.CharField(allow_null=True)


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)


class CredentialsResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    user = serializers.DictField(allow_null=True)
