from __future__ import annotations

from datetime import time

import pytest
from django.test import Client

from apps.assignments import services
from apps.assignments.models import TeacherAssignment
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def booked(school):
    assignment = services.assignment_create(teacher_id=school["teachers"][0].pk, course_id=school["courses"][0].pk,
                                            section_id=school["section"].pk)
    services.schedule_block_create(assignment_id=assignment.pk, day_of_week=2, start_time=time(8),
                                   end_time=time(9, 30), room="Aula 5A")
    return {**school, "assignment": assignment}


def test_staff_see_the_weekly_timetable_of_a_section_and_of_a_teacher(booked, admin_client_for):
    client = admin_client_for(StaffFactory(is_superuser=True))

    section_page = client.get(f"/admin/assignments/teacherassignment/timetable/section/{booked['section'].pk}/")
    teacher_page = client.get(f"/admin/assignments/teacherassignment/timetable/teacher/{booked['teachers'][0].pk}/")

    assert section_page.status_code == 200 and teacher_page.status_code == 200
    for page in (section_page, teacher_page):
        html = page.content.decode()
        assert "08:00–09:30" in html and "Aula 5A" in html and booked["courses"][0].name in html
    assert booked["section"].code in section_page.content.decode()


def test_changelists_filter_by_year_section_and_teacher(booked, admin_client_for):
    client = admin_client_for(StaffFactory(is_superuser=True))
    year = booked["section"].academic_year_id

    assignments = client.get("/admin/assignments/teacherassignment/", {"academic_year_id": year,
                                                                         "section_id": booked["section"].pk})
    blocks = client.get("/admin/assignments/scheduleblock/", {"teacher_id": booked["teachers"][0].pk})

    assert assignments.status_code == 200 and blocks.status_code == 200
    assert assignments.context["cl"].result_count == 1 and blocks.context["cl"].result_count == 1


def test_the_remove_action_goes_through_the_service(booked, admin_client_for):
    client = admin_client_for(StaffFactory(is_superuser=True))

    client.post("/admin/assignments/teacherassignment/", {
        "action": "remove_assignments", "_selected_action": [booked["assignment"].pk]})

    assignment = TeacherAssignment.objects.get(pk=booked["assignment"].pk)
    assert not assignment.is_active and not assignment.blocks.exists()
