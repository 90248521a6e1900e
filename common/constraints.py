"""Database guarantees that only PostgreSQL can give, declared so that SQLite (the embedded default,
`make run`) still migrates.

`PostgresExclusionConstraint` is Django's ExclusionConstraint that emits no DDL and skips validation on
other databases. A context declares its rule with it (assignments: no two schedule blocks of a teacher,
a room or a section overlap; inventory: no two active bookings of a room overlap); PostgreSQL enforces
it with a GiST index even when requests race, and on SQLite the service's pre-check is the only guard
(SQLite serialises writers, so concurrent double bookings cannot interleave there anyway).
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
