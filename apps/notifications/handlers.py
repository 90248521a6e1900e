"""Reactions to other contexts' events. Idempotent twice over: the bus's inbox runs each
(event, handler) once, and every message has an idempotency key derived from the event."""

from __future__ import annotations

from apps.notifications import contracts, directory
from common.tenancy import SYSTEM
from events import Event, subscribe


@subscribe("student.enrolled")
def on_student_enrolled(event: Event) -> None:
    """The seed's sendWelcomeNotification: the same keys as the saga's send_welcome step."""
    p = event.payload
    contracts.send_welcome(scope=SYSTEM, enrollment_id=int(p["enrollmentId"]), student_id=int(p["studentUserId"]),
                           section_id=int(p["sectionId"]), idempotency_key=f"welcome:{p['enrollmentId']}")


@subscribe("absence.recorded")
def on_absence_recorded(event: Event) -> None:
    """Guardians are told the same day (SMS during quiet hours waits until they end)."""
    p = event.payload
    contracts.notify_guardians(
        scope=SYSTEM, student_id=int(p["studentId"]), template_key="absence_recorded",
        context={"date": p["date"], "session_number": p.get("sessionNumber"), "section_id": p.get("sectionId")},
        idempotency_key=f"absence:{p['attendanceId']}",
    )


def _tutor_ids(section_id) -> list[int]:
    section = directory.get_section(int(section_id), scope=SYSTEM) if section_id else None
    tutor_id = getattr(section, "tutor_id", None)
    return [int(tutor_id)] if tutor_id else []


def _alert(event: Event, template_key: str, context: dict) -> None:
    p = event.payload
    key = f"{template_key}:{event.event_id}"
    contracts.notify_guardians(scope=SYSTEM, student_id=int(p["studentId"]), template_key=template_key, context=context,
                               idempotency_key=key)
    tutors = _tutor_ids(p.get("sectionId"))
    if tutors:
        student = directory.get_user(int(p["studentId"]), scope=SYSTEM)
        contracts.notify_users(scope=SYSTEM, user_ids=tutors, template_key=template_key, idempotency_key=f"{key}:tutor",
                               context={**context, "student_id": int(p["studentId"]),
                                        "student_name": getattr(student, "full_name", "") or ""})


@subscribe("student.performance.alert")
def on_student_performance_alert(event: Event) -> None:
    p = event.payload
    course = directory.get_course(int(p["courseId"]), scope=SYSTEM) if p.get("courseId") else None
    _alert(event, "performance_alert", {
        "course_name": getattr(course, "name", "") or "", "average": p.get("average"), "pass_mark": p.get("passMark"),
        "reason": p.get("reason"), "section_id": p.get("sectionId"), "period_id": p.get("periodId"),
    })


@subscribe("attendance.pattern.alert")
def on_attendance_pattern_alert(event: Event) -> None:
    p = event.payload
    _alert(event, "attendance_pattern_alert", {
        "pattern": p.get("pattern"), "value": p.get("value"), "threshold": p.get("threshold"),
        "section_id": p.get("sectionId"), "period_id": p.get("periodId"),
    })
