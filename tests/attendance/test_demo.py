from __future__ import annotations

import pytest

from apps.attendance import demo
from apps.attendance.models import AttendanceRecord, Justification, PatternAlert

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_shows_the_feature(school, section, students, teacher, director, guardian_link):
    guardian_link.student = students[2]
    guardian_link.save()
    shared = {"institution_id": school.institution_id, "section_ids": [section], "teacher_ids": [teacher.pk],
              "director_id": director.pk, "enrollment_ids": []}

    demo.seed(shared)
    counts = (AttendanceRecord.objects.count(), PatternAlert.objects.count(), Justification.objects.count())
    demo.seed(shared)

    assert (AttendanceRecord.objects.count(), PatternAlert.objects.count(), Justification.objects.count()) == counts
    assert AttendanceRecord.objects.values("date").distinct().count() == demo.DAYS
    assert AttendanceRecord.objects.filter(status="LATE").exists()
    assert PatternAlert.objects.filter(pattern="CONSECUTIVE_ABSENCES", student_id=students[0].pk).exists()
    assert sorted(Justification.objects.values_list("status", flat=True)) == ["APPROVED", "PENDING"]
    assert AttendanceRecord.objects.filter(student_id=students[2].pk, status="EXCUSED").count() == 1
