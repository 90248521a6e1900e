from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class AcademicConfig(ContextAppConfig):
    default = True
    name = "apps.academic"
    label = "academic"
    verbose_name = _("Academic management")
