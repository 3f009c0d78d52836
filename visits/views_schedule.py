"""The agenda's pages: the district's list of planned visits (with its export), the month
calendar, "Mi semana", and the forms to plan, re-plan and cancel. The rules are in
visits/schedule.py; these pages read and call it."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import ExtractMonth
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from common.exporting import export_response
from jass_registry.models import Jass, JassStatus
from territory.access import district_for_read, district_for_write, require_staff_of
from territory.models import District

from . import schedule, services
from .filters import ScheduledVisitFilter
from .forms_schedule import CancelScheduledForm, PlanMonthForm, ScheduledVisitForm
from .models import ScheduledVisit, Visit, VisitKind
from .schedule import ScheduleState

PAGE_SIZE = 50
PLAN_REFUSAL = gettext_lazy("Solo el personal del ATM del distrito programa visitas.")


# --- access ------------------------------------------------------------------------------------


def _get_scheduled_for_user(user, pk: int, *, write: bool = False) -> ScheduledVisit:
    """A planned visit of a district the user sees (404 otherwise); for a write, 403 unless
    the user is one of that district's ATM staff."""
    scheduled = get_object_or_404(
        schedule.with_state(
            ScheduledVisit.objects.visible_to(user).select_related(
                "jass", "jass__district", "staff", "visit", "created_by", "cancelled_by"
            ),
            timezone.localdate(),
        ),
        pk=pk,
    )
    if write:
        require_staff_of(user, scheduled.jass.district_id, PLAN_REFUSAL)
    return scheduled


def _apply_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def record_url(scheduled: ScheduledVisit) -> str:
    """The visit form for this planned visit: its JASS chosen, the agenda id carried along."""
    base = reverse("visits:create", args=[scheduled.jass.district_id])
    return f"{base}?jass={scheduled.jass_id}&agenda={scheduled.pk}"


def _decorate(rows, *, can_edit: bool) -> list[ScheduledVisit]:
    """The "Registrar visita" link of each pending row the user may record."""
    rows = list(rows)
    for row in rows:
        pending = row.state in (ScheduleState.PLANNED, ScheduleState.OVERDUE)
        row.record_url = (
            record_url(row)
            if can_edit and pending and row.jass.status != JassStatus.DISSOLVED
            else None
        )
    return rows


# --- list and export ---------------------------------------------------------------------------


def filtered_schedule(district: District, params, today: dt.date):
    """The district's planned visits, filtered as the page says (nothing for an invalid
    filter). The page and the CSV/XLSX export read this same queryset."""
    rows = schedule.schedule_rows(district.ubigeo, today).order_by("-date", "-id")
    filterset = ScheduledVisitFilter(
        params, queryset=rows, district_id=district.ubigeo, today=today
    )
    return filterset, (filterset.qs if filterset.is_valid() else rows.none())


