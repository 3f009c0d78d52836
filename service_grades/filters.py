"""Filters of the service-level lists, one FilterSet per list: the district's water systems by
grade (page and export) and the assessments of `/api/v1/assessments/`."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from common.filters import GradeFilter, IdFilter
from common.text import fold
from common.validators import no_control_characters

from .models import ServiceAssessment

# The list's orders: by grade (best or worst first; never assessed last), by score, by name.
ORDERINGS = {
    "grade": [F("score").desc(nulls_last=True), "jass__name", "name"],
    "-grade": [F("score").asc(nulls_last=True), "jass__name", "name"],
    "jass": ["jass__name", "name"],
    "name": ["name", "jass__name"],
}


class SystemGradeFilter(django_filters.FilterSet):
    """The district's water systems with their service level (page and export)."""

    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Buscar"),
        max_length=100,
        validators=[no_control_characters],
    )
    grade = GradeFilter(label=_("Nivel de servicio"), empty_label=_("Todos"))
    ordering = django_filters.ChoiceFilter(
        label=_("Orden"),
        choices=[
            ("-grade", _("Peor nivel primero")),
            ("grade", _("Mejor nivel primero")),
            ("jass", _("JASS")),
            ("name", _("Nombre del sistema")),
        ],
        empty_label=None,
        method="filter_ordering",
    )

    def filter_q(self, queryset, name, value):
        key = fold(value)
        return queryset.filter(Q(jass__name_search__contains=key) | Q(name__icontains=value))

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value], "pk")


class AssessmentFilter(django_filters.FilterSet):
    """The assessments of `/api/v1/assessments/`."""

    visit = IdFilter(field_name="visit_id")
    water_system = IdFilter(field_name="water_system_id")
    jass = IdFilter(field_name="visit__jass_id")
    district = django_filters.CharFilter(field_name="visit__district_id", max_length=6)

    class Meta:
        model = ServiceAssessment
        fields = ["visit", "water_system", "jass", "district"]
