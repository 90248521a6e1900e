from django.apps import AppConfig


class Prs1Config(AppConfig):
    name = "prs1"
    verbose_name = "PRS1"
