"""A stored score's components in words: what each one is, its value and weight as a person
reads them ("67 %"), what it adds to the score, and the facts behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .grading import WEIGHTS
from .models import COMPONENTS, TREATMENT_CHOICES, ServiceAssessment

LABELS = {
    "infrastructure": gettext_lazy("Infraestructura (estado de sus componentes)"),
    "continuity": gettext_lazy("Continuidad (horas de servicio al día)"),
    "water_quality": gettext_lazy("Calidad del agua (cloro residual en la red)"),
    "systems": gettext_lazy("Servicio de sus sistemas de agua"),
    "associates_paid": gettext_lazy("Asociados al día en su cuota"),
    "board_current": gettext_lazy("Consejo directivo vigente"),
    "board_trained": gettext_lazy("Consejo directivo capacitado"),
    "accounts_reviewed": gettext_lazy("Cuentas revisadas en los últimos 12 meses"),
    "visited": gettext_lazy("Visitada por el ATM en los últimos 12 meses"),
}


def percent(value) -> str:
    """36 %, as a Peruvian reads it."""
    return f"{number_format(round(Decimal(str(value)) * 100), 0)} %"


def _day(iso: str | None) -> str:
    return date_format(dt.date.fromisoformat(iso), "SHORT_DATE_FORMAT") if iso else ""


def _condition_words(conditions: dict) -> str:
    labels = dict(TREATMENT_CHOICES)
    names = {
        name: capfirst(ServiceAssessment._meta.get_field(name).verbose_name) for name in COMPONENTS
    }
    return " · ".join(
        f"{names[name]}: {labels.get(conditions.get(name), '—')}" for name in COMPONENTS
    )


def _detail(name: str, part: dict) -> str:
    """The facts behind one component, in a sentence."""
    if name == "infrastructure":
        return _condition_words(part.get("conditions", {}))
    if name == "continuity":
        return _("%(dry)s h en época seca, %(rainy)s h en época de lluvias") % {
            "dry": part.get("hours_dry"),
            "rainy": part.get("hours_rainy"),
        }
    if name == "water_quality":
        if not part.get("network_mg_l"):
            return _("Sin medición en la red (primera o última vivienda) en los últimos 60 días.")
        return _("%(mg)s mg/L en la red el %(day)s") % {
            "mg": number_format(Decimal(part["network_mg_l"]), 2),
            "day": _day(part.get("network_on")),
        }
    if name == "systems":
        return _("Promedio de %(n)s sistema(s) calificado(s)") % {"n": part.get("count", 0)}
    if name == "associates_paid":
        if not part.get("associates"):
            return _("Sin dato de asociados en las evaluaciones.")
        return _("%(paid)s de %(total)s asociados al día (evaluación del %(day)s)") % {
            "paid": number_format(part.get("paid") or 0),
            "total": number_format(part["associates"]),
            "day": _day(part.get("on")),
        }
    if name == "board_current":
        if part.get("since"):
            return _("Periodo iniciado el %(day)s") % {"day": _day(part["since"])}
        return _("Sin consejo directivo vigente.")
    dated = {
        "board_trained": (_("Capacitación el %(day)s"), _("Sin capacitación en el periodo.")),
        "accounts_reviewed": (_("Última revisión el %(day)s"), _("Sin revisión de cuentas.")),
        "visited": (_("Última visita el %(day)s"), _("Sin visitas.")),
    }
    done, missing = dated[name]
    return done % {"day": _day(part["on"])} if part.get("on") else missing


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    value: str
    weight: str
    points: str
    detail: str
    full: bool


def explain(subject: str, components: dict) -> list[Row]:
    """One row per weighted component of a stored score, in the formula's order."""
    rows = []
    for name in WEIGHTS[subject]:
        part = components.get(name, {})
        value = Decimal(str(part.get("value", 0)))
        weight = Decimal(str(part.get("weight", WEIGHTS[subject][name])))
        rows.append(
            Row(
                name=name,
                label=str(LABELS[name]),
                value=percent(value),
                weight=percent(weight),
                points=number_format((value * weight).quantize(Decimal("0.001")), 3),
                detail=_detail(name, part),
                full=value >= 1,
            )
        )
    return rows
