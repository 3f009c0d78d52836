"""Models of the service_grades app."""

from django.db import models  # noqa: F401
