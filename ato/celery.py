"""Celery bootstrap (cookiecutter-django style): configuration comes from Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")

app = Celery("ato")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
