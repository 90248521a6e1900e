from django.urls import path

from apps.attendance import views

app_name = "attendance"

urlpatterns = [
    path("mark-present", views.MarkPresentView.as_view(), name="mark-present"),
    path("sections/<int:section_id>/day/<str:day>", views.SectionDayView.as_view(), name="section-day"),
    path("student/<int:student_id>/summary", views.StudentSummaryView.as_view(), name="student-summary"),
    path("records", views.RecordListView.as_view(), name="records"),
    path("justifications", views.JustificationListCreateView.as_view(), name="justifications"),
    path("justifications/<int:pk>", views.JustificationDetailView.as_view(), name="justification-detail"),
    path("justifications/<int:pk>/approve", views.JustificationApproveView.as_view(), name="justification-approve"),
    path("justifications/<int:pk>/reject", views.JustificationRejectView.as_view(), name="justification-reject"),
    path("alerts", views.AlertListView.as_view(), name="alerts"),
]
