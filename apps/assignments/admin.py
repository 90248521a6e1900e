"""Staff UI: assignments and schedule blocks (read-only history; changes go through the services),
the workload limits, and a weekly timetable (day × time grid) per section and per teacher."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.assignments import selectors, services
from apps.assignments.models import ScheduleBlock, SectionHeadcount, TeacherAssignment, TeacherWorkload, WorkloadLimit
from apps.users import contracts as users
from common.admin import OperatorAdmin, TenantAdmin, TenantTabularInline
from common.errors import DomainError
from common.tenancy import SYSTEM, Scope, request_scope


def _user_school(user_id: int) -> int | None:
    summary = users.user_security_summary(user_id=user_id)
    return summary.institution_id if summary else None


def _section_school(section_id: int) -> int | None:
    from apps.academic import contracts as academic

    section = academic.get_section(scope=SYSTEM, section_id=section_id)
    return section.institution_id if section else None


def _course_school(course_id: int) -> int | None:
    from apps.academic import contracts as academic

    course = academic.get_course(scope=SYSTEM, course_id=course_id)
    return course.institution_id if course else None


def _describe(exc: DomainError) -> str:
    conflicts = exc.details.get("conflicts") or []
    names = "; ".join(
        f"#{c['block_id']} ({', '.join(c['kinds'])}) {c['start_time']}–{c['end_time']} {c['room']}".strip()
        for c in conflicts)
    return f"{exc.message} {names}".strip()


class ServiceAddForm(forms.ModelForm):
    """An admin add form whose clean() runs the context's service (all its rules and events) and keeps
    the created object; a refusal becomes a form error and nothing is written."""

    scope = Scope.nobody()  # set to the request's scope by ServiceAddMixin.get_form

    def create(self, data: dict, actor_id: int | None):
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()  # field and model validation first: the service runs only on clean input
        if self.errors:
            return
        try:
            self.created = self.create(self.cleaned_data, getattr(self, "actor_id", None))
        except DomainError as exc:
            fields = {k: v for k, v in (exc.details.get("fields") or {}).items() if k in self.fields}
            for field, errors in fields.items():
                self.add_error(field, errors)
            if not fields:
                self.add_error(None, _describe(exc))


class AssignmentAddForm(ServiceAddForm):
    class Meta:
        model = TeacherAssignment
        fields = ("teacher_id", "course_id", "section_id")

    def create(self, data, actor_id):
        return services.assignment_create(scope=self.scope, teacher_id=data["teacher_id"], course_id=data["course_id"],
                                          section_id=data["section_id"], actor_id=actor_id)


class ScheduleBlockAddForm(ServiceAddForm):
    class Meta:
        model = ScheduleBlock
        fields = ("assignment", "day_of_week", "start_time", "end_time", "room")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = TeacherAssignment.objects.filter(is_active=True)

    def create(self, data, actor_id):
        return services.schedule_block_create(scope=self.scope, assignment_id=data["assignment"].pk,
                                              day_of_week=data["day_of_week"], start_time=data["start_time"],
                                              end_time=data["end_time"], room=data.get("room") or "", actor_id=actor_id)


class ServiceAddMixin:
    """Add through the service (ServiceAddForm); rows are never edited in place afterwards."""

    add_form: type[ServiceAddForm]

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser or request.user.user_type in {"ADMIN", "DIRECTOR"}

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor_id = request.user.pk
        form.scope = request_scope(request)
        return form

    def get_fields(self, request, obj=None):
        return list(self.add_form.Meta.fields) if obj is None else super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else super().get_readonly_fields(request, obj)

    def get_inlines(self, request, obj=None):
        return () if obj is None else super().get_inlines(request, obj)

    def save_form(self, request, form, change):
        return form.created

    def save_model(self, request, obj, form, change) -> None:
        """Already written by the service in the form's clean()."""

    def save_related(self, request, form, formsets, change) -> None:
        """Nothing related to save."""


class ReadOnlyAdmin(TenantAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ScheduleBlockInline(TenantTabularInline):
    model = ScheduleBlock
    extra = 0
    fields = ("day_of_week", "start_time", "end_time", "room")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TeacherAssignment)
