from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class AuthConfig(ContextAppConfig):
    default = True
    name = "apps.auth"
    label = "iam"
    verbose_name = _("Authentication and security")