@login_required
@require_GET
def schedule_list(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    today = timezone.localdate()
    filterset, rows = filtered_schedule(district, request.GET, today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_edit = request.user.is_staff_of(district.ubigeo)
    page.object_list = _decorate(page.object_list, can_edit=can_edit)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "visits/schedule_list.html",
        {
            "district": district,
            "form": filterset.form,
            "page": page,
            "query": query.urlencode(),
            "can_edit": can_edit,
            "today": today,
        },
    )


@login_required
@require_GET
def schedule_export(request: HttpRequest, ubigeo: str, fmt: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    _filterset, rows = filtered_schedule(district, request.GET, timezone.localdate())
    kinds = {code: str(label) for code, label in VisitKind.choices}
    states = {code: str(label) for code, label in ScheduleState.choices}
    header = [
        _("ID"),
        _("Fecha prevista"),
        _("JASS"),
        _("Personal del ATM"),
        _("Tipo"),
        _("Propósito"),
        _("Estado"),
        _("Visita registrada (fecha)"),
        _("Motivo de la cancelación"),
    ]
    data = (
        [
            s.pk,
            s.date,
            s.jass.name,
            (s.staff.get_full_name() or s.staff.username) if s.staff else _("Sin asignar"),
            kinds.get(s.kind, s.kind),
            s.purpose,
            states.get(s.state, s.state),
            s.visit.date if s.visit else None,
            s.cancel_reason,
        ]
        for s in rows.iterator(chunk_size=1000)
    )
    return export_response(fmt, f"agenda-{district.ubigeo}", header, data)


# --- month calendar ----------------------------------------------------------------------------


def _month_neighbours(year: int, month: int) -> dict[str, tuple[int, int] | None]:
    previous = (year, month - 1) if month > 1 else (year - 1, 12)
    following = (year, month + 1) if month < 12 else (year + 1, 1)
    return {
        "previous": previous if previous[0] >= 2000 else None,
        "next": following if following[0] <= 2100 else None,
    }


def _weekday_names() -> list[str]:
    return [str(WEEKDAYS[d]) for d in range(7)]


@login_required
@require_GET
def schedule_month(request: HttpRequest, ubigeo: str, year: str, month: str) -> HttpResponse:
    """The month as a calendar: the weeks Monday to Sunday, each day with its planned visits
    (JASS, staff member, purpose, state). Cancelled ones only when the filter asks for them."""
    year, month = int(year), int(month)
    district = district_for_read(request.user, ubigeo)
    today = timezone.localdate()
    params = request.GET.copy()
    params.pop("month", None)
    filterset = ScheduledVisitFilter(
        params,
        queryset=schedule.schedule_rows(district.ubigeo, today)
        .filter(date__year=year, date__month=month)
        .order_by("date", "jass__name", "id"),
        district_id=district.ubigeo,
        today=today,
    )
    if filterset.is_valid():
        rows = filterset.qs
        if filterset.form.cleaned_data.get("state") != ScheduleState.CANCELLED:
            rows = rows.filter(cancelled_at__isnull=True)
    else:
        rows = ScheduledVisit.objects.none()
    can_edit = request.user.is_staff_of(district.ubigeo)
    by_day = defaultdict(list)
    for row in _decorate(rows, can_edit=can_edit):
        by_day[row.date].append(row)
    weeks = [
        [{"date": day, "in_month": day.month == month, "rows": by_day.get(day, [])} for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    query = params.urlencode()
    return render(
        request,
        "visits/schedule_month.html",
        {
            "district": district,
            "year": year,
            "month": month,
            "month_name": str(MONTHS[month]).capitalize(),
            **_month_neighbours(year, month),
            "weeks": weeks,
            "weekdays": _weekday_names(),
            "count": sum(len(v) for v in by_day.values()),
            "form": filterset.form,
            "query": query,
            "can_edit": can_edit,
            "today": today,
        },
    )


# --- Mi semana ---------------------------------------------------------------------------------

# Earlier planned visits still pending shown on "Mi semana" at most (the agenda lists them all).
MY_WEEK_OVERDUE_SHOWN = 50


def _week_start(params, today: dt.date) -> tuple[dt.date, bool]:
    """The Monday of the week asked for (`semana=2026-W05` or `fecha=2026-01-28`), else of
    this week; and whether what was asked could not be read."""
    raw_week, raw_day = params.get("semana", "").strip(), params.get("fecha", "").strip()
    try:
        if raw_week:
            year, _sep, week = raw_week.upper().partition("-W")
            if not (year.isascii() and year.isdigit() and week.isascii() and week.isdigit()):
                raise ValueError(raw_week)
            day = dt.date.fromisocalendar(int(year[:4]), int(week[:2]), 1)
        elif raw_day:
            day = dt.date.fromisoformat(raw_day[:10])
        else:
            day = today
        if not 2000 <= day.year <= 2100:
            raise ValueError(day)
    except ValueError:
        return today - dt.timedelta(days=today.weekday()), True
    return day - dt.timedelta(days=day.weekday()), False


def _iso_week(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


@login_required
@require_GET
def my_week(request: HttpRequest) -> HttpResponse:
    """The signed-in ATM user's planned visits of a week (Monday to Sunday), each with its
    "Registrar visita" link, and the earlier ones still pending (atrasadas)."""
    user = request.user
    if not user.is_atm:
        raise PermissionDenied(_("«Mi semana» es para el personal del ATM."))
    today = timezone.localdate()
    monday, unreadable = _week_start(request.GET, today)
    sunday = monday + dt.timedelta(days=6)
    mine = schedule.with_state(
        ScheduledVisit.objects.visible_to(user)
        .filter(staff=user)
        .select_related("jass", "staff", "visit"),
        today,
    )
    week_rows = _decorate(
        mine.filter(date__range=(monday, sunday), cancelled_at__isnull=True).order_by(
            "date", "jass__name", "id"
        ),
        can_edit=True,
    )
    overdue = _decorate(
        mine.filter(
            schedule.state_condition(ScheduleState.OVERDUE, today), date__lt=monday
        ).order_by("-date", "-id")[:MY_WEEK_OVERDUE_SHOWN],
        can_edit=True,
    )
    days = [
        {
            "date": monday + dt.timedelta(days=i),
            "rows": [r for r in week_rows if r.date == monday + dt.timedelta(days=i)],
        }
        for i in range(7)
    ]
    if unreadable:
        messages.error(request, _("No se entendió la semana pedida: se muestra la semana actual."))
    return render(
        request,
        "visits/schedule_week.html",
        {
            "district_id": user.district_id,
            "monday": monday,
            "sunday": sunday,
            "days": days,
            "count": len(week_rows),
            "overdue": overdue[::-1],
            "previous_week": _iso_week(monday - dt.timedelta(days=7)),
            "next_week": _iso_week(monday + dt.timedelta(days=7)),
            "this_week": _iso_week(today),
            "is_this_week": monday <= today <= sunday,
            "today": today,
        },
    )


# --- plan, re-plan, cancel ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def schedule_create(request: HttpRequest, ubigeo: str) -> HttpResponse:
    """Plan a visit. `?jass=<id>&fecha=<YYYY-MM-DD>` pre-fill the form (from the calendar)."""
    district = district_for_write(request.user, ubigeo, refusal=PLAN_REFUSAL)
    initial = {"staff": request.user.pk}
    for name, param in (("jass", "jass"), ("date", "fecha")):
        value = request.GET.get(param, "")[:20]
        if value:
            initial[name] = value
    form = ScheduledVisitForm(request.POST or None, initial=initial, district_id=district.ubigeo)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scheduled = schedule.scheduled_visit_create(
                user=request.user,
                jass=data["jass"],
                date=data["date"],
                staff=data.get("staff"),
                kind=data.get("kind") or "",
                purpose=data.get("purpose") or "",
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Se programó la visita a %(jass)s el %(d)s.")
                % {"jass": scheduled.jass.name, "d": scheduled.date.strftime("%d/%m/%Y")},
            )
            return redirect(
                "visits:schedule_month", district.ubigeo, scheduled.date.year, scheduled.date.month
            )
    if request.method == "POST":
        messages.error(request, _("Revise los datos marcados: no se guardó nada."))
    return render(
        request,
        "visits/schedule_form.html",
        {"district": district, "form": form, "scheduled": None},
    )


@login_required
@require_GET
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheduled = _get_scheduled_for_user(request.user, pk)
    can_edit = request.user.is_staff_of(scheduled.jass.district_id)
    _decorate([scheduled], can_edit=can_edit)
    return render(
        request,
        "visits/schedule_detail.html",
        {
            "scheduled": scheduled,
            "district": scheduled.jass.district,
            "can_edit": can_edit
            and scheduled.state in (ScheduleState.PLANNED, ScheduleState.OVERDUE),
        },
    )


def _closed(request, scheduled: ScheduledVisit) -> HttpResponse | None:
    """A cancelled or done planned visit is a closed record: back to its page, saying why."""
    if scheduled.state == ScheduleState.CANCELLED:
        messages.error(request, _("Esta visita programada fue cancelada: no se modifica."))
    elif scheduled.state == ScheduleState.DONE:
        messages.error(request, _("Esta visita programada ya se registró: no se modifica."))
    else:
        return None
    return redirect("visits:schedule_detail", pk=scheduled.pk)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scheduled = _get_scheduled_for_user(request.user, pk, write=True)
    closed = _closed(request, scheduled)
    if closed:
        return closed
    district_id = scheduled.jass.district_id
    form = ScheduledVisitForm(request.POST or None, instance=scheduled, district_id=district_id)
    if request.method == "POST" and form.is_valid():
        try:
            schedule.scheduled_visit_update(
                user=request.user,
                scheduled=ScheduledVisit.objects.select_related("jass").get(pk=scheduled.pk),
                data={f: form.cleaned_data.get(f) for f in schedule.SCHEDULE_FIELDS},
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Se guardaron los cambios de la visita programada."))
            return redirect("visits:schedule_detail", pk=scheduled.pk)
    if request.method == "POST":
        messages.error(request, _("Revise los datos marcados: no se guardó nada."))
    return render(
        request,
        "visits/schedule_form.html",
        {"district": scheduled.jass.district, "form": form, "scheduled": scheduled},
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel with a reason and a confirmation; the row stays, marked cancelled."""
    scheduled = _get_scheduled_for_user(request.user, pk, write=True)
    closed = _closed(request, scheduled)
    if closed:
        return closed
    form = CancelScheduledForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            schedule.scheduled_visit_cancel(
                user=request.user, scheduled=scheduled, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("Se canceló la visita programada; se conserva en la agenda.")
            )
            return redirect("visits:schedule_detail", pk=scheduled.pk)
    return render(request, "visits/schedule_cancel.html", {"scheduled": scheduled, "form": form})


# --- the visit form's hook ---------------------------------------------------------------------


def link_agenda_of_request(request: HttpRequest, visit: Visit) -> None:
    """After the visit form recorded `visit`: link it to the planned visit named by
    `?agenda=<id>` (the agenda's "Registrar visita" link). The visit is recorded either way; a
    refused link is said as a warning."""
    raw = request.GET.get("agenda", "")
    if not raw:
        return
    scheduled = None
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        scheduled = (
            ScheduledVisit.objects.visible_to(request.user)
            .select_related("jass")
            .filter(pk=int(raw))
            .first()
        )
    try:
        if scheduled is None:
            raise ValidationError(_("La visita programada no existe."))
        schedule.scheduled_visit_link(user=request.user, scheduled=scheduled, visit=visit)
    except ValidationError as error:
        messages.warning(
            request,
            _("La visita se registró, pero no se vinculó a la agenda: %(e)s")
            % {"e": " ".join(error.messages)},
        )


# --- the work plan: counts of the agenda's rows ------------------------------------------------


def _plan_year_or_404(year: int) -> dict[str, int | None]:
    """404 outside the years a plan can have; the neighbouring years that can be linked."""
    years = services.work_plan_years()
    if year not in years:
        raise Http404(_("No hay plan de trabajo para el año %(y)d.") % {"y": year})
    return {
        "previous_year": year - 1 if year - 1 in years else None,
        "next_year": year + 1 if year + 1 in years else None,
    }


def _month_names() -> list[str]:
    return [str(MONTHS_3[m]).capitalize() for m in range(1, 13)]


def plan_grid(district_id: str, year: int) -> list[dict]:
    """Active planned visits per JASS and month of the year: one aggregate query and the
    district's JASS (the dissolved only when they have planned visits that year)."""
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for jass_id, month, n in (
        ScheduledVisit.objects.active()
        .in_district(district_id)
        .filter(date__year=year)
        .annotate(month=ExtractMonth("date"))
        .values_list("jass_id", "month")
        .annotate(n=Count("pk"))
        .values_list("jass_id", "month", "n")
    ):
        counts[jass_id][month] = n
    rows = []
    for jass in (
        Jass.objects.filter(district_id=district_id).order_by("name").only("pk", "name", "status")
    ):
        if jass.status == JassStatus.DISSOLVED and jass.pk not in counts:
            continue
        cells = [(m, counts[jass.pk].get(m, 0)) for m in range(1, 13)]
        rows.append({"jass": jass, "cells": cells, "total": sum(n for _m, n in cells)})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def work_plan(request: HttpRequest, ubigeo: str, year: int) -> HttpResponse:
    """The year's plan: the agenda's active planned visits counted per JASS and month (each
    count opens that month's calendar for the JASS), and a form to plan several visits to a
    JASS in a month at once (unassigned, spread over the working days)."""
    neighbours = _plan_year_or_404(year)
    district = district_for_read(request.user, ubigeo)
    can_edit = request.user.is_staff_of(district.ubigeo)
    form = PlanMonthForm(
        request.POST if request.method == "POST" else None, district_id=district.ubigeo
    )
    if request.method == "POST":
        require_staff_of(request.user, district.ubigeo, PLAN_REFUSAL)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rows = schedule.scheduled_visits_plan_month(
                    user=request.user,
                    jass=data["jass"],
                    year=year,
                    month=data["month"],
                    count=data["count"],
                    purpose=data["purpose"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Se programaron %(n)d visitas a %(jass)s, sin asignar.")
                    % {"n": len(rows), "jass": data["jass"].name},
                )
                return redirect("visits:work_plan", ubigeo=district.ubigeo, year=year)
        messages.error(request, _("Revise los datos marcados: no se guardó nada."))
    rows = plan_grid(district.ubigeo, year)
    names = _month_names()
    month_totals = [sum(r["cells"][m - 1][1] for r in rows) for m in range(1, 13)]
    return render(
        request,
        "visits/work_plan.html",
        {
            "district": district,
            "year": year,
            **neighbours,
            "rows": rows,
            "months": names,
            "month_totals": month_totals,
            "total": sum(month_totals),
            "form": form,
            "can_edit": can_edit,
        },
    )


def plan_progress_data(district_id: str, year: int) -> list[dict]:
    """Per month of the year: the agenda's active planned visits, how many of them are done
    (linked to a valid visit), and every valid visit recorded, planned or not. Two aggregate
    queries."""
    planned = {
        month: (n, done)
        for month, n, done in ScheduledVisit.objects.active()
        .in_district(district_id)
        .filter(date__year=year)
        .annotate(month=ExtractMonth("date"))
        .values_list("month")
        .annotate(
            n=Count("pk"),
            done=Count(
                "pk", filter=schedule.state_condition(ScheduleState.DONE, timezone.localdate())
            ),
        )
        .values_list("month", "n", "done")
    }
    recorded = dict(
        Visit.objects.valid()
        .in_district(district_id)
        .filter(date__year=year)
        .annotate(month=ExtractMonth("date"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    names = _month_names()
    return [
        {
            "month": m,
            "name": names[m - 1],
            "planned": planned.get(m, (0, 0))[0],
            "done": planned.get(m, (0, 0))[1],
            "recorded": recorded.get(m, 0),
        }
        for m in range(1, 13)
    ]


@login_required
@require_GET
def work_plan_progress(request: HttpRequest, ubigeo: str, year: int) -> HttpResponse:
    """Planned versus done per month (the chart and its table); see `plan_progress_data`."""
    neighbours = _plan_year_or_404(year)
    district = district_for_read(request.user, ubigeo)
    months = plan_progress_data(district.ubigeo, year)
    totals = {key: sum(m[key] for m in months) for key in ("planned", "done", "recorded")}
    return render(
        request,
        "visits/work_plan_progress.html",
        {
            "district": district,
            "year": year,
            **neighbours,
            "months": months,
            "totals": totals,
            "chart": [
                {"name": m["name"], "planned": m["planned"], "done": m["done"]} for m in months
            ],
        },
    )
