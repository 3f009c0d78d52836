"""Risk signals (alertas) of a JASS: computed in the query that lists JASS, never stored by hand.

`with_risk(queryset, today)`, read as `Jass.objects.in_district(d).with_risk(today)`, adds the
annotations one listing needs, so a page of thousands of JASS shows its signals without a query
per row; `signals_of(jass)` reads them back with the
reason each fired. The signals read the summary fields that the visits app keeps current
(last training); until visits are recorded, a new board shows "no training recorded".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connections, models
from django.db.models import BooleanField, Case, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.utils.formats import date_format, number_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .standards import (
    ADEQUATE_CHLORINE_MG_L,
    BOARD_ENDING_DAYS,
    CHLORINE_WINDOW_DAYS,
    FINANCE_REVIEW_DAYS,
    FINANCE_REVIEW_MONTHS,
    TRAINING_WINDOW_DAYS,
    VISIT_GAP_DAYS,
)


class Signal(models.TextChoices):
    BOARD_MISSING = "board_missing", gettext_lazy("Sin consejo directivo registrado")
    BOARD_EXPIRED = "board_expired", gettext_lazy("Consejo directivo vencido")
    BOARD_ENDING = "board_ending", gettext_lazy("Consejo directivo por vencer")
    BOARD_UNTRAINED = "board_untrained", gettext_lazy("Nuevo consejo directivo sin capacitación")
    CHLORINE = "chlorine", gettext_lazy("Cloración insuficiente")
    # format_lazy: the label is built at import and translated when shown.
    NO_FINANCE_REVIEW = (
        "no_finance_review",
        format_lazy(
            gettext_lazy("Sin revisión de cuentas en {months} meses"),
            months=FINANCE_REVIEW_MONTHS,
        ),
    )
    NO_RECENT_VISIT = (
        "no_recent_visit",
        format_lazy(gettext_lazy("Sin visita en {days} días"), days=VISIT_GAP_DAYS),
    )


SIGNAL_CODES = tuple(Signal.values)  # `Signal.values` builds a new list on every call


@dataclass(frozen=True)
class FiredSignal:
    code: str
    label: str
    reason: str


def _flag(condition: Q) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def with_risk(queryset, today: dt.date, flags: bool = True):
    """Annotate board dates and one boolean per signal (`risk_<code>`), plus `at_risk` and
    `risk_count` (how many signals fire, to list the worst first).

    With `flags=False` only the four facts the signals are made of are annotated (board dates,
    one poorly chlorinated system) and `python_flags` decides the signals row by row: the SQL
    flags repeat every subquery in each flag and in `risk_count`, which costs more to build and
    plan than a page of 50 rows is worth. Use the full form to filter or order by a signal.
    """
    queryset = _with_facts(queryset, today)
    if not flags:
        return queryset.annotate(risk_today=Value(today, output_field=models.DateField()))
    conditions = _signal_conditions(today)
    queryset = queryset.annotate(
        **{f"risk_{code}": _flag(cond) for code, cond in conditions.items()}
    )
    any_signal = Q()
    for code in conditions:
        any_signal |= Q(**{f"risk_{code}": True})
    return queryset.annotate(at_risk=_flag(any_signal), risk_count=_risk_count(conditions))


def _risk_count(conditions: dict[Signal, Q]):
    """How many of the conditions hold (0 when none)."""
    return sum(
        (Case(When(cond, then=Value(1)), default=Value(0)) for cond in conditions.values()),
        start=Value(0),
    )


def _with_facts(queryset, today: dt.date):
    """The four facts the signals are made of: the current board's dates, when the last board
    ended, and one poorly chlorinated water system (if any)."""
    from .models import BoardTerm, WaterSystem

    terms = BoardTerm.objects.filter(jass=OuterRef("pk"))
    current = terms.filter(starts_on__lte=today, ends_on__gte=today).order_by("-starts_on")
    past = terms.filter(starts_on__lte=today).order_by("-ends_on")
    systems = WaterSystem.objects.filter(jass=OuterRef("pk"), retired_on__isnull=True)
    window = today - dt.timedelta(days=CHLORINE_WINDOW_DAYS)
    # Chlorine judged where people drink (visits/chlorine.py): the summary holds the reading
    # that decides, from the network; it must be in the window and at least the standard.
    poorly_chlorinated = systems.filter(
        Q(network_reading_on__isnull=True)
        | Q(network_reading_on__lt=window)
        | Q(network_reading_mg_l__lt=ADEQUATE_CHLORINE_MG_L)
    )
    return queryset.annotate(
        board_starts_on=Subquery(current.values("starts_on")[:1]),
        board_ends_on=Subquery(current.values("ends_on")[:1]),
        board_last_ended_on=Subquery(past.values("ends_on")[:1]),
        # One such system's id, not EXISTS: PostgreSQL plans an EXISTS here as a hashed
        # subplan that scans every water system in the country (45,000 rows, ~20 ms, once per
        # reference), even for a page of 50 JASS; a LIMIT 1 subquery probes the index per row.
        poorly_chlorinated_system=Subquery(poorly_chlorinated.values("pk")[:1]),
    )


def _signal_conditions(today: dt.date) -> dict[Signal, Q]:
    """When each signal fires, over the facts of `_with_facts` and the summary fields (the
    same rules as `python_flags`)."""
    from .models import JassStatus

    active = Q(status=JassStatus.ACTIVE)
    return {
        Signal.BOARD_MISSING: active & Q(board_last_ended_on__isnull=True),
        Signal.BOARD_EXPIRED: active
        & Q(board_starts_on__isnull=True, board_last_ended_on__isnull=False),
        Signal.BOARD_ENDING: active
        & Q(board_ends_on__lte=today + dt.timedelta(days=BOARD_ENDING_DAYS)),
        Signal.BOARD_UNTRAINED: active
        & Q(board_starts_on__lte=today - dt.timedelta(days=TRAINING_WINDOW_DAYS))
        & (Q(last_training_on__isnull=True) | Q(last_training_on__lt=models.F("board_starts_on"))),
        Signal.CHLORINE: active & Q(poorly_chlorinated_system__isnull=False),
        Signal.NO_FINANCE_REVIEW: active
        & (
            Q(last_finance_review_on__isnull=True)
            | Q(last_finance_review_on__lt=today - dt.timedelta(days=FINANCE_REVIEW_DAYS))
        ),
        Signal.NO_RECENT_VISIT: active
        & (
            Q(last_visit_on__isnull=True)
            | Q(last_visit_on__lt=today - dt.timedelta(days=VISIT_GAP_DAYS))
        ),
    }


# The facts of `_with_facts`, by the field that types each column.
FACTS = {
    "board_starts_on": models.DateField(),
    "board_ends_on": models.DateField(),
    "board_last_ended_on": models.DateField(),
    "poorly_chlorinated_system": models.BigIntegerField(),
}


def worst_first(queryset, today: dt.date, limit: int) -> list:
    """The first `limit` JASS of `queryset` at risk, the most signals first, then by name (and
    id: two JASS may share a name): the rows of `with_risk(queryset, today)
    .filter(at_risk=True).order_by("-risk_count", "name", "pk")`, in one query, with the facts
    and `risk_today` that `signals_of` reads back.

    That form repeats each fact's subquery in every flag, in `at_risk` and in `risk_count`:
    PostgreSQL probes the board terms and systems some 17 times per JASS (16 ms for the
    district with the most JASS) after Django spent longer still building the SQL. Here the
    facts are computed once per JASS in a materialized CTE and the same conditions
    (`_signal_conditions`) are counted over its columns: SQL the ORM cannot write (a query over
    a CTE), so the outer query is the ORM's over the table's name, given the CTE under it."""
    from .models import Jass

    connection = connections[queryset.db]
    table = connection.ops.quote_name(Jass._meta.db_table)
    facts = _with_facts(queryset.order_by(), today)
    facts_sql, facts_params = facts.query.get_compiler(queryset.db).as_sql()
    columns = {
        name: RawSQL(f"{table}.{connection.ops.quote_name(name)}", (), output_field=field)
        for name, field in FACTS.items()
    }
    # Ordered by the count, the rows without signals come last: dropped below rather than
    # filtered in SQL, where Django would build the count a second time.
    outer = Jass.objects.annotate(
        **columns, risk_count=_risk_count(_signal_conditions(today))
    ).order_by("-risk_count", "name", "pk")[:limit]
    outer_sql, outer_params = outer.query.get_compiler(queryset.db).as_sql()
    from_table = f"FROM {table} "
    if outer_sql.count(from_table) != 1:  # the ORM's form changed: fail loudly, never misread
        raise AssertionError(outer_sql)
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    sql = f"WITH risk_facts AS {materialized}({facts_sql}) " + outer_sql.replace(
        from_table, f"FROM risk_facts {table} "
    )
    raw = Jass.objects.db_manager(queryset.db).raw(sql, (*facts_params, *outer_params))
    rows = [jass for jass in raw if jass.risk_count]
    for jass in rows:
        # A raw query leaves extra columns as the driver returns them (text dates on SQLite).
        for name, field in FACTS.items():
            setattr(jass, name, field.to_python(getattr(jass, name)))
        jass.risk_today = today
    return rows


def filter_signal(queryset, code: str):
    """Rows where the signal `code` fires (the queryset must come from with_risk)."""
    if code not in Signal.values:
        return queryset.none()
    return queryset.filter(**{f"risk_{code}": True})


def python_flags(jass, today: dt.date) -> dict[str, bool]:
    """The signals of `with_risk` decided in Python from its four facts (same rules as the SQL
    flags; a test compares the two on every kind of JASS)."""
    from .models import JassStatus

    if jass.status != JassStatus.ACTIVE:
        return dict.fromkeys(SIGNAL_CODES, False)
    starts, ends, last_ended = jass.board_starts_on, jass.board_ends_on, jass.board_last_ended_on
    training, finance, visit = (
        jass.last_training_on,
        jass.last_finance_review_on,
        jass.last_visit_on,
    )
    return {
        Signal.BOARD_MISSING: last_ended is None,
        Signal.BOARD_EXPIRED: starts is None and last_ended is not None,
        Signal.BOARD_ENDING: ends is not None
        and ends <= today + dt.timedelta(days=BOARD_ENDING_DAYS),
        Signal.BOARD_UNTRAINED: starts is not None
        and starts <= today - dt.timedelta(days=TRAINING_WINDOW_DAYS)
        and (training is None or training < starts),
        Signal.CHLORINE: jass.poorly_chlorinated_system is not None,
        Signal.NO_FINANCE_REVIEW: finance is None
        or finance < today - dt.timedelta(days=FINANCE_REVIEW_DAYS),
        Signal.NO_RECENT_VISIT: visit is None or visit < today - dt.timedelta(days=VISIT_GAP_DAYS),
    }


def signal_codes(jass) -> list[str]:
    if not hasattr(jass, "risk_board_missing") and hasattr(jass, "risk_today"):
        fired = python_flags(jass, jass.risk_today)
        return [code for code in SIGNAL_CODES if fired[code]]
    return [code for code in SIGNAL_CODES if getattr(jass, f"risk_{code}", False)]


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
    if code == Signal.CHLORINE:
        return _(
            "Algún sistema de agua no tiene cloro residual de al menos %(adequate)s mg/L en la "
            "red en los últimos %(days)d días: decide la última vivienda (o, sin ella, la "
            "primera) del último día medido; una medición en el reservorio muestra la "
            "dosificación, no el agua en el grifo."
        ) % {
            "adequate": number_format(ADEQUATE_CHLORINE_MG_L, 1),
            "days": CHLORINE_WINDOW_DAYS,
        }
    if code == Signal.NO_FINANCE_REVIEW:
        if jass.last_finance_review_on is None:
            return _("No hay revisión de cuentas registrada.")
        return _("La última revisión de cuentas fue el %(date)s.") % {
            "date": _d(jass.last_finance_review_on)
        }
    if code == Signal.NO_RECENT_VISIT:
        if jass.last_visit_on is None:
            return _("No hay visitas registradas.")
        return _("La última visita fue el %(date)s.") % {"date": _d(jass.last_visit_on)}
    return ""
