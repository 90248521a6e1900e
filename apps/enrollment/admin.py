"""Staff enroll students from the admin: "Enrollment requests" lists the sagas (read-only, with
their steps); "Add" starts a new one."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.enrollment import services
from apps.enrollment.models import EnrollmentRequest
from common.errors import DomainError
from events.saga.admin import SagaStepInline


class EnrollmentRequestForm(forms.Form):
    student_id = forms.IntegerField(label=_("student id"), min_value=1)
    section_id = forms.IntegerField(label=_("section id"), min_value=1)
    enrollment_type = forms.ChoiceField(label=_("enrollment type"), choices=[(t, t) for t in services.ENROLLMENT_TYPES])
    enrollment_date = forms.DateField(label=_("enrollment date"), required=False)
    previous_institution = forms.CharField(label=_("previous institution"), required=False, max_length=200)


@admin.register(EnrollmentRequest)
class EnrollmentRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "student", "section", "enrollment", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("id", "correlation_id")
    date_hierarchy = "created_at"
    inlines = (SagaStepInline,)
    readonly_fields = ("id", "status", "data", "idempotency_key", "correlation_id", "started_by", "last_error",
                       "created_at", "finished_at")
    fields = readonly_fields

    def get_queryset(self, request):
        from apps.enrollment.sagas import STUDENT_ENROLLMENT

        return super().get_queryset(request).filter(saga_type=STUDENT_ENROLLMENT)

    @admin.display(description=_("student id"))
    def student(self, obj):
        return obj.data.get("student_id")

    @admin.display(description=_("section id"))
    def section(self, obj):
        return obj.data.get("section_id")

    @admin.display(description=_("enrollment"))
    def enrollment(self, obj):
        return obj.data.get("enrollment_code", "—")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        form = EnrollmentRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                saga, _created = services.enrollment_request(**form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, f"{exc.message} ({exc.code}) {exc.details or ''}")
            else:
                self.message_user(request, _("Enrollment started (saga %(id)s).") % {"id": saga.id}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:enrollment_enrollmentrequest_change", args=[saga.id]))
        context = {**self.admin_site.each_context(request), "title": _("Enroll a student"), "form": form,
                   "opts": self.model._meta, "has_view_permission": True}
        return TemplateResponse(request, "admin/enrollment/enroll_student.html", context)
