"""The printable report card: the student's period report plus the names a paper needs."""

from __future__ import annotations

from django.utils import timezone

from apps.grades import selectors
from apps.institution import contracts as institution
from apps.users import contracts as users
from common.tenancy import Scope


def report_card_context(*, scope: Scope, student_id: int, period_id: int) -> dict | None:
    report = selectors.student_period_report(scope=scope, student_id=student_id, period_id=period_id)
    if report is None:
        return None
    student = users.get_user(scope=scope, user_id=student_id)
    section = report.section
    school = institution.get_institution(institution_id=section.institution_id) if section else None
    tutor = users.get_user(scope=scope, user_id=section.tutor_id) if section and getattr(section, "tutor_id", None) else None
    return {
        "report": report,
        "student": student,
        "period": report.period,
        "section": section,
        "school": school,
        "tutor": tutor,
        "generated_at": timezone.now(),
    }
