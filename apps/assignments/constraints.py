"""Database guarantees that only PostgreSQL can give, declared so that SQLite still migrates.

`ScheduleBlock` keeps three exclusion constraints (teacher, room, section) over the block's
minutes-of-week range. PostgreSQL enforces them with a GiST index (btree_gist supplies the
equality operators on the integer and text columns); on SQLite (the embedded default, `make run`)
they produce no DDL at all and the Python pre-check in the booking service is the only guard —
SQLite serialises writers, so concurrent double bookings cannot interleave there anyway.
"""

from __future__ import annotations

from common.constraints import PostgresExclusionConstraint  # noqa: F401 (models and migrations import it from here)
