from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from events import metrics, task_context  # noqa: F401  (connects Celery header propagation)

        metrics.compute_outbox_gauges_on_scrape()
