"""Visit pages: record (one form with readings and agreements), list and export, the printable
acta, the agreements follow-up, the chlorine chart and the JASS timeline (the work plan and the
agenda: views_schedule.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import uploads
from common.exporting import export_response
from jass_registry.models import Jass, JassStatus, WaterSystem
from jass_registry.standards import ADEQUATE_CHLORINE_MG_L, CHLORINE_WINDOW_DAYS
from territory.access import district_for_read, district_for_write, require_staff_of
from territory.models import District

from . import services
from .chlorine import deciding_reading, is_adequate
from .filters import AgreementFilter, VisitPageFilter
from .forms import (
    ActaUploadForm,
    AgreementDoneForm,
    AgreementFormSet,
    AgreementNoteForm,
    JassPickForm,
    ReadingFormSet,
    VisitForm,
    VoidForm,
)
from .models import (
    Agreement,
    AgreementNote,
    ChlorineReading,
    ReadingPoint,
    Topic,
    Visit,
    VisitAttachment,
    VisitKind,
)

PAGE_SIZE = 50


# --- access ------------------------------------------------------------------------------------


def _get_visit_for_user(user, pk: int, *, write: bool = False) -> Visit:
    visit = get_object_or_404(
        Visit.objects.visible_to(user).select_related("jass", "jass__district", "staff"), pk=pk
    )
    if write:
        require_staff_of(
            user,
            visit.jass.district_id,
            _("Solo el personal del ATM del distrito registra visitas."),
        )
    return visit


def _apply_errors(form, error: ValidationError, readings, agreements) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.message_dict.items():
        if field == "readings":
            readings._non_form_errors = readings.error_class(errors)
        elif field == "agreements":
            agreements._non_form_errors = agreements.error_class(errors)
        else:
            form.add_error(field if field in form.fields else None, errors)


# --- record, edit, delete ------------------------------------------------------------------------


def _visit_form_page(request, *, jass: Jass, visit: Visit | None):
    systems = WaterSystem.objects.filter(jass=jass, retired_on__isnull=True)
    form, readings, agreements = _visit_forms(request, jass=jass, visit=visit, systems=systems)
    if request.method == "POST" and all(
        [form.is_valid(), readings.is_valid(), agreements.is_valid()]
    ):
        try:
            visit = _visit_save(
                request, jass=jass, visit=visit, form=form, readings=readings, agreements=agreements
            )
        except ValidationError as error:
            _apply_errors(form, error, readings, agreements)
        else:
            return redirect("visits:detail", pk=visit.pk)
    if request.method == "POST":
        messages.error(request, _("Revise los datos marcados: no se guardó nada."))
    return render(
        request,
        "visits/visit_form.html",
        {
            "jass": jass,
            "district": jass.district,
            "form": form,
            "readings": readings,
            "agreements": agreements,
            "visit": visit,
            "has_systems": systems.exists(),
        },
    )


def _visit_forms(request, *, jass: Jass, visit: Visit | None, systems):
    """The visit form with its readings and agreements: what was posted, or else the visit
    being edited, or else a new visit dated today."""
    initial_readings, initial_agreements = None, None
    if visit is not None and request.method != "POST":
        initial_readings = [
            {"water_system": r.water_system_id, "point": r.point, "mg_per_l": r.mg_per_l}
            for r in visit.readings.all()
        ]
        initial_agreements = [
            {"task": a.task, "responsible": a.responsible, "due_on": a.due_on}
            for a in visit.agreements.all()
        ]
    form = VisitForm(
        request.POST or None,
        instance=visit or Visit(jass=jass),
        initial=None if visit else {"date": timezone.localdate(), "submission": uuid.uuid4()},
    )
    readings = ReadingFormSet(
        request.POST or None,
        prefix="readings",
        form_kwargs={"systems": systems},
        initial=initial_readings,
    )
    agreements = AgreementFormSet(
        request.POST or None, prefix="agreements", initial=initial_agreements
    )
    return form, readings, agreements


def _visit_save(request, *, jass: Jass, visit: Visit | None, form, readings, agreements) -> Visit:
    """Record the new visit or update this one through the service, and say so; the service's
    ValidationError is left to the caller, which shows it on the form."""
    data = {f: form.cleaned_data.get(f) for f in services.VISIT_FIELDS}
    if visit is None:
        try:
            received = services.visit_receive(
                user=request.user,
                jass=jass,
                data=data,
                readings=readings.rows(),
                agreements=agreements.rows(),
                uuid=form.cleaned_data.get("submission"),
            )
        except services.VisitConflict as conflict:
            raise ValidationError(
                _(
                    "Este formulario ya se envió con otros datos y esa visita está registrada "
                    "(o fue anulada): abra la lista de visitas y edítela allí, o vuelva a abrir "
                    "el formulario para registrar otra visita."
                )
            ) from conflict
        visit = received.visit
        if not received.created:  # the same form sent twice: one visit
            messages.info(request, _("Esta visita ya estaba registrada: no se duplicó."))
            return visit
        from .views_schedule import link_agenda_of_request  # "Registrar visita" of the agenda

        link_agenda_of_request(request, visit)
        messages.success(request, _("Se registró la visita."))
    else:
        services.visit_update(
            user=request.user,
            visit=Visit.objects.get(pk=visit.pk),
            data=data,
            readings=readings.rows(),
            agreements=agreements.rows(),
        )
        messages.success(request, _("Se guardaron los cambios de la visita."))
    return visit


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_write(request.user, ubigeo)
    pick = JassPickForm(request.GET or None, district_id=district.ubigeo)
    if not pick.is_valid():
        return render(request, "visits/visit_pick.html", {"district": district, "pick": pick})
    return _visit_form_page(request, jass=pick.cleaned_data["jass"], visit=None)


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _get_visit_for_user(request.user, pk, write=True)
    if visit.is_voided:
        messages.error(request, _("Esta visita fue anulada: no se modifica."))
        return redirect("visits:detail", pk=visit.pk)
    return _visit_form_page(request, jass=visit.jass, visit=visit)


@login_required
@require_http_methods(["GET", "POST"])
def visit_void(request: HttpRequest, pk: int) -> HttpResponse:
    """Anular: the visit is kept with its readings and agreements, and stops counting."""
    visit = _get_visit_for_user(request.user, pk, write=True)
    if visit.is_voided:
        messages.error(request, _("Esta visita ya fue anulada."))
        return redirect("visits:detail", pk=visit.pk)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_void(user=request.user, visit=visit, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Se anuló la visita; se conserva en el historial."))
            return redirect("visits:detail", pk=visit.pk)
    return render(request, "visits/visit_void.html", {"visit": visit, "form": form})


@login_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _get_visit_for_user(request.user, pk)
    can_edit = request.user.is_staff_of(visit.jass.district_id) and not visit.is_voided
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "readings": visit.readings.select_related("water_system"),
            "agreements": visit.agreements.prefetch_related(_notes_in_order()),
            "attachments": _live_attachments(visit),
            "can_edit": can_edit,
            "can_attach": can_edit and _jass_open(visit.jass),
            "upload_form": ActaUploadForm(),
            "max_attachments": services.MAX_ATTACHMENTS_PER_VISIT,
            "today": timezone.localdate(),
        },
    )


def _jass_open(jass: Jass) -> bool:
    return jass.status != JassStatus.DISSOLVED


def _live_attachments(visit: Visit) -> QuerySet[VisitAttachment]:
    return (
        VisitAttachment.objects.filter(visit=visit, removed_at__isnull=True)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "id")
    )


def _notes_in_order() -> Prefetch:
    """An agreement's follow-up notes, oldest first, with their authors (one query)."""
    return Prefetch(
        "notes",
        queryset=AgreementNote.objects.select_related("written_by").order_by("created_at", "id"),
    )


