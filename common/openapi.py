"""drf-spectacular: what the documents say must be what is served.

- `add_error_responses` (a postprocessing hook): every operation documents the error responses it can
  give, with the one error body all of them share ({"error": {"code", "message", "details"}}).
- Field extensions (registered when the `prs1` app is ready): a time of day is documented as the
  "HH:MM" or "HH:MM:SS" it is served as (OpenAPI's `format: time` is RFC 3339's full-time, which
  demands a UTC offset no PRS1 time carries); an email that may be blank is documented as "" or an email.
- `paginated(Serializer)`: the page envelope of a list that an APIView paginates by hand (a
  ListAPIView's is documented by drf-spectacular itself).
"""

from __future__ import annotations

from functools import cache

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

TIME_OF_DAY = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
               "example": "08:00", "description": "A time of day, HH:MM (or HH:MM:SS), no UTC offset."}
HOUR_MINUTE = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "08:00",
               "description": "A time of day, HH:MM."}


class TimeOfDayExtension(OpenApiSerializerFieldExtension):
    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response" and getattr(self.target, "format", None) == "%H:%M":
            return dict(HOUR_MINUTE)
        return dict(TIME_OF_DAY)


class BlankableEmailExtension(OpenApiSerializerFieldExtension):
    target_class = "rest_framework.fields.EmailField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not (_may_be_blank(self.target) and schema.get("type") == "string"):
            return schema
        # The type goes into the branches: drf-spectacular adds `format: email` (from the field's
        # EmailValidator) to any top-level string schema, which would refuse "" again.
        email = {"type": "string", "format": "email"}
        if getattr(self.target, "max_length", None):
            email["maxLength"] = self.target.max_length
        return {"anyOf": [email, {"type": "string", "maxLength": 0}],
                "description": "An email address, or \"\" when there is none."}


def _may_be_blank(field: serializers.Field) -> bool:
    if getattr(field, "allow_blank", False):
        return True
    # A read-only ModelSerializer field carries no allow_blank: ask the model field it reads.
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if field.read_only and model is not None:
        try:
            return bool(model._meta.get_field(field.source).blank)
        except FieldDoesNotExist:  # a source that is not a model field (a property, a dotted path)
            return False
    return False


@cache
def paginated(child: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The page envelope of common.api.Pagination around `child` (named as drf-spectacular names its own)."""
    name = f"Paginated{child.__name__.removesuffix('Serializer')}List"
    return type(name, (serializers.Serializer,), {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": child(many=True),
    })

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "Machine-readable, snake_case (e.g. section_full)."},
                "message": {"type": "string", "description": "Human-readable, in the caller's language."},
                "details": {"type": "object", "additionalProperties": True,
                            "description": "e.g. fields: {name: [messages]} for validation errors."},
            },
        }
    },
}

ERRORS = {
    "400": ("Invalid input; nothing was changed.", "validation_error",
            {"fields": {"section_id": ["A valid integer is required."]}}),
    "401": ("Missing, expired or invalid credentials.", "not_authenticated", {}),
    "403": ("Authenticated, but not allowed to do this.", "permission_denied", {}),
    "404": ("Not found, or not visible to the caller.", "not_found", {}),
    "409": ("Conflicts with the current state (e.g. a full section, an overlapping block).", "conflict", {}),
    "413": ("The request body is larger than the server accepts.", "request_too_large", {"max_bytes": 2621440}),
    "422": ("Well-formed, but refused by a business rule.", "business_rule_violation", {}),
    "429": ("Too many requests; see Retry-After.", "rate_limited", {}),
}
WRITE_ONLY = {"409", "413", "422"}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", ERROR_SCHEMA)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, (description, code, details) in ERRORS.items():
                if status in WRITE_ONLY and method == "get":
                    continue
                if status == "429" and not path.endswith("/auth/login"):
                    continue
                responses.setdefault(status, {
                    "description": description,
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"},
                        "example": {"error": {"code": code, "message": description, "details": details}},
                    }},
                })
            # An error a view declares by description only (OpenApiResponse(description=...)) has the body too.
            for status, response in responses.items():
                if status[:1] in {"4", "5"} and not response.get("content"):
                    response["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return result
