"""Request and response shapes of the auth API (DRF)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, label=_("username"))
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"},
                                     label=_("password"))


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096, label=_("refresh token"))


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096, label=_("refresh token"),
                                    help_text=_("The refresh token to revoke (the caller's own)."))
    all_sessions = serializers.BooleanField(default=False, label=_("all sessions"),
                                            help_text=_("Also revoke every other session of the caller."))


class ProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(allow_null=True)
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    full_name = serializers.CharField()
    email = serializers.CharField()
    user_type = serializers.CharField()
    institution_id = serializers.IntegerField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())
    permissions = serializers.ListField(child=serializers.CharField())


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    access_expires_at = serializers.DateTimeField()
    refresh_expires_at = serializers.DateTimeField()


class LoginResponseSerializer(TokenPairSerializer):
    user = ProfileSerializer()


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class ErrorSerializer(serializers.Serializer):
    """The error body of every endpoint (common.api)."""

    error = ErrorDetailSerializer()
