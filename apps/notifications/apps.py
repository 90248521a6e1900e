from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class NotificationsConfig(ContextAppConfig):
    default = True
    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def on_ready(self) -> None:
        from apps.notifications import metrics

        metrics.register_collectors()
