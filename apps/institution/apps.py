from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class InstitutionConfig(ContextAppConfig):
    default = True
    name = "apps.institution"
    label = "institution"
    verbose_name = _("Institution")
