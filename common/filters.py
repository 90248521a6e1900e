"""Query-string filters shared by the list endpoints (django-filter).

`NumberFilter` parses into a Decimal without bounds, so `?student_id=1e300` reached the database
(OverflowError on SQLite, a 500) and `?student_id=0.5` matched nothing silently; a Decimal in a
JSON lookup (`data__student_id`) could not even be serialized. `IdFilter` accepts whole numbers
in the range of a BIGINT primary key only, so anything else is a 400 with the `{"error": ...}` body,
and the OpenAPI schema says "integer" with the same bounds.
"""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

MAX_BIGINT = 2**63 - 1
MAX_SMALLINT = 32767


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_BIGINT})
class IdFilter(django_filters.NumberFilter):
    """An integer id (1 .. 2**63-1)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_BIGINT)
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return None


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_SMALLINT})
class SmallIntFilter(IdFilter):
    """A small non-negative integer (a session number, a year...)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_SMALLINT)
        super().__init__(*args, **kwargs)
