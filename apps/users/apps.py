from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class UsersConfig(ContextAppConfig):
    default = True
    name = "apps.users"
    label = "users"
    verbose_name = _("Users")
