"""Filters of the populated-centre lists, one FilterSet per list, shared by the page, its export
and the API endpoint (`/api/v1/populated-centres/`), so a value is read and refused the same way
at every door. The page's FilterSet extends the API's with its labels, search and ordering."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from common.validators import no_control_characters

from .models import Area, PopulatedCentre


class PopulatedCentreFilter(django_filters.FilterSet):
    """`/api/v1/populated-centres/`: `district`, `area`, `served` (bool: an open service)."""

    district = django_filters.CharFilter(field_name="district_id", max_length=6)
    department = django_filters.CharFilter(field_name="district__department_id", max_length=2)
    area = django_filters.ChoiceFilter(choices=Area.choices)
    served = django_filters.BooleanFilter(method="filter_served")
    q = django_filters.CharFilter(
        method="filter_q", max_length=100, validators=[no_control_characters]
    )

    class Meta:
        model = PopulatedCentre
        fields = ["district", "department", "area", "served", "q"]

    def filter_served(self, queryset, name, value):
        return queryset.served(value)

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


class PopulatedCentrePageFilter(PopulatedCentreFilter):
    """The district's centre page and its export: one district (the queryset says which)."""

    district = department = None
    q = django_filters.CharFilter(
        method="filter_q", label=_("Buscar"), max_length=100, validators=[no_control_characters]
    )
    area = django_filters.ChoiceFilter(
        label=_("Área"), choices=Area.choices, empty_label=_("Todas")
    )
    served = django_filters.ChoiceFilter(
        label=_("Servicio"),
        choices=[("true", _("Con servicio")), ("false", _("Sin servicio"))],
        empty_label=_("Todos"),
        method="filter_served_choice",
    )
    ordering = django_filters.ChoiceFilter(
        label=_("Orden"),
        choices=[
            ("name", _("Nombre")),
            ("code", _("Código")),
            ("-households", _("Más viviendas")),
            ("households", _("Menos viviendas")),
            ("-population", _("Más población")),
        ],
        empty_label=None,
        method="filter_ordering",
    )

    class Meta:
        model = PopulatedCentre
        fields = ["q", "area", "served", "ordering"]

    def filter_served_choice(self, queryset, name, value):
        return queryset.served(value == "true")

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(value, "pk")
