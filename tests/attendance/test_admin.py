from __future__ import annotations

import pytest
from django.urls import reverse

from apps.attendance import services
from apps.attendance.models import AttendanceRecord, Justification
from common.tenancy import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", password="x", email="r@x.pe",
                                                       user_type="ADMIN")
    client.force_login(admin)
    return client


def test_admin_pages_and_approve_action(admin_client_logged, section, students, days, guardian_link):
    kid = students[0].pk
    services.attendance_mark_section(scope=SYSTEM, section_id=section, day=days[0], marked_by_id=None,
                                     exceptions=[services.ExceptionRow(student_id=kid, status="ABSENT")])
    justification = services.justification_submit(scope=SYSTEM, guardian_id=guardian_link.guardian_id, student_id=kid,
                                                  start_date=days[0], end_date=days[0], reason="Fiebre")
    for name in ("attendancerecord", "justification", "patternalert", "studentattendanceprofile"):
        response = admin_client_logged.get(reverse(f"admin:attendance_{name}_changelist"))
        assert response.status_code == 200
    assert admin_client_logged.get(reverse("admin:attendance_attendancerecord_changelist"),
                                   {"status__exact": "ABSENT"}).status_code == 200

    response = admin_client_logged.post(reverse("admin:attendance_justification_changelist"), {
        "action": "approve_justifications", "_selected_action": [justification.pk]})

    assert response.status_code == 302
    assert Justification.objects.get().status == "APPROVED"
    assert AttendanceRecord.objects.get(student_id=kid).status == "EXCUSED"
