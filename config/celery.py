import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("attest")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Finds `tasks` in every installed app: all of them are in jobs/tasks.py (names `jobs.tasks.*`).
app.autodiscover_tasks()