@login_required
@require_GET
def visit_acta(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit record (acta de visita), laid out for A4 and signatures."""
    visit = _get_visit_for_user(request.user, pk)
    district = District.objects.with_place().get(pk=visit.jass.district_id)
    return render(
        request,
        "visits/visit_acta.html",
        {
            "visit": visit,
            "district": district,
            "readings": visit.readings.select_related("water_system"),
            "agreements": visit.agreements.all(),
        },
    )


# --- list and export ---------------------------------------------------------------------------


def filtered_visits(
    district: District, params, *, stream: bool = False
) -> tuple[VisitPageFilter, QuerySet[Visit]]:
    """The district's valid visits, filtered as the page says (nothing for an invalid filter).
    The page, the CSV and the XLSX export read this same queryset. `stream` (the export):
    each visit's counts by a subquery on its own rows (an index probe per visit), so rows
    flow as they are read; the joined COUNT(DISTINCT) groups every visit of the district with
    its readings and agreements before the first row."""
    if stream:
        counts = {
            "reading_count": _count_of(ChlorineReading),
            "agreement_count": _count_of(Agreement),
        }
    else:
        counts = {
            "reading_count": Count("readings", distinct=True),
            "agreement_count": Count("agreements", distinct=True),
        }
    visits = (
        Visit.objects.valid()
        .in_district(district.ubigeo)
        .select_related("jass", "staff")
        .annotate(**counts)
        .order_by("-date", "-id")
    )
    filterset = VisitPageFilter(params, queryset=visits, district_id=district.ubigeo)
    return filterset, (filterset.qs if filterset.is_valid() else visits.none())


@login_required
@require_GET
def visit_list(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    filterset, visits = filtered_visits(district, request.GET, stream=True)
    # Page over the visits' ids (`visit_valid_district_date`: the count index-only, the page
    # 50 entries of it), then read the page's rows and their counts (issue 14).
    page = Paginator(visits.values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(visits.filter(pk__in=list(page.object_list)))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "visits/visit_list.html",
        {
            "district": district,
            "form": filterset.form,
            "page": page,
            "query": query.urlencode(),
            "can_edit": request.user.is_staff_of(district.ubigeo),
            "year": timezone.localdate().year,
        },
    )


def _count_of(model) -> Coalesce:
    """How many rows of `model` point at the visit (0 when none), as a correlated subquery."""
    rows = model.objects.filter(visit=OuterRef("pk")).order_by().values("visit")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


@login_required
@require_GET
def visit_export(request: HttpRequest, ubigeo: str, fmt: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    _filterset, visits = filtered_visits(district, request.GET, stream=True)
    kinds = {code: str(label) for code, label in VisitKind.choices}
    topics = {code: str(label) for code, label in Topic.choices}
    yes, no = _("Sí"), _("No")
    header = [
        _("ID"),
        _("Fecha"),
        _("JASS"),
        _("Tipo"),
        _("Temas"),
        _("Personal del ATM"),
        _("Revisión de cuentas"),
        _("Saldo en caja (S/)"),
        _("Mediciones de cloro"),
        _("Acuerdos"),
        _("Hallazgos"),
    ]
    # Tuples of the exported columns, not Visit, JASS and user instances for every row.
    columns = (
        "id",
        "date",
        "jass__name",
        "kind",
        "topics",
        "staff__first_name",
        "staff__last_name",
        "staff__username",
        "finances_reviewed",
        "cash_balance",
        "reading_count",
        "agreement_count",
        "findings",
    )
    rows = (
        [
            pk,
            date,
            jass_name,
            kinds.get(kind, kind),
            ", ".join(topics.get(t, t) for t in visit_topics or []),
            f"{first_name} {last_name}".strip() or username,
            yes if finances_reviewed else no,
            cash_balance,
            reading_count,
            agreement_count,
            findings,
        ]
        for (
            pk,
            date,
            jass_name,
            kind,
            visit_topics,
            first_name,
            last_name,
            username,
            finances_reviewed,
            cash_balance,
            reading_count,
            agreement_count,
            findings,
        ) in visits.values_list(*columns).iterator(chunk_size=2000)
    )
    return export_response(fmt, f"visitas-{district.ubigeo}", header, rows)


# --- agreements --------------------------------------------------------------------------------


@login_required
@require_GET
def agreement_list(request: HttpRequest, ubigeo: str) -> HttpResponse:
    """The district's open agreements, overdue first."""
    district = district_for_read(request.user, ubigeo)
    agreements = (
        Agreement.objects.valid()
        .filter(district_id=district.ubigeo)
        .select_related("visit", "visit__jass")
        .prefetch_related(_notes_in_order())
    )
    filterset = AgreementFilter(request.GET, queryset=agreements)
    show_done = filterset.is_valid() and filterset.form.cleaned_data["done"]
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/agreement_list.html",
        {
            "district": district,
            "page": page,
            "today": timezone.localdate(),
            "show_done": show_done,
            "query": "done=1" if show_done else "",
            "can_edit": request.user.is_staff_of(district.ubigeo),
        },
    )


