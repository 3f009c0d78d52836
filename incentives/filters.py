"""Filters of the goal lists, one FilterSet per list, shared by the page, its export and its API
endpoint (so a bad value is refused the same way everywhere, never reaching the database)."""

from __future__ import annotations

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from territory.models import District

from .models import DistrictResult, Evidence, EvidenceStatus


class ResultFilter(django_filters.FilterSet):
    """A run's district results: `department` (2 digits), `province` (4 digits), `passed`."""

    department = django_filters.CharFilter(field_name="district__department_id", max_length=2)
    province = django_filters.CharFilter(field_name="district__province_id", max_length=4)
    passed = django_filters.BooleanFilter()

    class Meta:
        model = DistrictResult
        fields = ["department", "province", "passed"]


class OverviewFilter(django_filters.FilterSet):
    """A run's districts in scope (`queries.run_districts`) for the goal page, its export and
    the summary endpoint: `department` (2 digits), `passed` (met or not met: districts without
    a result drop out), `category` (one of the goal's PI categories)."""

    department = django_filters.CharFilter(
        field_name="department_id",
        max_length=2,
        validators=[RegexValidator(r"^[0-9]{2}\Z", _("El departamento tiene 2 dígitos."))],
    )
    passed = django_filters.BooleanFilter(field_name="result__passed")
    category = django_filters.ChoiceFilter(field_name="category__category", choices=[])

    class Meta:
        model = District
        fields = ["department", "passed", "category"]

    def __init__(self, *args, goal, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["category"].extra["choices"] = [(c, c) for c in goal.categories]


class EvidenceFilter(django_filters.FilterSet):
    """Evidence across districts (the reviewers' queue, its export and `/api/v1/evidence/`):
    `status`, `department` (2 digits), `district` (6 digits), `goal` (code)."""

    status = django_filters.ChoiceFilter(choices=EvidenceStatus.choices)
    department = django_filters.CharFilter(
        field_name="district__department_id",
        max_length=2,
        validators=[RegexValidator(r"^[0-9]{2}\Z", _("El departamento tiene 2 dígitos."))],
    )
    district = django_filters.CharFilter(
        field_name="district_id",
        max_length=6,
        validators=[RegexValidator(r"^[0-9]{6}\Z", _("El ubigeo tiene 6 dígitos."))],
    )
    goal = django_filters.CharFilter(
        field_name="requirement__goal__code",
        max_length=8,
        validators=[RegexValidator(r"^[0-9]{4}-M[0-9]{1,3}\Z", _("Código de meta no válido."))],
    )

    class Meta:
        model = Evidence
        fields = ["status", "department", "district", "goal"]
