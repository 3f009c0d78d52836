"""The one rule of who sees which district's data, the rights, and the helpers that apply them.

Every `visible_to(user)` queryset method calls `scoped` with the lookup that leads from its
model to the district, so pages, API and exports share one rule: ATM staff see their own
district, reviewers and admins every district, anyone else nothing. Outside that scope an object
answers 404 (its existence is not revealed).

The rights are properties of `User`: `is_staff_of(district)` writes a district's data,
`can_review` reviews and runs the goal engine, `sees_all_districts` reads every district.
Pages check them with `district_for_write`, `require_staff_of`, `reviewer_required` and
`require_reviewer`; the API with `IsReviewer`, `DistrictStaffWrites`, `OwnDistrictObjects` and
`OwnDistrictRelatedField`. Scope first, then the right: another district's object is 404 before
any 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from rest_framework import permissions, serializers

STAFF_ONLY = gettext_lazy("Solo el personal del ATM del distrito registra y modifica.")


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


def district_for_write(user, ubigeo: str, *, refusal: str | None = None):
    """The district, if the user is one of its ATM staff: 404 outside the scope, 403 (with
    `refusal`, the page's own words) for a reviewer, who may read but never write."""
    district = district_for_read(user, ubigeo)
    require_staff_of(user, district.ubigeo, refusal or STAFF_ONLY)
    return district


def require_staff_of(user, district_id: str, refusal: str) -> None:
    """403 with `refusal` (the page's own words) unless the user is one of the district's ATM
    staff (`User.is_staff_of`), the only ones who write its data. Call it on an object fetched
    through its scope, so that another district's object answers 404 first."""
    if not user.is_staff_of(district_id):
        raise PermissionDenied(refusal)


HEAD_ONLY = gettext_lazy("Solo el o la responsable del ATM del distrito puede hacer esto.")


def is_head_of(user, district_id: str) -> bool:
    """The district's ATM head (Role.ATM_HEAD): the one who answers for its personal data under
    Ley 29733 (access and rectification requests)."""
    from .models import Role

    return (
        bool(user.is_authenticated and user.is_staff_of(district_id)) and user.role == Role.ATM_HEAD
    )


def require_head_of(user, district_id: str, refusal: str = HEAD_ONLY) -> None:
    """403 with `refusal` unless the user is the district's ATM head (`is_head_of`). Fetch the
    object through its scope first, so that another district answers 404."""
    if not is_head_of(user, district_id):
        raise PermissionDenied(refusal)


def require_head_or_reviewer(user, district_id: str, refusal: str) -> None:
    """403 with `refusal` unless the user is the district's ATM head (`Role.ATM_HEAD` of that
    district) or holds the review right: pages that oversee the office's own staff, such as
    the district's activity (ato/activity.py). As with `require_staff_of`, fetch the district
    through its scope first, so that another district answers 404."""
    from .models import Role

    head = user.is_staff_of(district_id) and user.role == Role.ATM_HEAD
    if not (head or user.can_review):
        raise PermissionDenied(refusal)


# --- rights on pages --------------------------------------------------------------------------

REVIEWERS_ONLY = gettext_lazy("Esta acción es para los revisores del sector.")


def require_reviewer(user, refusal: str = REVIEWERS_ONLY) -> None:
    """403 with `refusal` unless the user holds the review right (`User.can_review`). Where an
    object of a district is at stake, fetch it through its scope first, so that another
    district's object answers 404 before this answers 403."""
    if not (user.is_authenticated and user.can_review):
        raise PermissionDenied(refusal)


def reviewer_required(view=None, *, refusal: str = REVIEWERS_ONLY):
    """View decorator: the whole view is for reviewers (see `require_reviewer`). Put it under
    `login_required`, so that the anonymous are sent to sign in."""

    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            require_reviewer(request.user, refusal)
            return view(request, *args, **kwargs)

        return checked

    return decorate if view is None else decorate(view)


# --- rights in the API ------------------------------------------------------------------------


class IsReviewer(permissions.BasePermission):
    """The review right (`User.can_review`) for an endpoint or an action."""

    message = gettext_lazy("Solo un revisor del sector puede hacer esto.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.can_review)


class DistrictStaffWrites(permissions.BasePermission):
    """Reads for every signed-in role; writes only for ATM staff. Their own district is
    enforced by the scoped querysets, by `OwnDistrictRelatedField` and by `OwnDistrictObjects`."""

    message = gettext_lazy("Su rol no permite modificar el registro.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or request.user.is_atm


class OwnDistrictObjects:
    """Viewset mixin: an object is written only by its own district's staff (403 otherwise).
    Reads stay with the viewset's scoped queryset. `district_of` reads the object's district,
    e.g. `attrgetter("jass.district_id")`."""

    district_of: Callable[[Any], str]

    def get_object(self):
        obj = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS and not (
            self.request.user.is_staff_of(self.district_of(obj))
        ):
            # Only a user who sees every district reaches another district's object here.
            self.permission_denied(self.request)
        return obj


class OwnDistrictRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object of the request user's own district, the only ones they may write to:
    another district's id answers "does not exist" (its existence is not revealed).
    `district_lookup` leads from the queryset's model to the district, as in `scoped`."""

    def __init__(self, *, district_lookup: str = "district_id", **kwargs):
        self.district_lookup = district_lookup
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return scoped(super().get_queryset(), user, self.district_lookup).filter(
            **{self.district_lookup: getattr(user, "district_id", None)}
        )
