from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class UsersConfig(ContextAppConfig):
    default = True
    name = "apps.users"
    label = "users"
    verbose_name = _("Users")

    def on_ready(self) -> None:
        from apps.auth.contracts import register_provider
        from apps.users import providers

        register_provider("guardian_student_ids", providers.guardian_student_ids)
        register_provider("credentials", providers.credentials)
        register_provider("user_summary", providers.user_summary)
