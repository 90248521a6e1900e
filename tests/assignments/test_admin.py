from __future__ import annotations

from datetime import time

import pytest
from django.test import Client

from apps.assignments import services
from apps.assignments.models import ScheduleBlock, TeacherAssignment
from common.tenancy import SYSTEM
from events.models import OutboxEvent
from tests.users.factories import StaffFactory, StudentFactory

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
    assignment = services.assignment_create(scope=SYSTEM, teacher_id=school["teachers"][0].pk, course_id=school["courses"][0].pk,
                                            section_id=school["section"].pk)
    services.schedule_block_create(scope=SYSTEM, assignment_id=assignment.pk, day_of_week=2, start_time=time(8),
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


def test_staff_assign_and_book_in_the_admin_through_the_services(school, admin_client_for):
    client = admin_client_for(StaffFactory(is_superuser=True))

    added = client.post("/admin/assignments/teacherassignment/add/", {
        "teacher_id": school["teachers"][0].pk, "course_id": school["courses"][0].pk,
        "section_id": school["section"].pk})
    assignment = TeacherAssignment.objects.get()
    booked = client.post("/admin/assignments/scheduleblock/add/", {
        "assignment": assignment.pk, "day_of_week": 1, "start_time": "08:00", "end_time": "09:00", "room": "Lab"})
    clash = client.post("/admin/assignments/scheduleblock/add/", {
        "assignment": assignment.pk, "day_of_week": 1, "start_time": "08:30", "end_time": "09:30", "room": ""})

    assert added.status_code == 302 and booked.status_code == 302
    assert assignment.academic_year_id == school["section"].academic_year_id
    assert clash.status_code == 200 and "08:00–09:00" in clash.content.decode()
    assert ScheduleBlock.objects.count() == 1
    assert OutboxEvent.objects.filter(event_type="schedule.conflict.detected").count() == 1


def test_the_admin_add_form_shows_a_refusal_and_writes_nothing(school, admin_client_for):
    client = admin_client_for(StaffFactory(is_superuser=True))
    student = StudentFactory(institution_id=1)

    response = client.post("/admin/assignments/teacherassignment/add/", {
        "teacher_id": student.pk, "course_id": school["courses"][0].pk, "section_id": school["section"].pk})

    assert response.status_code == 200 and not TeacherAssignment.objects.exists()
    assert response.context["adminform"].form.non_field_errors()
