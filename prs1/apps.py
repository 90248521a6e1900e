from django.apps import AppConfig


class Prs1Config(AppConfig):
    name = "prs1"
    verbose_name = "PRS1"

    def ready(self) -> None:
        # drf-spectacular field extensions (time of day, blank email) register on import.
        import common.openapi  # noqa: F401
