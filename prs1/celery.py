"""The Celery app. Broker: Redis (full stack) or in-memory eager execution (embedded default).

Tasks are discovered per context (`apps/<context>/tasks.py`) and in `events/`.
Correlation and request ids travel with every task (see events.task_context).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")

app = Celery("prs1")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
