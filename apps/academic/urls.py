"""Academic resource API, mounted at /api/v1/academic/ (after apps.enrollment, which owns
POST /api/v1/academic/enrollments: the enrollment saga)."""

from django.urls import path

from apps.academic import views

app_name = "academic"

urlpatterns = [
    path("years", views.AcademicYearListCreateView.as_view(), name="years"),
    path("years/<int:year_id>", views.AcademicYearDetailView.as_view(), name="year"),
    path("years/<int:year_id>/start", views.AcademicYearStartView.as_view(), name="year-start"),
    path("years/<int:year_id>/close", views.AcademicYearCloseView.as_view(), name="year-close"),
    path("grade-levels", views.GradeLevelListCreateView.as_view(), name="grade-levels"),
    path("grade-levels/<int:level_id>", views.GradeLevelDetailView.as_view(), name="grade-level"),
    path("courses", views.CourseListCreateView.as_view(), name="courses"),
    path("courses/<int:course_id>", views.CourseDetailView.as_view(), name="course"),
    path("curriculum", views.CurriculumListCreateView.as_view(), name="curriculum"),
    path("curriculum/<int:entry_id>", views.CurriculumDetailView.as_view(), name="curriculum-entry"),
    path("sections", views.SectionListCreateView.as_view(), name="sections"),
    path("sections/<int:section_id>", views.SectionDetailView.as_view(), name="section"),
    path("sections/<int:section_id>/roster", views.SectionRosterView.as_view(), name="section-roster"),
    path("sections/<int:section_id>/courses", views.SectionCoursesView.as_view(), name="section-courses"),
    path("enrollments/student/<int:student_id>", views.StudentEnrollmentsView.as_view(), name="student-enrollments"),
    path("enrollments/<int:enrollment_id>", views.EnrollmentDetailView.as_view(), name="enrollment"),
    path("enrollments/<int:enrollment_id>/transfer", views.EnrollmentTransferView.as_view(), name="enrollment-transfer"),
    path("enrollments/<int:enrollment_id>/transfer-school", views.EnrollmentTransferSchoolView.as_view(),
         name="enrollment-transfer-school"),
    path("enrollments/<int:enrollment_id>/withdraw", views.EnrollmentWithdrawView.as_view(), name="enrollment-withdraw"),
    path("enrollments/<int:enrollment_id>/promotion-decision", views.EnrollmentPromotionDecisionView.as_view(),
         name="enrollment-promotion-decision"),
]
