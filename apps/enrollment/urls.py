"""Mounted at /api/v1/academic/ (see prs1/urls.py): the seed's enrollment path starts the saga.
Paths match with or without the trailing slash (the seed writes them without)."""

from django.urls import re_path

from apps.enrollment import views

app_name = "enrollment"

urlpatterns = [
    re_path(r"^enrollments/?$", views.EnrollmentRequestCreateView.as_view(), name="enrollment-request-create"),
    re_path(r"^enrollments/sagas/?$", views.EnrollmentRequestListView.as_view(), name="enrollment-request-list"),
    re_path(r"^enrollments/sagas/(?P<saga_id>[0-9a-f-]{36})/?$", views.EnrollmentRequestDetailView.as_view(),
            name="enrollment-request-detail"),
]
