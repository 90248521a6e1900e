"""Staff enroll students from the admin: "Enrollment requests" lists the sagas (read-only, with
their steps); "Add" starts a new one."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.enrollment import services
from apps.enrollment.models import EnrollmentRequest
from apps.users import contracts as users
from common.admin import NOT_IN_SCHOOL, TenantAdmin, TenantTabularInline
from common.errors import DomainError
from common.tenancy import SYSTEM, request_scope
from events.saga.models import SagaStep


def _section_school(section_id: int) -> int | None:
    from apps.academic import contracts as academic

    section = academic.get_section(scope=SYSTEM, section_id=section_id)
    return section.institution_id if section else None


def _student_school(student_id: int) -> int | None:
    summary = users.user_security_summary(user_id=student_id)
    return summary.institution_id if summary else None


class EnrollmentStepInline(TenantTabularInline):
    model = SagaStep
    tenant_field = "saga__data__institution_id"
    extra = 0
    can_delete = False
    fields = ("position", "name", "status", "attempts", "compensation_attempts", "last_error", "started_at",
              "finished_at", "compensated_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class EnrollmentRequestForm(forms.Form):
    student_id = forms.IntegerField(label=_("student id"), min_value=1)
    section_id = forms.IntegerField(label=_("section id"), min_value=1)
    enrollment_type = forms.ChoiceField(label=_("enrollment type"), choices=[(t, t) for t in services.ENROLLMENT_TYPES])
    enrollment_date = forms.DateField(label=_("enrollment date"), required=False)
    previous_institution = forms.CharField(label=_("previous institution"), required=False, max_length=200)


@admin.register(EnrollmentRequest)
class EnrollmentRequestAdmin(TenantAdmin):
    """A school's staff see the enrollment sagas of their school (the saga's data names it) and enroll
    only their own school's students in their own school's sections."""

    tenant_field = "data__institution_id"
    tenant_owner_field = None
    list_display = ("id", "status", "student", "section", "enrollment", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("id", "correlation_id")
    date_hierarchy = "created_at"
    inlines = (EnrollmentStepInline,)
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
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = EnrollmentRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            scope = request_scope(request)
            for field, school_of in (("student_id", _student_school), ("section_id", _section_school)):
                if not scope.allows(school_of(form.cleaned_data[field])):
                    form.add_error(field, NOT_IN_SCHOOL)  # another school's id is unknown here
        if request.method == "POST" and form.is_valid():
            try:
                saga, _created = services.enrollment_request(scope=request_scope(request), actor_id=request.user.pk,
                                                            **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, f"{exc.message} ({exc.code}) {exc.details or ''}")
            else:
                self.message_user(request, _("Enrollment started (saga %(id)s).") % {"id": saga.id}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:enrollment_enrollmentrequest_change", args=[saga.id]))
        context = {**self.admin_site.each_context(request), "title": _("Enroll a student"), "form": form,
                   "opts": self.model._meta, "has_view_permission": True}
        return TemplateResponse(request, "admin/enrollment/enroll_student.html", context)
