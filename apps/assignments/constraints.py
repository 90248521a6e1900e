"""Database guarantees that only PostgreSQL can give, declared so that SQLite still migrates.

`ScheduleBlock` keeps three exclusion constraints (teacher, room, section) over the block's
minutes-of-week range. PostgreSQL enforces them with a GiST index (btree_gist supplies the
equality operators on the integer and text columns); on SQLite (the embedded default, `make run`)
they produce no DDL at all and the Python pre-check in the booking service is the only guard —
SQLite serialises writers, so concurrent double bookings cannot interleave there anyway.
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.db import connections


def _is_postgres(schema_editor_or_alias) -> bool:
    connection = getattr(schema_editor_or_alias, "connection", None)
    if connection is None:
        connection = connections[schema_editor_or_alias]
    return connection.vendor == "postgresql"


class PostgresExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that is a no-op (no SQL, no validation) on other databases."""

    def constraint_sql(self, model, schema_editor):
        if not _is_postgres(schema_editor):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not _is_postgres(schema_editor):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not _is_postgres(schema_editor):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using="default"):
        if not _is_postgres(using):
            return
        super().validate(model, instance, exclude=exclude, using=using)
