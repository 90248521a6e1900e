from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class GradesConfig(ContextAppConfig):
    default = True
    name = "apps.grades"
    label = "grades"
    verbose_name = _("Grades and evaluation")
