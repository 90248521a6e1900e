"""drf-spectacular hook: every operation documents the error responses it can give, with the
one error body all of them share ({"error": {"code", "message", "details"}})."""

from __future__ import annotations

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
    "422": ("Well-formed, but refused by a business rule.", "business_rule_violation", {}),
    "429": ("Too many requests; see Retry-After.", "rate_limited", {}),
}
WRITE_ONLY = {"409", "422"}


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
    return result
