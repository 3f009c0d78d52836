"""Filters of the registry's lists, one FilterSet per list, shared by the page, its export and
its API endpoint, so a value is read and refused the same way at every door.

The JASS list has two doors with their own published parameter names: the REST list
(`/api/v1/jass/`, every district the user sees) and the district page with its CSV/XLSX export
(one district; its bookmarks name the ordering and offer "any signal" and the community). The
page's FilterSet extends the API's: the same filters, with the page's labels and extras.
"""

from __future__ import annotations

import django_filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from common.filters import GradeFilter, IdFilter
from common.text import fold
from common.validators import no_control_characters

from .models import BoardTerm, Jass, JassKind, JassStatus, WaterSystem
from .risk import Signal, filter_signal

ANY_SIGNAL = "any"


class JassFilter(django_filters.FilterSet):
    """The JASS list of `/api/v1/jass/`. The queryset must come from `risk.with_risk` with its
    SQL flags when `at_risk` or `signal` is given."""

    district = django_filters.CharFilter(field_name="district_id")
    department = django_filters.CharFilter(field_name="district__department_id")
    province = django_filters.CharFilter(field_name="district__province_id")
    status = django_filters.ChoiceFilter(choices=JassStatus.choices)
    kind = django_filters.ChoiceFilter(choices=JassKind.choices)
    at_risk = django_filters.BooleanFilter(field_name="at_risk")
    signal = django_filters.ChoiceFilter(choices=Signal.choices, method="filter_signal")
    # The service level copied from service_grades (A–D, or `none`: never assessed).
    grade = GradeFilter()
    q = django_filters.CharFilter(method="filter_q", max_length=100)

    class Meta:
        model = Jass
        fields = ["district", "department", "province", "status", "kind", "at_risk"]

    def filter_signal(self, queryset, name, value):
        if value == ANY_SIGNAL:
            return queryset.filter(at_risk=True)
        return filter_signal(queryset, value)

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


class JassPageFilter(JassFilter):
    """The district's JASS page and its export: one district (the queryset says which), so no
    place filters; "any signal" instead of `at_risk`; the community served; the ordering. The
    queryset comes ordered by name; `ordering` replaces that order."""

    district = department = province = at_risk = None
    q = django_filters.CharFilter(
        method="filter_q", label=_("Buscar"), max_length=100, validators=[no_control_characters]
    )
    status = django_filters.ChoiceFilter(
        label=_("Estado"), choices=JassStatus.choices, empty_label=_("Todos")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Tipo"), choices=JassKind.choices, empty_label=_("Todos")
    )
    signal = django_filters.ChoiceFilter(
        label=_("Alerta"),
        choices=[(ANY_SIGNAL, _("Con alguna alerta"))] + Signal.choices,
        empty_label=_("Todas"),
        method="filter_signal",
    )
    grade = GradeFilter(label=_("Nivel de servicio"), empty_label=_("Todos"))
    community = django_filters.CharFilter(
        method="filter_community",
        label=_("Centro poblado"),
        max_length=100,
        validators=[no_control_characters],
    )
    ordering = django_filters.ChoiceFilter(
        label=_("Orden"),
        choices=[
            ("name", _("Nombre")),
            ("registry_number", _("N.° de inscripción")),
            ("-recognized_on", _("Reconocimiento más reciente")),
            ("-associates", _("Más asociados")),
            ("-updated_at", _("Modificación más reciente")),
            ("grade", _("Mejor nivel de servicio")),
            ("-grade", _("Peor nivel de servicio")),
        ],
        empty_label=None,
        method="filter_ordering",
    )

    class Meta:
        model = Jass
        fields = ["q", "status", "kind", "signal", "grade", "community", "ordering"]

    def filter_community(self, queryset, name, value):
        return queryset.filter(communities_search__contains=fold(value))

    def filter_ordering(self, queryset, name, value):
        # By grade: the score decides (best or worst first), never assessed last.
        if value == "grade":
            return queryset.order_by(F("score").desc(nulls_last=True), "name", "pk")
        if value == "-grade":
            return queryset.order_by(F("score").asc(nulls_last=True), "name", "pk")
        return queryset.order_by(value, "pk")


class BoardTermFilter(django_filters.FilterSet):
    """The board terms of `/api/v1/board-terms/`."""

    jass = IdFilter(field_name="jass_id")
    district = django_filters.CharFilter(field_name="jass__district_id")

    class Meta:
        model = BoardTerm
        fields = ["jass", "district"]


class WaterSystemFilter(django_filters.FilterSet):
    """The water systems of `/api/v1/water-systems/`."""

    jass = IdFilter(field_name="jass_id")
    district = django_filters.CharFilter(field_name="jass__district_id")
    active = django_filters.BooleanFilter(field_name="retired_on", lookup_expr="isnull")
    grade = GradeFilter()

    class Meta:
        model = WaterSystem
        fields = ["jass", "district", "active", "grade"]
