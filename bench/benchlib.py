"""What the benchmarks share: a scratch PostgreSQL database for the run, and percentiles."""

from __future__ import annotations

import sys
from collections.abc import Callable


def run_on_scratch_database(name: str, label: str, run: Callable[[], int]) -> int:
    """Set up Django, create (and afterwards drop) the scratch database `name`, and call `run`."""
    import django
    from django.conf import settings

    django.setup()
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        sys.exit(f"{label}: set DATABASE_URL to a PostgreSQL server")
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = name

    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return run()
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
