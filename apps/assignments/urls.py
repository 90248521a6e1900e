from django.urls import path, re_path

from apps.assignments import views

app_name = "assignments"

urlpatterns = [
    path("", views.AssignmentListCreateView.as_view(), name="assignments"),
    re_path(r"^(?P<assignment_id>[0-9]+)/?$", views.AssignmentDetailView.as_view(), name="assignment"),
    re_path(r"^schedule-blocks/?$", views.ScheduleBlockListCreateView.as_view(), name="blocks"),
    re_path(r"^schedule-blocks/(?P<block_id>[0-9]+)/?$", views.ScheduleBlockDetailView.as_view(), name="block"),
    path("teacher/<int:teacher_id>/courses", views.TeacherCoursesView.as_view(), name="teacher-courses"),
    path("teacher/<int:teacher_id>/timetable", views.TeacherTimetableView.as_view(), name="teacher-timetable"),
    path("teacher/<int:teacher_id>/workload", views.TeacherWorkloadView.as_view(), name="teacher-workload"),
    path("section/<int:section_id>/teachers", views.SectionTeachersView.as_view(), name="section-teachers"),
    path("section/<int:section_id>/timetable", views.SectionTimetableView.as_view(), name="section-timetable"),
]
