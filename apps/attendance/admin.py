"""Staff UI for attendance: records with filters, justifications with review actions, alerts read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from apps.attendance import services
from apps.attendance.models import (
    AttendanceRecord,
    Justification,
    JustificationStatus,
    PatternAlert,
    StudentAttendanceProfile,
)
from apps.users import contracts as users
from common.admin import OperatorAdmin, TenantAdmin
from common.errors import DomainError
from common.tenancy import SYSTEM, request_scope


def _section_school(section_id: int) -> int | None:
    from apps.academic import contracts as academic

    section = academic.get_section(scope=SYSTEM, section_id=section_id)
    return section.institution_id if section else None


def _user_school(user_id: int) -> int | None:
    summary = users.user_security_summary(user_id=user_id)
    return summary.institution_id if summary else None


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(TenantAdmin):
    list_display = ("date", "section_id", "student_id", "session_number", "status", "arrival_time", "marked_by_id",
                    "updated_at")
    list_filter = ("status", "date", "section_id", "session_number")
    search_fields = ("=student_id", "=section_id", "=enrollment_id", "note")
    date_hierarchy = "date"
    readonly_fields = ("marked_at", "updated_at", "marked_by_id")
    list_per_page = 100
    tenant_references = {"section_id": _section_school, "student_id": _user_school}


@admin.register(StudentAttendanceProfile)
class StudentAttendanceProfileAdmin(OperatorAdmin):
    operator_reason = ("Kept by the enrollment events (one per enrollment) and without a school column: an "
                       "operator's repair screen; a school's staff see attendance through its records.")
    list_display = ("enrollment_id", "student_id", "section_id", "is_active", "created_at")
    list_filter = ("is_active", "section_id")
    search_fields = ("=enrollment_id", "=student_id", "=section_id")
    readonly_fields = ("created_at",)


def _review(modeladmin, request, queryset, *, approve: bool) -> None:
    done = 0
    for justification in queryset.filter(status=JustificationStatus.PENDING):
        try:
            if approve:
                services.justification_approve(scope=request_scope(request), justification_id=justification.pk,
                                               reviewer_id=request.user.pk,
                                               note=str(_("Approved in the admin.")))
            else:
                services.justification_reject(scope=request_scope(request), justification_id=justification.pk,
                                              reviewer_id=request.user.pk,
                                              note=str(_("Rejected in the admin.")))
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"#{justification.pk}: {exc.message}", level=messages.ERROR)
    modeladmin.message_user(request, _("%(count)d justification(s) reviewed.") % {"count": done})


@admin.action(description=_("Approve selected pending justifications (absences become EXCUSED)"),
              permissions=["change"])
def approve_justifications(modeladmin, request, queryset):
    _review(modeladmin, request, queryset, approve=True)


@admin.action(description=_("Reject selected pending justifications"), permissions=["change"])
def reject_justifications(modeladmin, request, queryset):
    _review(modeladmin, request, queryset, approve=False)


@admin.register(Justification)
class JustificationAdmin(TenantAdmin):
    list_display = ("id", "student_id", "section_id", "start_date", "end_date", "status", "guardian_id",
                    "reviewed_by_id", "created_at")
    list_filter = ("status", "section_id", "start_date")
    search_fields = ("=student_id", "=guardian_id", "reason")
    actions = [approve_justifications, reject_justifications]
    readonly_fields = ("student_id", "section_id", "guardian_id", "start_date", "end_date", "reason",
                       "attachment_reference", "status", "reviewed_by_id", "reviewed_at", "records", "created_at")
    fields = (*readonly_fields[:-2], "review_note", "records", "created_at")

    def has_add_permission(self, request) -> bool:
        return False  # guardians submit through the API


@admin.register(PatternAlert)
class PatternAlertAdmin(TenantAdmin):
    list_display = ("created_at", "pattern", "student_id", "section_id", "period_id", "value", "threshold",
                    "occurrence_key")
    list_filter = ("pattern", "section_id", "period_id")
    search_fields = ("=student_id", "=section_id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
