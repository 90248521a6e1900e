"""Attendance tables: daily (or per class session) records, the per-enrollment profile that
enables attendance for a student, guardians' justifications and the pattern alerts already sent.

No foreign key leaves the context: students, sections, enrollments, periods and users are
integer ids owned by other contexts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.tenancy import TenantQuerySet


class AttendanceStatus(models.TextChoices):
    PRESENT = "PRESENT", _("Present")
    ABSENT = "ABSENT", _("Absent")
    LATE = "LATE", _("Late")
    EXCUSED = "EXCUSED", _("Excused")


class AttendanceRecord(models.Model):
    """One student's attendance on one day (session_number NULL) or in one class session of a day.

    Unique per (student, date, session_number) with NULLS NOT DISTINCT, so a daily record (NULL
    session) is unique too and re-marking a day updates it in place (ON CONFLICT upsert)."""

    student_id = models.BigIntegerField(_("student"), db_index=True)
    section_id = models.BigIntegerField(_("section"), db_index=True)
    enrollment_id = models.BigIntegerField(_("enrollment"), null=True, blank=True, db_index=True)
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    date = models.DateField(_("date"))
    session_number = models.PositiveSmallIntegerField(
        _("session number"), null=True, blank=True,
        help_text=_("Class period of the day when attendance is taken per session; empty for daily attendance."))
    status = models.CharField(_("status"), max_length=8, choices=AttendanceStatus.choices)
    arrival_time = models.TimeField(_("arrival time"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    marked_by_id = models.BigIntegerField(_("marked by"), null=True, blank=True)
    marked_at = models.DateTimeField(_("marked at"))
    updated_at = models.DateTimeField(_("updated at"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["-date", "section_id", "student_id"]
        constraints = [
            models.UniqueConstraint(fields=["student_id", "date", "session_number"], nulls_distinct=False,
                                    name="attendance_record_student_day_session_unique"),
            models.CheckConstraint(condition=models.Q(arrival_time__isnull=True) | models.Q(status="LATE"),
                                   name="attendance_record_arrival_only_when_late"),
        ]
        indexes = [models.Index(fields=["section_id", "date"], name="attendance_section_day_idx"),
                   models.Index(fields=["student_id", "date"], name="attendance_student_day_idx")]

    def __str__(self) -> str:
        session = f" #{self.session_number}" if self.session_number else ""
        return f"{self.student_id} {self.date}{session}: {self.status}"


class StudentAttendanceProfile(models.Model):
    """Attendance enabled for a student in a section, created when the student is enrolled
    (the seed's initializeAttendanceRecord). One per enrollment."""

    enrollment_id = models.BigIntegerField(_("enrollment"), unique=True)
    student_id = models.BigIntegerField(_("student"), db_index=True)
    section_id = models.BigIntegerField(_("section"), db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("student attendance profile")
        verbose_name_plural = _("student attendance profiles")
        ordering = ["section_id", "student_id"]

    def __str__(self) -> str:
        return f"enrollment {self.enrollment_id}: student {self.student_id} in section {self.section_id}"


class JustificationStatus(models.TextChoices):
    PENDING = "PENDING", _("Pending")
    APPROVED = "APPROVED", _("Approved")
    REJECTED = "REJECTED", _("Rejected")


class Justification(models.Model):
    """A guardian's justification of a student's absences between two dates (inclusive)."""

    student_id = models.BigIntegerField(_("student"), db_index=True)
    section_id = models.BigIntegerField(_("section"), null=True, blank=True, db_index=True)
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    guardian_id = models.BigIntegerField(_("submitted by (guardian)"), db_index=True)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    reason = models.TextField(_("reason"))
    attachment_reference = models.CharField(_("attachment reference"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=JustificationStatus.choices,
                              default=JustificationStatus.PENDING, db_index=True)
    reviewed_by_id = models.BigIntegerField(_("reviewed by"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    records = models.ManyToManyField(AttendanceRecord, blank=True, related_name="justifications",
                                     verbose_name=_("excused records"))
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("justification")
        verbose_name_plural = _("justifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(start_date__lte=models.F("end_date")),
                                              name="justification_dates_ordered")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.start_date}–{self.end_date} ({self.status})"


class AlertPattern(models.TextChoices):
    CONSECUTIVE_ABSENCES = "CONSECUTIVE_ABSENCES", _("Consecutive absences")
    ABSENCE_RATE = "ABSENCE_RATE", _("Absence rate")


class PatternAlert(models.Model):
    """An attendance pattern alert already raised. occurrence_key makes each occurrence alert once:
    the first date of the absence streak, or "period:<id>" for the rate alert."""

    student_id = models.BigIntegerField(_("student"), db_index=True)
    section_id = models.BigIntegerField(_("section"), db_index=True)
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    period_id = models.BigIntegerField(_("period"), null=True, blank=True)
    pattern = models.CharField(_("pattern"), max_length=24, choices=AlertPattern.choices)
    occurrence_key = models.CharField(_("occurrence"), max_length=40)
    value = models.CharField(_("value"), max_length=16)
    threshold = models.CharField(_("threshold"), max_length=16)
    triggered_on = models.DateField(_("triggered on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance pattern alert")
        verbose_name_plural = _("attendance pattern alerts")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["student_id", "pattern", "occurrence_key"],
                                               name="pattern_alert_once_per_occurrence")]

    def __str__(self) -> str:
        return f"{self.pattern} student {self.student_id} ({self.occurrence_key})"
