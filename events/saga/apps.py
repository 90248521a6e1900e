from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SagaConfig(AppConfig):
    name = "events.saga"
    label = "sagas"
    verbose_name = _("Sagas")
    default_auto_field = "django.db.models.BigAutoField"
