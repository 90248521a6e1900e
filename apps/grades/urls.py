from django.urls import path

from apps.grades import views

app_name = "grades"

urlpatterns = [
    path("calculate-average", views.CalculateAverageView.as_view(), name="calculate-average"),
    path("student/<int:student_id>/period/<int:period_id>", views.StudentPeriodReportView.as_view(),
         name="student-period-report"),
    path("student/<int:student_id>/period/<int:period_id>/report-card", views.ReportCardView.as_view(),
         name="report-card"),
    path("entries", views.EntryCreateView.as_view(), name="entry-create"),
    path("entries/bulk", views.EntryBulkView.as_view(), name="entry-bulk"),
    path("entries/<int:entry_id>", views.EntryDetailView.as_view(), name="entry-detail"),
    path("entries/<int:entry_id>/history", views.EntryHistoryView.as_view(), name="entry-history"),
    path("evaluation-plans/", views.PlanListView.as_view(), name="plan-list"),
    path("evaluation-plans/<int:plan_id>/", views.PlanDetailView.as_view(), name="plan-detail"),
    path("periods/<int:period_id>/close", views.PeriodCloseView.as_view(), name="period-close"),
    path("periods/<int:period_id>/reopen", views.PeriodReopenView.as_view(), name="period-reopen"),
    path("competency-evaluations", views.CompetencyEvaluationView.as_view(), name="competency-evaluate"),
]
