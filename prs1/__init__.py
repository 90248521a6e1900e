"""PRS1 composition root: settings, URLs, the Celery app, and operator commands that span contexts."""

from .celery import app as celery_app

__all__ = ("celery_app",)
