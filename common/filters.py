"""django-filter pieces shared by every app's FilterSets."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy
from rest_framework.filters import OrderingFilter


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number that fits the database (a bad one is a 400, not a crash)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


GRADE_NONE = "none"


class GradeFilter(django_filters.ChoiceFilter):
    """A service level A–D, or `none`: never assessed (the grade column is null)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "grade")
        kwargs.setdefault(
            "choices", [(g, g) for g in "ABCD"] + [(GRADE_NONE, gettext_lazy("Sin evaluar"))]
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value == GRADE_NONE:
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return super().filter(qs, value)


class NullsLastOrderingFilter(OrderingFilter):
    """DRF's ordering, with the view's `nulls_last_fields` (e.g. a grade never given) last
    whichever the direction, on every database (PostgreSQL puts NULL first when descending)."""

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        last = set(getattr(view, "nulls_last_fields", ()))
        return queryset.order_by(
            *(
                (F(o[1:]).desc(nulls_last=True) if o.startswith("-") else F(o).asc(nulls_last=True))
                if o.lstrip("-") in last
                else o
                for o in ordering
            )
        )
