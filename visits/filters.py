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
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.filters import IdFilter
from common.text import fold
from jass_registry.models import Jass
from territory.forms import DateInput
from territory.models import User

from .models import Agreement, ScheduledVisit, Visit, VisitKind
from .schedule import ScheduleState, district_staff, state_condition


class VisitFilter(django_filters.FilterSet):
    """The visits of `/api/v1/visits/`."""

    jass = IdFilter(field_name="jass_id")
    district = django_filters.CharFilter(field_name="district_id", max_length=6)
    department = django_filters.CharFilter(field_name="district__department_id", max_length=2)
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


# --- the agenda (issue 13 part 4) ----------------------------------------------------------------


class MonthField(forms.CharField):
    """A month as `YYYY-MM` (what `<input type="month">` sends), 2000-01 to 2100-12."""

    widget = forms.TextInput(attrs={"type": "month", "min": "2000-01", "max": "2100-12"})

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        super().__init__(**kwargs)

    def to_python(self, value):
        raw = super().to_python(value)
        if not raw:
            return None
        year, _sep, month = raw.partition("-")
        if not (
            len(year) == 4
            and len(month) == 2
            and (year + month).isascii()
            and (year + month).isdigit()
            and 2000 <= int(year) <= 2100
            and 1 <= int(month) <= 12
        ):
            raise forms.ValidationError(_("Indique el mes como AAAA-MM (por ejemplo 2026-03)."))
        return int(year), int(month)


class MonthFilter(django_filters.Filter):
    field_class = MonthField

    def filter(self, qs, value):
        if not value:
            return qs
        year, month = value
        return qs.filter(date__year=year, date__month=month)


STAFF_NONE = "none"


class ScheduledVisitFilter(django_filters.FilterSet):
    """The district's agenda (list page and its CSV/XLSX export): a month, a staff member (or
    nobody yet), a JASS, a state (programada, atrasada, realizada, cancelada) on `today`, and a
    search in the JASS's name and the purpose."""

    q = django_filters.CharFilter(method="filter_q", label=_("Buscar"), max_length=100, strip=True)
    month = MonthFilter(label=_("Mes"))
    staff = django_filters.ChoiceFilter(
        method="filter_staff", label=_("Personal"), empty_label=_("Todos")
    )
    jass = django_filters.ModelChoiceFilter(
        queryset=Jass.objects.none(), label=_("JASS"), empty_label=_("Todas")
    )
    state = django_filters.ChoiceFilter(
        method="filter_state", label=_("Estado"), empty_label=_("Todos")
    )

    class Meta:
        model = ScheduledVisit
        fields = ["q", "month", "staff", "jass", "state"]

    def __init__(self, *args, district_id: str, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.filters["jass"].queryset = Jass.objects.filter(district_id=district_id).only(
            "pk", "name"
        )
        self.filters["staff"].extra["choices"] = [
            (u.pk, u.get_full_name() or u.username)
            for u in district_staff(district_id).only("pk", "first_name", "last_name", "username")
        ] + [(STAFF_NONE, _("Sin asignar"))]
        self.filters["state"].extra["choices"] = ScheduleState.choices

    def filter_q(self, queryset, name, value):
        # The JASS's name through its folded copy (accents and case ignored on any database).
        key = fold(value)
        return queryset.filter(Q(jass__name_search__contains=key) | Q(purpose__icontains=value))

    def filter_staff(self, queryset, name, value):
        if value == STAFF_NONE:
            return queryset.filter(staff__isnull=True)
        return queryset.filter(staff_id=value)

    def filter_state(self, queryset, name, value):
        return queryset.filter(state_condition(value, self.today))
