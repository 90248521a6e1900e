"""Reactions of the assignments context to other contexts' events."""

from __future__ import annotations

from apps.assignments import services
from events import Event, subscribe


@subscribe("student.enrolled")
def on_student_enrolled(event: Event) -> None:
    """Seed (MS-VG-0005 onStudentEnrolled): "habilitar asignación de profesores para nueva sección".
    Keep the section's headcount projection current so assignment views show how many students a
    teacher will have. A recount from academic's roster: applying the event twice changes nothing."""
    services.section_headcount_refresh(section_id=int(event.payload["sectionId"]), event_id=str(event.event_id))


@subscribe("student.transferred")
def on_student_transferred(event: Event) -> None:
    """A transfer moves a student between sections: recount both headcounts (idempotent)."""
    for key in ("fromSectionId", "toSectionId"):
        services.section_headcount_refresh(section_id=int(event.payload[key]), event_id=str(event.event_id))
