from __future__ import annotations

import threading

import pytest
from django.db import connections

from apps.attendance import services
from apps.attendance.models import AttendanceRecord
from common.tenancy import SYSTEM
from events.models import OutboxEvent


@pytest.mark.django_db(transaction=True)
def test_concurrent_markings_of_one_section_day_emit_each_absence_once(section, students, days):
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def mark() -> None:
        try:
            barrier.wait()
            services.attendance_mark_section(scope=SYSTEM, section_id=section, day=days[-1], marked_by_id=None, exceptions=[
                services.ExceptionRow(student_id=students[0].pk, status="ABSENT")])
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=mark) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AttendanceRecord.objects.count() == 5
    assert OutboxEvent.objects.filter(event_type="absence.recorded").count() == 1
    assert OutboxEvent.objects.filter(event_type="attendance.marked").count() == 4
