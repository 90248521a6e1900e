"""Database guarantees only PostgreSQL gives, declared so that SQLite (the embedded default) still migrates.

`RoomBooking` keeps an exclusion constraint over (room, time range) of its active bookings, the same
kind of rule as assignments' `schedule_block_no_room_overlap`: PostgreSQL refuses an overlapping
booking even when two requests race (a GiST index; btree_gist supplies equality on the room id). On
SQLite the constraint emits no DDL and the service's pre-check is the only guard (SQLite serialises
writers). The constraint class is common.constraints' (shared infrastructure, like the tenancy Scope)."""

from __future__ import annotations

from django.contrib.postgres.fields import DateTimeRangeField
from django.db.models import Func

from common.constraints import PostgresExclusionConstraint  # noqa: F401 (models and migrations import it from here)


class TsTzRange(Func):
    """tstzrange(start, end): '[)', so a booking ending at 10:00 does not overlap one starting at 10:00."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()
