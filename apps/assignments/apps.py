from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class AssignmentsConfig(ContextAppConfig):
    default = True
    name = "apps.assignments"
    label = "assignments"
    verbose_name = _("Teacher assignment")

    def on_ready(self) -> None:
        from apps.assignments import selectors
        from apps.auth.contracts import register_provider

        register_provider("teacher_section_ids", selectors.teacher_section_ids)
        register_provider("teacher_section_course_pairs", selectors.teacher_section_course_pairs)
