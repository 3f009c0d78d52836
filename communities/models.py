"""Models of the communities app."""

from django.db import models  # noqa: F401
