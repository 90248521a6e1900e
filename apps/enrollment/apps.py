from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class EnrollmentConfig(ContextAppConfig):
    default = True
    name = "apps.enrollment"
    label = "enrollment"
    verbose_name = _("Enrollment")