class TeacherAssignmentAdmin(ServiceAddMixin, ReadOnlyAdmin):
    add_form = AssignmentAddForm
    list_display = ("id", "teacher_id", "course_id", "section_id", "academic_year_id", "is_active", "assigned_at",
                    "timetable_links")
    list_filter = ("is_active", "academic_year_id", "section_id", "teacher_id", "institution_id")
    search_fields = ("=teacher_id", "=section_id", "=course_id")
    date_hierarchy = "assigned_at"
    inlines = (ScheduleBlockInline,)
    actions = ("remove_assignments",)
    tenant_references = {"teacher_id": _user_school, "course_id": _course_school, "section_id": _section_school}

    @admin.display(description=_("weekly timetable"))
    def timetable_links(self, obj: TeacherAssignment) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:assignments_timetable_section", args=[obj.section_id]), _("section"),
            reverse("admin:assignments_timetable_teacher", args=[obj.teacher_id]), _("teacher"),
        )

    @admin.action(description=_("Remove the selected assignments (their blocks are deleted)"),
                  permissions=["remove"])
    def remove_assignments(self, request, queryset) -> None:
        removed = 0
        for assignment in queryset.filter(is_active=True):
            try:
                services.assignment_remove(scope=request_scope(request), assignment_id=assignment.pk, actor_id=request.user.pk,
                                           reason=str(_("Removed in the admin")))
                removed += 1
            except DomainError as exc:
                self.message_user(request, f"#{assignment.pk}: {exc.message}", messages.ERROR)
        self.message_user(request, _("%(count)d assignment(s) removed.") % {"count": removed}, messages.SUCCESS)

    def has_remove_permission(self, request) -> bool:
        return request.user.is_superuser or request.user.user_type in {"ADMIN", "DIRECTOR"}

    def get_urls(self):
        return [
            path("timetable/section/<int:section_id>/", self.admin_site.admin_view(self.section_timetable),
                 name="assignments_timetable_section"),
            path("timetable/teacher/<int:teacher_id>/", self.admin_site.admin_view(self.teacher_timetable),
                 name="assignments_timetable_teacher"),
            *super().get_urls(),
        ]

    def section_timetable(self, request, section_id: int):
        from apps.academic import contracts as academic

        section = academic.get_section(scope=SYSTEM, section_id=section_id)
        if section is None or not request_scope(request).allows(section.institution_id):
            raise Http404  # another school's section is unknown here
        grid = selectors.timetable(scope=request_scope(request), owner="section", owner_id=section_id,
                                   academic_year_id=section.academic_year_id if section else None)
        title = _("Timetable of section %(name)s") % {"name": section.code if section else section_id}
        return self._render_timetable(request, grid, title)

    def teacher_timetable(self, request, teacher_id: int):
        from apps.users import contracts as users

        if not request_scope(request).allows(_user_school(teacher_id)):
            raise Http404  # another school's teacher is unknown here
        teacher = users.get_user(scope=request_scope(request), user_id=teacher_id)
        year = request.GET.get("academic_year_id")
        grid = selectors.timetable(scope=request_scope(request), owner="teacher", owner_id=teacher_id,
                                   academic_year_id=int(year) if (year or "").isdigit() else
                                   selectors.latest_year_of_teacher(scope=request_scope(request), teacher_id=teacher_id))
        title = _("Timetable of %(name)s") % {"name": teacher.full_name if teacher else teacher_id}
        return self._render_timetable(request, grid, title)

    def _render_timetable(self, request, grid: dict, title):
        slots = sorted({(b["start_time"], b["end_time"]) for day in grid["days"] for b in day["blocks"]})
        rows = [{"slot": f"{start}–{end}", "cells": [
            [b for b in day["blocks"] if b["start_time"] == start and b["end_time"] == end] for day in grid["days"]
        ]} for start, end in slots]
        context = {**self.admin_site.each_context(request), "title": title, "grid": grid, "rows": rows,
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/assignments/timetable.html", context)


@admin.register(ScheduleBlock)
class ScheduleBlockAdmin(ServiceAddMixin, ReadOnlyAdmin):
    add_form = ScheduleBlockAddForm
    list_display = ("id", "day_of_week", "start_time", "end_time", "room", "teacher_id", "section_id", "course_id",
                    "academic_year_id")
    list_filter = ("academic_year_id", "day_of_week", "section_id", "teacher_id", "room")
    search_fields = ("room", "=teacher_id", "=section_id")
    list_select_related = ("assignment",)
    actions = ("delete_blocks",)

    @admin.action(description=_("Delete the selected schedule blocks"), permissions=["remove"])
    def delete_blocks(self, request, queryset) -> None:
        count = 0
        for block_id in queryset.values_list("id", flat=True):
            services.schedule_block_delete(scope=request_scope(request), block_id=block_id)
            count += 1
        self.message_user(request, _("%(count)d block(s) deleted.") % {"count": count}, messages.SUCCESS)

    def has_remove_permission(self, request) -> bool:
        return request.user.is_superuser or request.user.user_type in {"ADMIN", "DIRECTOR"}


@admin.register(SectionHeadcount)
class SectionHeadcountAdmin(OperatorAdmin):
    operator_reason = ("A projection of academic's rosters with no school column (the same counts are on the "
                       "Section changelist): an operator's consistency screen.")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    list_display = ("section_id", "active_students", "updated_at")
    search_fields = ("=section_id",)


@admin.register(TeacherWorkload)
class TeacherWorkloadAdmin(ReadOnlyAdmin):
    list_display = ("teacher_id", "academic_year_id", "weekly_hours", "institution_id", "updated_at")
    list_filter = ("academic_year_id", "institution_id")
    search_fields = ("=teacher_id",)

    @admin.display(description=_("weekly hours"))
    def weekly_hours(self, obj: TeacherWorkload):
        return selectors.hours(obj.weekly_minutes)


@admin.register(WorkloadLimit)
class WorkloadLimitAdmin(TenantAdmin):
    list_display = ("institution_id", "max_weekly_hours")
    search_fields = ("=institution_id",)
