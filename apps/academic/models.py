"""Academic management: years, grade levels, courses and their yearly curriculum, sections,
and the enrollment aggregate (one row per stay of a student in a section).

Dated history: an enrollment row covers the half-open interval [start_date, end_date). A transfer
or withdrawal closes the row (end_date = the first day the student is no longer there) and never
rewrites it; a transfer opens a new row that points back at the old one (`previous_enrollment`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AcademicYear(models.Model):
    class Status(models.TextChoices):
        PLANNING = "PLANNING", _("Planning")
        ACTIVE = "ACTIVE", _("Active")
        CLOSED = "CLOSED", _("Closed")

    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNING)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("academic year")
        verbose_name_plural = _("academic years")
        ordering = ["institution_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["institution_id", "year"], name="academic_year_unique_per_institution"),
            models.UniqueConstraint(fields=["institution_id"], condition=Q(status="ACTIVE"),
                                    name="academic_year_one_active_per_institution"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="academic_year_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.get_status_display()})"


class GradeLevel(models.Model):
    """A grade within an educational level (e.g. PRIMARIA 5 = "5.º de primaria").

    `order` ranks the grades of an institution from the first to the last: the next grade of a
    level is the one with the next higher order; the last one graduates."""

    class Level(models.TextChoices):
        INICIAL = "INICIAL", _("Initial (kindergarten)")
        PRIMARIA = "PRIMARIA", _("Primary")
        SECUNDARIA = "SECUNDARIA", _("Secondary")

    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    number = models.PositiveSmallIntegerField(_("grade number"))
    name = models.CharField(_("name"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("grade level")
        verbose_name_plural = _("grade levels")
        ordering = ["institution_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["institution_id", "level", "number"], name="grade_level_unique"),
            models.UniqueConstraint(fields=["institution_id", "order"], name="grade_level_order_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    """A course of a grade level (curricular area and its competencies)."""

    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    grade_level = models.ForeignKey(GradeLevel, on_delete=models.PROTECT, related_name="courses",
                                    verbose_name=_("grade level"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=120)
    area = models.CharField(_("curricular area"), max_length=120)
    competencies = models.JSONField(_("competencies"), default=list, blank=True,
                                    help_text=_("List of the competencies the course develops."))
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"))

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["institution_id", "grade_level__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["institution_id", "code"], name="course_code_unique_per_institution"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CurriculumEntry(models.Model):
    """A course taught in its grade level during one academic year (`course.assigned`)."""

    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="curriculum",
                                      verbose_name=_("academic year"))
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="curriculum_entries",
                               verbose_name=_("course"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("curriculum entry")
        verbose_name_plural = _("curriculum")
        ordering = ["academic_year", "course__grade_level__order", "course__name"]
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "course"], name="curriculum_entry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.academic_year.year} · {self.course}"


class Section(models.Model):
    class Shift(models.TextChoices):
        MORNING = "MORNING", _("Morning")
        AFTERNOON = "AFTERNOON", _("Afternoon")

    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="sections",
                                      verbose_name=_("academic year"))
    grade_level = models.ForeignKey(GradeLevel, on_delete=models.PROTECT, related_name="sections",
                                    verbose_name=_("grade level"))
    code = models.CharField(_("code"), max_length=40, help_text=_("Public code, e.g. SEC-2026-5A."))
    name = models.CharField(_("name"), max_length=20, help_text=_("e.g. 5A"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    tutor_id = models.BigIntegerField(_("tutor"), null=True, blank=True, db_index=True)
    campus_id = models.BigIntegerField(_("campus"), null=True, blank=True, db_index=True)
    shift = models.CharField(_("shift"), max_length=10, choices=Shift.choices, default=Shift.MORNING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["academic_year", "grade_level__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["institution_id", "code"], name="section_code_unique_per_institution"),
            models.UniqueConstraint(fields=["academic_year", "name"], name="section_name_unique_per_year"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="section_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def letter(self) -> str:
        """The part of the name after the grade number ("5A" → "A"), used to keep groups together."""
        return self.name.lstrip("0123456789").strip()


class Enrollment(models.Model):
    class Type(models.TextChoices):
        REGULAR = "REGULAR", _("Regular")
        TRANSFER_IN = "TRANSFER_IN", _("Transfer from another school")
        REPEATER = "REPEATER", _("Repeater")
        RETURNING = "RETURNING", _("Returning student")

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        ACTIVE = "ACTIVE", _("Active")
        CANCELLED = "CANCELLED", _("Cancelled")
        INVALID = "INVALID", _("Invalid")
        TRANSFERRED = "TRANSFERRED", _("Transferred to another section")
        WITHDRAWN = "WITHDRAWN", _("Withdrawn")
        COMPLETED = "COMPLETED", _("Completed")
        PROMOTED = "PROMOTED", _("Promoted")

    class PromotionDecision(models.TextChoices):
        PROMOTED = "PROMOTED", _("Promoted to the next grade")
        REPEATS = "REPEATS", _("Repeats the grade")
        GRADUATES = "GRADUATES", _("Graduates")

    # Statuses in which a row belongs to the student's dated history (they were in the section).
    HISTORY_STATUSES = ("ACTIVE", "TRANSFERRED", "WITHDRAWN", "COMPLETED", "PROMOTED")
    # Statuses that hold the student's one enrollment of the year.
    OPEN_STATUSES = ("PENDING", "ACTIVE")

    code = models.CharField(_("code"), max_length=32, unique=True, null=True, blank=True,
                            help_text=_("Public code, e.g. ENR-2026-000001."))
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    student_id = models.BigIntegerField(_("student"), db_index=True)
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="enrollments",
                                      verbose_name=_("academic year"))
    year = models.PositiveSmallIntegerField(
        _("calendar year"), help_text=_("The academic year's calendar year: one open enrollment per student and "
                                        "year across every school."))
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="enrollments",
                                verbose_name=_("section"))
    enrollment_type = models.CharField(_("enrollment type"), max_length=12, choices=Type.choices, default=Type.REGULAR)
    previous_institution = models.CharField(_("previous institution"), max_length=200, blank=True)
    enrollment_date = models.DateField(_("enrollment date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    seat_assigned_at = models.DateTimeField(_("seat assigned at"), null=True, blank=True,
                                            help_text=_("When the section seat was reserved (capacity)."))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True,
                                help_text=_("First day the student is no longer in this section."))
    status_reason = models.CharField(_("status reason"), max_length=300, blank=True)
    promotion_decision = models.CharField(_("promotion decision"), max_length=10, choices=PromotionDecision.choices,
                                          default=PromotionDecision.PROMOTED)
    previous_enrollment = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="next_enrollments", verbose_name=_("previous enrollment"))
    saga_id = models.CharField(_("saga id"), max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-academic_year__year", "student_id", "start_date", "id"]
        constraints = [
            # Across the whole install (not per school): a student is in one school at a time.
            models.UniqueConstraint(fields=["student_id", "year"],
                                    condition=Q(status__in=["PENDING", "ACTIVE"]),
                                    name="enrollment_one_open_per_student_year"),
            models.CheckConstraint(condition=Q(end_date__isnull=True)
                                   | Q(start_date__isnull=False, end_date__gte=models.F("start_date")),
                                   name="enrollment_dates_ordered"),
        ]
        indexes = [
            models.Index(fields=["section", "status"], name="enrollment_section_status_idx"),
            models.Index(fields=["student_id", "start_date"], name="enrollment_student_dates_idx"),
        ]

    def __str__(self) -> str:
        return self.code or f"enrollment #{self.pk}"

    @staticmethod
    def holds_seat(via: str = "") -> Q:
        """Rows holding a seat of their section: ACTIVE, or PENDING with the seat reserved.
        `via` prefixes the lookups when filtering from another model (e.g. "enrollments__" from Section)."""
        return (Q(**{f"{via}status": Enrollment.Status.ACTIVE})
                | Q(**{f"{via}status": Enrollment.Status.PENDING, f"{via}seat_assigned_at__isnull": False}))
