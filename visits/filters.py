"""Filters of the visit lists, one FilterSet per list, shared by the page, its export and its
API endpoint, so a value is read and refused the same way at every door.

The visit list has two doors with their own published parameter names: the REST list
(`/api/v1/visits/`: staff by username, `date_from`/`date_to`) and the district page with its
CSV/XLSX export (one district; its bookmarks name the staff by id and the dates `start`/`end`).
The page's FilterSet extends the API's with the page's names and labels. The agreements page
has its own small FilterSet.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from common.filters import IdFilter
from jass_registry.models import Jass
from territory.forms import DateInput
from territory.models import User

from .models import Agreement, Visit, VisitKind


class VisitFilter(django_filters.FilterSet):
    """The visits of `/api/v1/visits/`."""

    jass = IdFilter(field_name="jass_id")
    district = django_filters.CharFilter(field_name="jass__district_id")
    department = django_filters.CharFilter(field_name="jass__district__department_id")
    kind = django_filters.ChoiceFilter(choices=VisitKind.choices)
    staff = django_filters.CharFilter(field_name="staff__username")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = ["jass", "district", "department", "kind", "staff", "date_from", "date_to"]


class _DateRangeForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("«Desde» debe ser anterior a «Hasta»."))
        return data


class VisitPageFilter(VisitFilter):
    """The district's visit page and its export: one district (the queryset says which), its
    JASS and its staff offered as choices, the dates as `start` and `end`."""

    district = department = date_from = date_to = None
    jass = django_filters.ModelChoiceFilter(queryset=Jass.objects.none(), label=_("JASS"))
    kind = django_filters.ChoiceFilter(
        label=_("Tipo"), choices=VisitKind.choices, empty_label=_("Todos")
    )
    staff = django_filters.ChoiceFilter(
        field_name="staff_id", label=_("Personal"), empty_label=_("Todos")
    )
    start = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label=_("Desde"), widget=DateInput()
    )
    end = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label=_("Hasta"), widget=DateInput()
    )

    class Meta:
        model = Visit
        fields = ["jass", "kind", "staff", "start", "end"]
        form = _DateRangeForm

    def __init__(self, *args, district_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["jass"].queryset = Jass.objects.filter(district_id=district_id).only(
            "pk", "name"
        )
        self.filters["staff"].extra["choices"] = [
            (u.pk, u.get_full_name() or u.username)
            for u in User.objects.filter(district_id=district_id).only(
                "pk", "first_name", "last_name", "username"
            )
        ]


class _OnlyOneMeansYes(forms.Widget):
    """`done=1` and no other value means yes, as the page's links have always said."""

    def value_from_datadict(self, data, files, name):
        return data.get(name) == "1"


class AgreementFilter(django_filters.FilterSet):
    """The district's agreements page: the open ones, overdue first; with `done=1` the
    fulfilled ones, the latest first."""

    done = django_filters.BooleanFilter(method="filter_done", widget=_OnlyOneMeansYes())

    class Meta:
        model = Agreement
        fields = ["done"]

    def filter_done(self, queryset, name, value):
        if value:
            return queryset.exclude(done_on=None).order_by("-done_on")
        return queryset.open().order_by("due_on", "id")
