"""Read queries of the academic context, shaped for their callers (no N+1).

Tenancy (docs/academic.md): every selector that reads school-owned rows takes the caller's
`scope` (keyword-only, required) and filters with it; a single row out of scope is a 404 exactly
like an unknown id (`*_get`). The lookups auth's rules make through the contract (at the bottom) are
system lookups (unscoped)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section
from common.errors import NotFound
from common.tenancy import Scope

_SEAT = Enrollment.holds_seat("enrollments__")


def _one(qs: QuerySet, pk: int, *, code: str, message: str | None = None):
    row = qs.filter(pk=pk).first()
    if row is None:
        raise NotFound(message or _("Not found."), code=code)
    return row


def academic_year_list(*, scope: Scope) -> QuerySet[AcademicYear]:
    return scope.filter(AcademicYear.objects.all()).order_by("institution_id", "-year")


def academic_year_get(*, scope: Scope, academic_year_id: int) -> AcademicYear:
    return _one(academic_year_list(scope=scope), academic_year_id, code="academic_year_not_found",
                message=_("Academic year not found."))


def grade_level_list(*, scope: Scope) -> QuerySet[GradeLevel]:
    return scope.filter(GradeLevel.objects.all()).order_by("institution_id", "order")


def grade_level_get(*, scope: Scope, grade_level_id: int) -> GradeLevel:
    return _one(grade_level_list(scope=scope), grade_level_id, code="grade_level_not_found")


def course_list(*, scope: Scope) -> QuerySet[Course]:
    return (scope.filter(Course.objects.all()).select_related("grade_level")
            .order_by("institution_id", "grade_level__order", "name", "id"))


def course_get(*, scope: Scope, course_id: int) -> Course:
    return _one(course_list(scope=scope), course_id, code="course_not_found")


def curriculum_list(*, scope: Scope) -> QuerySet[CurriculumEntry]:
    qs = CurriculumEntry.objects.select_related("academic_year", "course", "course__grade_level")
    return scope.filter(qs, "academic_year__institution_id").order_by(
        "academic_year__year", "course__grade_level__order", "course__name", "id")


def curriculum_entry_get(*, scope: Scope, entry_id: int) -> CurriculumEntry:
    return _one(curriculum_list(scope=scope), entry_id, code="curriculum_entry_not_found")


def section_list(*, scope: Scope, section_ids: Iterable[int] | None = None) -> QuerySet[Section]:
    """Sections with their year, grade and the number of seats taken (`enrolled_count`).
    `section_ids` None = every section in the scope; otherwise only those."""
    qs = scope.filter(Section.objects.all())
    if section_ids is not None:
        qs = qs.filter(pk__in=list(section_ids))
    return (qs.select_related("academic_year", "grade_level").annotate(enrolled_count=Count("enrollments", filter=_SEAT))
            .order_by("academic_year__year", "grade_level__order", "name", "id"))


def section_get(*, scope: Scope, section_id: int, section_ids: Iterable[int] | None = None) -> Section:
    """One section of the scope (and of `section_ids` when given), else 404 `section_not_found`."""
    return _one(section_list(scope=scope, section_ids=section_ids), section_id, code="section_not_found",
                message=_("Section not found."))


def _on_date(qs: QuerySet[Enrollment], on: date) -> QuerySet[Enrollment]:
    """Rows covering `on`: [start_date, end_date) and within their academic year."""
    return qs.filter(status__in=Enrollment.HISTORY_STATUSES, start_date__lte=on, academic_year__end_date__gte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=on))


def section_roster(*, scope: Scope, section_id: int, on: date | None = None) -> QuerySet[Enrollment]:
    """Enrollments of the section's roster: the ACTIVE ones, or those covering `on` (dated history)."""
    qs = scope.filter(Enrollment.objects.filter(section_id=section_id))
    qs = _on_date(qs, on) if on is not None else qs.filter(status=Enrollment.Status.ACTIVE)
    return qs.select_related("section", "academic_year").order_by("student_id", "id")


def student_section_on(*, scope: Scope, student_id: int, on: date) -> int | None:
    """Which section (of the scope) the student was in on `on` (None if not enrolled that day)."""
    return (_on_date(scope.filter(Enrollment.objects.filter(student_id=student_id)), on).order_by("-start_date", "-id")
            .values_list("section_id", flat=True).first())


def student_enrollments(*, scope: Scope, student_id: int, on: date | None = None) -> QuerySet[Enrollment]:
    """A student's enrollment history in the scope (every row, oldest first); with `on`, the rows covering that day."""
    qs = scope.filter(Enrollment.objects.filter(student_id=student_id))
    if on is not None:
        qs = _on_date(qs, on)
    return qs.select_related("section", "academic_year", "section__grade_level").order_by(
        "academic_year__year", "start_date", "id")


def enrollment_list(*, scope: Scope, student_ids: Iterable[int] | None = None,
                    section_ids: Iterable[int] | None = None) -> QuerySet[Enrollment]:
    qs = scope.filter(Enrollment.objects.all())
    if student_ids is not None:
        qs = qs.filter(student_id__in=list(student_ids))
    if section_ids is not None:
        qs = qs.filter(section_id__in=list(section_ids))
    return qs.select_related("section", "academic_year", "section__grade_level").order_by("-academic_year__year", "id")


def enrollment_get(*, scope: Scope, enrollment_id: int) -> Enrollment:
    return _one(enrollment_list(scope=scope), enrollment_id, code="enrollment_not_found",
                message=_("Enrollment not found."))


def courses_of_section(*, scope: Scope, section_id: int) -> list[Course]:
    """The courses of the section's grade level in the section's year (its curriculum); [] out of scope."""
    section = scope.filter(Section.objects.filter(pk=section_id)).values("academic_year_id", "grade_level_id").first()
    if section is None:
        return []
    return list(Course.objects.filter(curriculum_entries__academic_year_id=section["academic_year_id"],
                                      grade_level_id=section["grade_level_id"]).order_by("name", "id"))


# --- auth's lookups (through the contract): system lookups (unscoped by design) -------------


def active_section_ids_of_student(student_id: int) -> list[int]:
    return list(Enrollment.objects.filter(student_id=student_id, status=Enrollment.Status.ACTIVE)
                .values_list("section_id", flat=True))


def section_institution_id(section_id: int) -> int | None:
    """The section's institution (auth's `section_institution_id` lookup)."""
    return Section.objects.filter(pk=section_id).values_list("institution_id", flat=True).first()


def institution_section_ids(institution_id: int) -> list[int]:
    """Every section of the school, all years (auth's `institution_section_ids` lookup)."""
    return list(Section.objects.filter(institution_id=institution_id).values_list("pk", flat=True))