def _agreement_for_write(user, pk: int) -> Agreement:
    agreement = get_object_or_404(
        Agreement.objects.visible_to(user).valid().select_related("visit__jass"), pk=pk
    )
    require_staff_of(
        user,
        agreement.visit.jass.district_id,
        _("Solo el personal del ATM del distrito registra acuerdos."),
    )
    return agreement


def _back_to(request: HttpRequest, default: str) -> str:
    """Where a small form returns: its `next` (the page it was sent from) if it is a path of
    this site, else `default`."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_POST
def agreement_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Marcar cumplido on the day chosen (today unless another is given): not after today,
    not before the visit (services.agreement_mark_done)."""
    agreement = _agreement_for_write(request.user, pk)
    back = _back_to(request, reverse("visits:agreements", args=[agreement.visit.jass.district_id]))
    form = AgreementDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect(back)
    try:
        services.agreement_mark_done(
            user=request.user, agreement=agreement, done_on=form.cleaned_data["done_on"]
        )
    except ValidationError as error:  # a dissolved JASS, a voided visit, a date out of range
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Acuerdo marcado como cumplido el %(date)s.")
            % {"date": f"{agreement.done_on:%d/%m/%Y}"},
        )
    return redirect(back)


@login_required
@require_POST
def agreement_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A follow-up note under an agreement; notes are kept in order, never edited."""
    agreement = _agreement_for_write(request.user, pk)
    back = _back_to(request, reverse("visits:agreements", args=[agreement.visit.jass.district_id]))
    form = AgreementNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect(back)
    try:
        services.agreement_note_add(
            user=request.user, agreement=agreement, text=form.cleaned_data["text"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Se agregó la nota de seguimiento."))
    return redirect(back)


# --- acta attachments ----------------------------------------------------------------------------


def _attachment_for_user(user, visit_pk: int, pk: int) -> VisitAttachment:
    """A live attachment of a visit the user may read (404 otherwise)."""
    visit = _get_visit_for_user(user, visit_pk)
    return get_object_or_404(
        VisitAttachment.objects.select_related("visit__jass").filter(removed_at__isnull=True),
        visit=visit,
        pk=pk,
    )


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a photo or scan of the signed acta (PDF, JPEG or PNG, checked by content)."""
    visit = _get_visit_for_user(request.user, pk, write=True)
    form = ActaUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect("visits:detail", pk=visit.pk)
    file = form.cleaned_data["file"]
    try:
        services.attachment_add(
            user=request.user, visit=visit, file=file, original_name=file.name or ""
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Se adjuntó el acta."))
    return redirect("visits:detail", pk=visit.pk)


@login_required
@require_GET
def attachment_file(request: HttpRequest, pk: int, attachment_pk: int):
    """The acta file, for the district's staff and reviewers (common.uploads.serve)."""
    attachment = _attachment_for_user(request.user, pk, attachment_pk)
    return uploads.serve(
        request, attachment.file, attachment.original_name or f"acta-{attachment.pk}"
    )


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """Quitar: the attachment leaves the page; the row and the file are kept."""
    attachment = _attachment_for_user(request.user, pk, attachment_pk)
    require_staff_of(
        request.user,
        attachment.visit.jass.district_id,
        _("Solo el personal del ATM del distrito registra visitas."),
    )
    try:
        services.attachment_remove(user=request.user, attachment=attachment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Se quitó el acta adjunta; queda en el historial."))
    return redirect("visits:detail", pk=attachment.visit_id)


# --- chlorine chart ----------------------------------------------------------------------------


# Readings drawn and listed at most (the latest): two years of weekly visits at three points is
# about 300; the bound keeps the page small whatever was imported.
MAX_CHART_READINGS = 500
CHART_DAYS = 730
# With readings of a single day the axis still spans a month, so the date stays readable.
CHART_MIN_SPAN_DAYS = 30


@login_required
@require_GET
def chlorine_chart(request: HttpRequest, pk: int) -> HttpResponse:
    """A water system's free residual chlorine over time: the readings of the last two years on
    a time axis (a point's x is its date, so readings are spaced by time), one series per
    sampling point, the 0.5 mg/L line across the whole axis, and the same readings in a table
    (the chart is not the only way to read them). Readings of voided visits are left out."""
    system = get_object_or_404(
        WaterSystem.objects.filter(jass__in=Jass.objects.visible_to(request.user)).select_related(
            "jass"
        ),
        pk=pk,
    )
    today = timezone.localdate()
    since = today - dt.timedelta(days=CHART_DAYS)
    latest = (
        ChlorineReading.objects.valid()
        .filter(water_system=system, taken_on__gte=since)
        .order_by("-taken_on", "-id")
        .values("id", "taken_on", "point", "mg_per_l")[:MAX_CHART_READINGS]
    )
    readings = list(latest)[::-1]  # oldest first, as the chart draws them
    points = {code: str(label) for code, label in ReadingPoint.choices}
    for reading in readings:
        reading["point_label"] = points.get(reading["point"], reading["point"])
    # The reading that decides the system's chlorine, as the alert and the goals judge it.
    deciding = deciding_reading(SimpleNamespace(**r) for r in readings)
    if deciding and deciding.taken_on < today - dt.timedelta(days=CHLORINE_WINDOW_DAYS):
        deciding = None
    for reading in readings:
        reading["decides"] = deciding is not None and reading["id"] == deciding.id
    # The axis (and the target line) runs from the first reading to today: the gap since the
    # last reading shows on the time axis.
    end = max([today, *(r["taken_on"] for r in readings)])
    start = min(
        readings[0]["taken_on"] if readings else since, end - dt.timedelta(days=CHART_MIN_SPAN_DAYS)
    )
    series = {
        point: [
            {"x": r["taken_on"].isoformat(), "y": float(r["mg_per_l"])}
            for r in readings
            if r["point"] == point
        ]
        for point in ReadingPoint.values
    }
    chart = {
        "series": series,
        "target": float(ADEQUATE_CHLORINE_MG_L),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "deciding": (
            {
                "x": deciding.taken_on.isoformat(),
                "y": float(deciding.mg_per_l),
                "point": deciding.point,
            }
            if deciding
            else None
        ),
    }
    return render(
        request,
        "visits/chlorine_chart.html",
        {
            "system": system,
            "readings": readings[::-1],
            "deciding": deciding,
            "adequate": deciding is not None and is_adequate(deciding.mg_per_l),
            "chart": chart,
            "max_readings": MAX_CHART_READINGS,
        },
    )


# --- JASS timeline (loaded into the registry's JASS page) ---------------------------------------


@login_required
@require_GET
def jass_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    jass = get_object_or_404(Jass.objects.visible_to(request.user), pk=pk)
    visits = (
        Visit.objects.filter(jass=jass)
        .select_related("staff")
        .prefetch_related(
            Prefetch("readings", queryset=ChlorineReading.objects.select_related("water_system")),
            "agreements",
        )[:30]
    )
    systems = WaterSystem.objects.filter(jass=jass, retired_on__isnull=True)
    return render(
        request,
        "visits/jass_timeline.html",
        {
            "jass": jass,
            "visits": visits,
            "systems": systems,
            "can_edit": request.user.is_staff_of(jass.district_id)
            and jass.status != JassStatus.DISSOLVED,
        },
    )
