"""Database guarantees only PostgreSQL gives, declared so that SQLite (the embedded default) still migrates.

`RoomBooking` keeps an exclusion constraint over (room, time range) of its active bookings, the same
kind of rule as assignments' `schedule_block_no_room_overlap`: PostgreSQL refuses an overlapping
booking even when two requests race (a GiST index; btree_gist supplies equality on the room id). On
SQLite the constraint emits no DDL and the service's pre-check is the only guard (SQLite serialises
writers). A copy of assignments' helper: contexts share no implementation."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import connections
from django.db.models import Func


def _is_postgres(schema_editor_or_alias) -> bool:
    connection = getattr(schema_editor_or_alias, "connection", None)
    if connection is None:
        connection = connections[schema_editor_or_alias]
    return connection.vendor == "postgresql"


class TsTzRange(Func):
    """tstzrange(start, end): '[)', so a booking ending at 10:00 does not overlap one starting at 10:00."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


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
