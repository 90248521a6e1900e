"""Read queries of the academic context, shaped for their callers (no N+1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Q, QuerySet

from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section

_SEAT = Enrollment.holds_seat("enrollments__")


def _in_scope(qs: QuerySet, *, institution_id: int | None) -> QuerySet:
    return qs if institution_id is None else qs.filter(institution_id=institution_id)


def academic_year_list(*, institution_id: int | None = None) -> QuerySet[AcademicYear]:
    return _in_scope(AcademicYear.objects.all(), institution_id=institution_id).order_by("institution_id", "-year")


def grade_level_list(*, institution_id: int | None = None) -> QuerySet[GradeLevel]:
    return _in_scope(GradeLevel.objects.all(), institution_id=institution_id).order_by("institution_id", "order")


def course_list(*, institution_id: int | None = None) -> QuerySet[Course]:
    return (_in_scope(Course.objects.all(), institution_id=institution_id).select_related("grade_level")
            .order_by("institution_id", "grade_level__order", "name", "id"))


def curriculum_list(*, institution_id: int | None = None) -> QuerySet[CurriculumEntry]:
    qs = CurriculumEntry.objects.select_related("academic_year", "course", "course__grade_level")
    if institution_id is not None:
        qs = qs.filter(academic_year__institution_id=institution_id)
    return qs.order_by("academic_year__year", "course__grade_level__order", "course__name", "id")


def section_list(*, institution_id: int | None = None, section_ids: Iterable[int] | None = None) -> QuerySet[Section]:
    """Sections with their year, grade and the number of seats taken (`enrolled_count`).
    `section_ids` None = every section (in the institution); otherwise only those."""
    qs = _in_scope(Section.objects.all(), institution_id=institution_id)
    if section_ids is not None:
        qs = qs.filter(pk__in=list(section_ids))
    return (qs.select_related("academic_year", "grade_level").annotate(enrolled_count=Count("enrollments", filter=_SEAT))
            .order_by("academic_year__year", "grade_level__order", "name", "id"))


def _on_date(qs: QuerySet[Enrollment], on: date) -> QuerySet[Enrollment]:
    """Rows covering `on`: [start_date, end_date) and within their academic year."""
    return qs.filter(status__in=Enrollment.HISTORY_STATUSES, start_date__lte=on, academic_year__end_date__gte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=on))


def section_roster(*, section_id: int, on: date | None = None) -> QuerySet[Enrollment]:
    """Enrollments of the section's roster: the ACTIVE ones, or those covering `on` (dated history)."""
    qs = Enrollment.objects.filter(section_id=section_id)
    qs = _on_date(qs, on) if on is not None else qs.filter(status=Enrollment.Status.ACTIVE)
    return qs.select_related("section", "academic_year").order_by("student_id", "id")


def student_section_on(*, student_id: int, on: date) -> int | None:
    """Which section the student was in on `on` (None if not enrolled that day)."""
    row = (_on_date(Enrollment.objects.filter(student_id=student_id), on).order_by("-start_date", "-id")
           .values_list("section_id", flat=True).first())
    return row


def student_enrollments(*, student_id: int, on: date | None = None) -> QuerySet[Enrollment]:
    """A student's enrollment history (every row, oldest first); with `on`, the rows covering that day."""
    qs = Enrollment.objects.filter(student_id=student_id)
    if on is not None:
        qs = _on_date(qs, on)
    return qs.select_related("section", "academic_year", "section__grade_level").order_by(
        "academic_year__year", "start_date", "id")


def enrollment_list(*, institution_id: int | None = None, student_ids: Iterable[int] | None = None,
                    section_ids: Iterable[int] | None = None) -> QuerySet[Enrollment]:
    qs = _in_scope(Enrollment.objects.all(), institution_id=institution_id)
    if student_ids is not None:
        qs = qs.filter(student_id__in=list(student_ids))
    if section_ids is not None:
        qs = qs.filter(section_id__in=list(section_ids))
    return qs.select_related("section", "academic_year", "section__grade_level").order_by("-academic_year__year", "id")


def active_section_ids_of_student(student_id: int) -> list[int]:
    return list(Enrollment.objects.filter(student_id=student_id, status=Enrollment.Status.ACTIVE)
                .values_list("section_id", flat=True))


def courses_of_section(*, section_id: int) -> list[Course]:
    """The courses of the section's grade level in the section's year (its curriculum)."""
    section = Section.objects.filter(pk=section_id).values("academic_year_id", "grade_level_id").first()
    if section is None:
        return []
    return list(Course.objects.filter(curriculum_entries__academic_year_id=section["academic_year_id"],
                                      grade_level_id=section["grade_level_id"]).order_by("name", "id"))


def section_institution_id(section_id: int) -> int | None:
    """The section's institution (auth's `section_institution_id` provider)."""
    return Section.objects.filter(pk=section_id).values_list("institution_id", flat=True).first()


def institution_section_ids(institution_id: int) -> list[int]:
    """Every section of the school, all years (auth's `institution_section_ids` provider)."""
    return list(Section.objects.filter(institution_id=institution_id).values_list("pk", flat=True))
