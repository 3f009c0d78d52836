"""The district listing shared by the reviewers' page, its CSV export and the REST API.

It lives in the project package because it reads several apps (territory and the registry);
the apps themselves keep their one-way dependency line.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jass_registry.models import Jass, JassStatus
from territory.models import Department, District, DistrictCategory, Province


def default_category_year() -> int:
    """The latest year with categories loaded, else the current year (Lima)."""
    latest = DistrictCategory.objects.aggregate(year=Max("year"))["year"]
    return latest or timezone.localdate().year


def districts_with_counts(year: int):
    """Districts with place, the year's PI category and JASS counts, in one query.

    The counts are correlated subqueries, so the database computes them only for the rows of
    the page being read, not for all 1,891 districts."""
    jass = Jass.objects.filter(district=OuterRef("pk")).order_by().values("district")
    return District.objects.with_place().annotate(
        category=Subquery(
            DistrictCategory.objects.filter(district=OuterRef("pk"), year=year).values("category")[
                :1
            ]
        ),
        category_year=Value(year, output_field=IntegerField()),
        jass_count=Coalesce(Subquery(jass.annotate(n=Count("pk")).values("n")[:1]), 0),
        active_jass_count=Coalesce(
            Subquery(jass.active().annotate(n=Count("pk")).values("n")[:1]),
            0,
        ),
    )


class DistrictFilter(django_filters.FilterSet):
    """Filters of the district list, for the API and the page alike."""

    q = django_filters.CharFilter(method="filter_q", label=_("Buscar"), max_length=100)
    department = django_filters.CharFilter(
        field_name="department_id", label=_("Departamento (2 dígitos)")
    )
    province = django_filters.CharFilter(field_name="province_id", label=_("Provincia (4 dígitos)"))
    category = django_filters.CharFilter(field_name="category", label=_("Tipo de municipalidad"))
    year = django_filters.NumberFilter(method="filter_year", label=_("Año de la clasificación"))

    class Meta:
        model = District
        fields = ["q", "department", "province", "category", "year"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_year(self, queryset, name, value):
        # The year is applied when the queryset is annotated (see districts_with_counts).
        return queryset


def category_year_from(params) -> int:
    raw = params.get("year", "")
    if raw.isascii() and raw.isdigit() and 2009 <= int(raw) <= 2100:
        return int(raw)
    return default_category_year()


def department_choices():
    return Department.objects.all()


def province_choices(department_code: str | None):
    provinces = Province.objects.all()
    if department_code:
        provinces = provinces.filter(department_id=department_code)
    return provinces


def jass_counts_for(district_id: str) -> dict[str, int]:
    return Jass.objects.filter(district_id=district_id).aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(status=JassStatus.ACTIVE))
    )
