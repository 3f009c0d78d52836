"""django-filter pieces shared by every app's FilterSets."""

from __future__ import annotations

import django_filters
from django import forms


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number that fits the database (a bad one is a 400, not a crash)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
