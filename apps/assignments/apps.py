from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class AssignmentsConfig(ContextAppConfig):
    default = True
    name = "apps.assignments"
    label = "assignments"
    verbose_name = _("Teacher assignment")
