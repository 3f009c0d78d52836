"""The one rule of who sees which district's data, and the fetch helpers that apply it.

Every `visible_to(user)` queryset method calls `scoped` with the lookup that leads from its
model to the district, so pages, API and exports share one rule: ATM staff see their own
district, reviewers and admins every district, anyone else nothing. Outside that scope an object
answers 404 (its existence is not revealed)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _


def scoped(queryset, user, district_lookup: str):
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    if user.sees_all_districts:
        return queryset
    if user.district_id:
        return queryset.filter(**{district_lookup: user.district_id})
    return queryset.none()


def district_for_read(user, ubigeo: str):
    """The district whose workspace the user may open, or 404."""
    from .models import District

    return get_object_or_404(District.objects.workspaces_visible_to(user).with_place(), pk=ubigeo)


def district_for_write(user, ubigeo: str):
    """The district, if the user is one of its ATM staff: 404 outside the scope, 403 for a
    reviewer (who may read but never write)."""
    district = district_for_read(user, ubigeo)
    if not user.is_staff_of(district.ubigeo):
        raise PermissionDenied(_("Solo el personal del ATM del distrito registra y modifica."))
    return district
