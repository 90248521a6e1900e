from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class AcademicConfig(ContextAppConfig):
    default = True
    name = "apps.academic"
    label = "academic"
    verbose_name = _("Academic management")

    def on_ready(self) -> None:
        from apps.academic import selectors
        from apps.auth.contracts import register_provider

        # Auth's scope rules ask which sections a student is in (a teacher may read the students
        # of the sections they teach; a student or parent sees the student's sections).
        register_provider("student_section_ids", selectors.active_section_ids_of_student)
        # ... and which school a section belongs to (staff act within their own school).
        register_provider("section_institution_id", selectors.section_institution_id)
        register_provider("institution_section_ids", selectors.institution_section_ids)
