"""Risk signals (alertas) of a JASS: computed in the query that lists JASS, never stored by hand.

`with_risk(queryset, today)` adds the annotations one listing needs, so a page of thousands of
JASS shows its signals without a query per row; `signals_of(jass)` reads them back with the
reason each fired. The signals read the summary fields that the visits app keeps current
(last training); until visits are recorded, a new board shows "no training recorded".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import BooleanField, Case, OuterRef, Q, Subquery, Value, When
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

BOARD_ENDING_DAYS = 60
TRAINING_WINDOW_DAYS = 90


class Signal(models.TextChoices):
    BOARD_MISSING = "board_missing", gettext_lazy("Sin consejo directivo registrado")
    BOARD_EXPIRED = "board_expired", gettext_lazy("Consejo directivo vencido")
    BOARD_ENDING = "board_ending", gettext_lazy("Consejo directivo por vencer")
    BOARD_UNTRAINED = "board_untrained", gettext_lazy("Nuevo consejo directivo sin capacitación")


@dataclass(frozen=True)
class FiredSignal:
    code: str
    label: str
    reason: str


def _flag(condition: Q) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def with_risk(queryset, today: dt.date):
    """Annotate board dates and one boolean per signal (`risk_<code>`), plus `at_risk`."""
    from .models import BoardTerm, JassStatus

    terms = BoardTerm.objects.filter(jass=OuterRef("pk"))
    current = terms.filter(starts_on__lte=today, ends_on__gte=today).order_by("-starts_on")
    past = terms.filter(starts_on__lte=today).order_by("-ends_on")
    active = Q(status=JassStatus.ACTIVE)
    queryset = queryset.annotate(
        board_starts_on=Subquery(current.values("starts_on")[:1]),
        board_ends_on=Subquery(current.values("ends_on")[:1]),
        board_last_ended_on=Subquery(past.values("ends_on")[:1]),
    )
    flags = {
        Signal.BOARD_MISSING: active & Q(board_last_ended_on__isnull=True),
        Signal.BOARD_EXPIRED: active
        & Q(board_starts_on__isnull=True, board_last_ended_on__isnull=False),
        Signal.BOARD_ENDING: active
        & Q(board_ends_on__lte=today + dt.timedelta(days=BOARD_ENDING_DAYS)),
        Signal.BOARD_UNTRAINED: active
        & Q(board_starts_on__lte=today - dt.timedelta(days=TRAINING_WINDOW_DAYS))
        & (Q(last_training_on__isnull=True) | Q(last_training_on__lt=models.F("board_starts_on"))),
    }
    queryset = queryset.annotate(**{f"risk_{code}": _flag(cond) for code, cond in flags.items()})
    any_signal = Q()
    for code in flags:
        any_signal |= Q(**{f"risk_{code}": True})
    return queryset.annotate(at_risk=_flag(any_signal))


def filter_signal(queryset, code: str):
    """Rows where the signal `code` fires (the queryset must come from with_risk)."""
    if code not in Signal.values:
        return queryset.none()
    return queryset.filter(**{f"risk_{code}": True})


def signal_codes(jass) -> list[str]:
    return [code for code in Signal.values if getattr(jass, f"risk_{code}", False)]


def signals_of(jass) -> list[FiredSignal]:
    """The fired signals of an annotated JASS, each with the reason in words."""
    fired = []
    for code in signal_codes(jass):
        fired.append(FiredSignal(code, str(Signal(code).label), _reason(code, jass)))
    return fired


def _d(value: dt.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def _reason(code: str, jass) -> str:
    if code == Signal.BOARD_MISSING:
        return _("No hay ningún periodo del consejo directivo registrado.")
    if code == Signal.BOARD_EXPIRED:
        return _("El último periodo terminó el %(date)s y no se registró uno nuevo.") % {
            "date": _d(jass.board_last_ended_on)
        }
    if code == Signal.BOARD_ENDING:
        return _("El periodo vigente termina el %(date)s (en menos de %(days)d días).") % {
            "date": _d(jass.board_ends_on),
            "days": BOARD_ENDING_DAYS,
        }
    if code == Signal.BOARD_UNTRAINED:
        if jass.last_training_on is None:
            return _(
                "El consejo directivo inició el %(date)s y no tiene capacitación registrada."
            ) % {"date": _d(jass.board_starts_on)}
        return _(
            "El consejo directivo inició el %(date)s; la última capacitación fue el %(last)s, "
            "antes de su inicio."
        ) % {"date": _d(jass.board_starts_on), "last": _d(jass.last_training_on)}
    return ""
