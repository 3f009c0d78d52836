"""The engine's vocabulary: check kinds and the parameters each one takes.

A wrong parameter is reported when the requirement is saved (admin, API, JSON import), never
discovered as a crash in a run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jass_registry.standards import ADEQUATE_CHLORINE_MG_L, CHLORINE_WINDOW_DAYS


class CheckKind(models.TextChoices):
    EVIDENCE = "evidence", gettext_lazy("Evidencia aprobada por el revisor")
    OFFICE_BUDGET = "office_budget", gettext_lazy("Presupuesto PIA del ATM")
    JASS_REGISTERED_RATIO = (
        "jass_registered_ratio",
        gettext_lazy("Proporción de JASS inscritas y reconocidas"),
    )
    JASS_VISITED_RATIO = "jass_visited_ratio", gettext_lazy("Proporción de JASS activas visitadas")
    CHLORINATION_RATIO = (
        "chlorination_ratio",
        gettext_lazy("Proporción de sistemas con cloro adecuado"),
    )
    BOARD_CURRENT_RATIO = (
        "board_current_ratio",
        gettext_lazy("Proporción de JASS con consejo directivo vigente"),
    )
    BOARD_TRAINED_RATIO = (
        "board_trained_ratio",
        gettext_lazy("Proporción de consejos directivos capacitados"),
    )
    JASS_COUNT_MIN = "jass_count_min", gettext_lazy("Número mínimo de JASS inscritas")
    HEAD_DESIGNATED_BY = (
        "head_designated_by",
        gettext_lazy("Responsable del ATM designado por resolución hasta una fecha"),
    )
    REGISTRY_UPDATED_SINCE = (
        "registry_updated_since",
        gettext_lazy(
            "Proporción de JASS activas con registro actualizado o visitadas desde una fecha"
        ),
    )
    COVERAGE_RATIO = (
        "coverage_ratio",
        gettext_lazy("Cobertura: viviendas con servicio de los centros poblados rurales"),
    )
    GRADE_RATIO = (
        "grade_ratio",
        gettext_lazy("Proporción de JASS activas con nivel de servicio mínimo"),
    )


# name -> (type, required, default)
SPECS: dict[str, dict[str, tuple[str, bool, Any]]] = {
    CheckKind.EVIDENCE: {"doc_type": ("slug", True, None)},
    CheckKind.OFFICE_BUDGET: {"year": ("year", True, None), "min_amount": ("decimal", True, None)},
    CheckKind.JASS_REGISTERED_RATIO: {"min_ratio": ("ratio", True, None)},
    CheckKind.JASS_VISITED_RATIO: {
        "min_ratio": ("ratio", True, None),
        "min_visits": ("count", False, 1),
        "from": ("date", True, None),
    },
    CheckKind.CHLORINATION_RATIO: {
        "min_ratio": ("ratio", True, None),
        "min_mg_l": ("decimal", False, str(ADEQUATE_CHLORINE_MG_L)),
        "window_days": ("count", False, CHLORINE_WINDOW_DAYS),
    },
    CheckKind.BOARD_CURRENT_RATIO: {"min_ratio": ("ratio", True, None)},
    CheckKind.BOARD_TRAINED_RATIO: {"min_ratio": ("ratio", True, None)},
    CheckKind.JASS_COUNT_MIN: {"min_count": ("count", True, None)},
    CheckKind.HEAD_DESIGNATED_BY: {"by": ("date", True, None)},
    CheckKind.REGISTRY_UPDATED_SINCE: {
        "min_ratio": ("ratio", True, None),
        "from": ("date", True, None),
    },
    CheckKind.COVERAGE_RATIO: {"min_ratio": ("ratio", True, None)},
    CheckKind.GRADE_RATIO: {
        "min_grade": ("grade", True, None),
        "min_ratio": ("ratio", True, None),
    },
}

# Service grades, best first (SIASAR's A–D): "min_grade B" counts A and B.
GRADES = ("A", "B", "C", "D")


def _convert(kind: str, value: Any):
    if kind == "slug":
        if (
            not isinstance(value, str)
            or not value
            or not value.replace("_", "").replace("-", "").isalnum()
        ):
            raise ValueError(_("debe ser un código de letras, números, - o _"))
        return value
    if kind in ("year", "count"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(_("debe ser un número entero"))
        if kind == "year" and not 2009 <= value <= 2100:
            raise ValueError(_("debe ser un año entre 2009 y 2100"))
        if kind == "count" and value < 0:
            raise ValueError(_("no puede ser negativo"))
        return value
    if kind in ("decimal", "ratio"):
        if isinstance(value, bool):
            raise ValueError(_("debe ser un número"))
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError(_("debe ser un número")) from exc
        if not number.is_finite() or number < 0:
            raise ValueError(_("debe ser un número no negativo"))
        if kind == "ratio" and number > 1:
            raise ValueError(_("debe estar entre 0 y 1"))
        return number
    if kind == "grade":
        if value not in GRADES:
            raise ValueError(_("debe ser un nivel de servicio: A, B, C o D"))
        return value
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ValueError(_("debe ser una fecha AAAA-MM-DD")) from exc
    raise ValueError(kind)


def validate_params(kind: str, params: Any) -> list[str]:
    """Messages for every problem of `params` for the check `kind` (empty when valid)."""
    if kind not in SPECS:
        return [_("Tipo de verificación desconocido: %(k)s.") % {"k": kind}]
    if not isinstance(params, dict):
        return [_("Los parámetros deben ser un objeto JSON.")]
    spec = SPECS[kind]
    errors = []
    for name in params:
        if name not in spec:
            errors.append(_("Parámetro no previsto: %(n)s.") % {"n": name})
    for name, (type_, required, _default) in spec.items():
        if name not in params:
            if required:
                errors.append(_("Falta el parámetro %(n)s.") % {"n": name})
            continue
        try:
            _convert(type_, params[name])
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
    return errors


def parsed_params(kind: str, params: dict) -> dict[str, Any]:
    """Typed parameters with defaults (the params must be valid)."""
    out = {}
    for name, (type_, _required, default) in SPECS[kind].items():
        value = params.get(name, default)
        out[name] = None if value is None else _convert(type_, value)
    return out
