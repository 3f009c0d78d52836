"""Filters of the goal lists, one FilterSet per list, shared by the page, its export and its API
endpoint (so a bad value is refused the same way everywhere, never reaching the database)."""

from __future__ import annotations

import django_filters

from .models import DistrictResult


class ResultFilter(django_filters.FilterSet):
    """A run's district results: `department` (2 digits), `province` (4 digits), `passed`."""

    department = django_filters.CharFilter(field_name="district__department_id", max_length=2)
    province = django_filters.CharFilter(field_name="district__province_id", max_length=4)
    passed = django_filters.BooleanFilter()

    class Meta:
        model = DistrictResult
        fields = ["department", "province", "passed"]
