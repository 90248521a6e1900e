from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class AttendanceConfig(ContextAppConfig):
    default = True
    name = "apps.attendance"
    label = "attendance"
    verbose_name = _("Attendance")
