"""Teacher assignment: who teaches which course in which section, and when (weekly blocks).

Cross-context references are plain ids (teacher → users, course/section/year → academic).
"""

from __future__ import annotations

from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from apps.assignments.constraints import PostgresExclusionConstraint
from common.tenancy import TenantQuerySet

MINUTES_PER_DAY = 24 * 60


class DayOfWeek(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class TeacherAssignment(models.Model):
    """A teacher teaches a course in a section during an academic year. Removal is soft."""

    teacher_id = models.BigIntegerField(_("teacher"), db_index=True)
    course_id = models.BigIntegerField(_("course"), db_index=True)
    section_id = models.BigIntegerField(_("section"), db_index=True)
    academic_year_id = models.BigIntegerField(_("academic year"), db_index=True)
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    assigned_by_id = models.BigIntegerField(_("assigned by"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by_id = models.BigIntegerField(_("removed by"), null=True, blank=True)
    removal_reason = models.CharField(_("removal reason"), max_length=200, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("teacher assignment")
        verbose_name_plural = _("teacher assignments")
        ordering = ["academic_year_id", "section_id", "course_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course_id", "section_id", "academic_year_id"],
                condition=Q(is_active=True),
                name="assignment_one_active_per_course_section_year",
                violation_error_message=_("This course already has an active teacher in this section and year."),
            ),
        ]
        indexes = [models.Index(fields=["teacher_id", "is_active"], name="assignment_teacher_active_idx")]

    def __str__(self) -> str:
        return f"teacher {self.teacher_id} → course {self.course_id} / section {self.section_id}"


def _week_range():
    # int4range(start, end) is '[)': a block ending at 09:00 does not overlap one starting at 09:00.
    return Func(F("start_minute"), F("end_minute"), function="int4range")


class ScheduleBlock(models.Model):
    """One weekly block of an assignment (day, start, end, room).

    `start_minute`/`end_minute` are minutes of the week ((day-1)*1440 + minutes of the day), set by
    the booking service; the exclusion constraints compare them as integer ranges.
    """

    assignment = models.ForeignKey(TeacherAssignment, on_delete=models.CASCADE, related_name="blocks",
                                   verbose_name=_("assignment"))
    teacher_id = models.BigIntegerField(_("teacher"), db_index=True)
    section_id = models.BigIntegerField(_("section"), db_index=True)
    course_id = models.BigIntegerField(_("course"), db_index=True)
    academic_year_id = models.BigIntegerField(_("academic year"), db_index=True)
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    room = models.CharField(_("room"), max_length=40, blank=True, help_text=_("Empty when no room is booked."))
    day_of_week = models.PositiveSmallIntegerField(_("day of week"), choices=DayOfWeek.choices)
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    start_minute = models.PositiveIntegerField(_("start (minute of week)"), editable=False)
    end_minute = models.PositiveIntegerField(_("end (minute of week)"), editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by_id = models.BigIntegerField(_("created by"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("schedule block")
        verbose_name_plural = _("schedule blocks")
        ordering = ["academic_year_id", "day_of_week", "start_time", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(day_of_week__gte=1, day_of_week__lte=7),
                                   name="schedule_block_day_of_week_1_7"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")),
                                   name="schedule_block_ends_after_start"),
            models.CheckConstraint(condition=Q(end_minute__gt=F("start_minute")),
                                   name="schedule_block_week_range_not_empty"),
            PostgresExclusionConstraint(
                name="schedule_block_no_teacher_overlap",
                expressions=[("academic_year_id", RangeOperators.EQUAL), ("teacher_id", RangeOperators.EQUAL),
                             (_week_range(), RangeOperators.OVERLAPS)],
            ),
            PostgresExclusionConstraint(
                name="schedule_block_no_section_overlap",
                expressions=[("academic_year_id", RangeOperators.EQUAL), ("section_id", RangeOperators.EQUAL),
                             (_week_range(), RangeOperators.OVERLAPS)],
            ),
            PostgresExclusionConstraint(
                name="schedule_block_no_room_overlap",
                expressions=[("academic_year_id", RangeOperators.EQUAL), ("room", RangeOperators.EQUAL),
                             (_week_range(), RangeOperators.OVERLAPS)],
                condition=~Q(room=""),
            ),
        ]
        indexes = [
            models.Index(fields=["academic_year_id", "day_of_week"], name="schedule_block_year_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_day_of_week_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M} {self.room}".strip()

    @property
    def duration_minutes(self) -> int:
        return self.end_minute - self.start_minute


class SectionHeadcount(models.Model):
    """Projection of academic's rosters: active students per section (kept by `student.enrolled`)."""

    section_id = models.BigIntegerField(_("section"), unique=True)
    active_students = models.PositiveIntegerField(_("active students"), default=0)
    last_event_id = models.CharField(_("last event"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("section headcount")
        verbose_name_plural = _("section headcounts")
        ordering = ["section_id"]

    def __str__(self) -> str:
        return f"section {self.section_id}: {self.active_students}"


class TeacherWorkload(models.Model):
    """Weekly teaching minutes per teacher and year. Also the row bookings lock, so that two
    concurrent bookings for one teacher cannot together exceed the maximum."""

    teacher_id = models.BigIntegerField(_("teacher"))
    academic_year_id = models.BigIntegerField(_("academic year"))
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    weekly_minutes = models.PositiveIntegerField(_("weekly minutes"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("teacher workload")
        verbose_name_plural = _("teacher workloads")
        ordering = ["academic_year_id", "teacher_id"]
        constraints = [models.UniqueConstraint(fields=["teacher_id", "academic_year_id"],
                                               name="teacher_workload_unique_per_year")]

    def __str__(self) -> str:
        return f"teacher {self.teacher_id} ({self.academic_year_id}): {self.weekly_minutes / 60:.1f} h"


class WorkloadLimit(models.Model):
    """Per-institution maximum weekly teaching hours (overrides ASSIGNMENTS_MAX_WEEKLY_HOURS)."""

    institution_id = models.BigIntegerField(_("institution"), unique=True)
    max_weekly_hours = models.DecimalField(_("maximum weekly hours"), max_digits=5, decimal_places=2)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("workload limit")
        verbose_name_plural = _("workload limits")
        ordering = ["institution_id"]
        constraints = [models.CheckConstraint(condition=Q(max_weekly_hours__gt=0),
                                              name="workload_limit_positive")]

    def __str__(self) -> str:
        return f"institution {self.institution_id}: {self.max_weekly_hours} h"
