"""Registry pages: the district's JASS list and export, registration and editing, water systems,
boards, dissolution and the import. Reads are for the district's staff and for reviewers;
writes only for the district's staff. Another district's staff get 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.exporting import export_response
from common.import_flow import two_step_import
from territory.access import (
    STAFF_ONLY,
    district_for_read,
    district_for_write,
    is_head_of,
    require_head_of,
    require_staff_of,
)
from territory.models import District

from . import importing, personal_data, services
from .filters import JassPageFilter
from .forms import (
    DEFAULT_ROLES,
    BoardMemberFormSet,
    BoardTermForm,
    DissolveForm,
    JassForm,
    MemberRectifyForm,
    PersonExportForm,
    PersonSearchForm,
    RetireForm,
    WaterSystemForm,
)
from .history import change_lines, history_rows
from .models import (
    BoardMember,
    BoardTerm,
    Jass,
    JassKind,
    JassStatus,
    PersonalDataEvent,
    WaterSystem,
    role_order,
)
from .risk import FACTS, SIGNAL_CODES, Signal, python_flags, signals_of

PAGE_SIZE = 50


# --- access ------------------------------------------------------------------------------------


def _get_jass_for_user(user, pk: int, *, write: bool = False) -> Jass:
    """404 outside the user's scope (existence not revealed); 403 for a reviewer's write."""
    jass = get_object_or_404(Jass.objects.visible_to(user).select_related("district"), pk=pk)
    if write:
        require_staff_of(user, jass.district_id, STAFF_ONLY)
    return jass


def _get_system_for_user(user, pk: int) -> WaterSystem:
    system = get_object_or_404(
        WaterSystem.objects.filter(jass__in=Jass.objects.visible_to(user)).select_related(
            "jass", "jass__district"
        ),
        pk=pk,
    )
    require_staff_of(user, system.jass.district_id, STAFF_ONLY)
    return system


def _apply_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- list and export ---------------------------------------------------------------------------


def filtered_jass(
    district: District, params, *, facts_only: bool = False
) -> tuple[JassPageFilter, QuerySet[Jass]]:
    """The district's JASS with their risk signals, filtered and ordered as the page says
    (nothing for an invalid filter). The page, the CSV and the XLSX export read this same
    queryset. `facts_only`: the SQL flags only when the list is filtered by a signal (the
    export decides the signals in Python: the flags repeat each subquery, 0.6 s of SQL for
    30,000 JASS)."""
    flags = not facts_only or bool(params.get("signal"))
    queryset = Jass.objects.in_district(district).with_risk(timezone.localdate(), flags=flags)
    filterset = JassPageFilter(params, queryset=queryset.order_by("name", "pk"))
    return filterset, (filterset.qs if filterset.is_valid() else queryset.none())


@login_required
@require_GET
def jass_list(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    filterset, queryset = filtered_jass(district, request.GET)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for jass in page:
        jass.signals = signals_of(jass)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "jass_registry/jass_list.html",
        {
            "district": district,
            "form": filterset.form,
            "page": page,
            "query": query.urlencode(),
            "can_edit": request.user.is_staff_of(district.ubigeo),
            "answers_personal_data": is_head_of(request.user, district.ubigeo),
        },
    )


EXPORT_HEADER = [
    ("id", "ID"),
    ("name", "Nombre"),
    ("kind", "Tipo"),
    ("communities", "Centros poblados"),
    ("households", "Viviendas atendidas"),
    ("registry_number", "N.° de inscripción"),
    ("recognition_resolution", "Resolución de reconocimiento"),
    ("recognized_on", "Fecha de reconocimiento"),
    ("statute_approved", "Estatuto aprobado"),
    ("regulation_approved", "Reglamento aprobado"),
    ("associates", "Asociados"),
    ("monthly_fee", "Cuota familiar"),
    ("status", "Estado"),
    ("latitude", "Latitud"),
    ("longitude", "Longitud"),
    ("signals", "Alertas"),
    ("grade", "Nivel de servicio"),
    ("score", "Puntaje de servicio"),
]


@login_required
@require_GET
def jass_export(request: HttpRequest, ubigeo: str, fmt: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    _filterset, queryset = filtered_jass(district, request.GET, facts_only=True)
    today = timezone.localdate()
    yes, no = _("Sí"), _("No")
    labels = {code: str(label) for code, label in Signal.choices}
    kinds = {code: str(label) for code, label in JassKind.choices}
    statuses = {code: str(label) for code, label in JassStatus.choices}
    not_assessed = _("Sin evaluar")
    # Named tuples of the exported columns and the signals' facts, not model instances (half
    # the time of a 30,000-row export went into building JASS objects and their timestamps).
    columns = [name for name, _label in EXPORT_HEADER if name != "signals"]
    columns += [*FACTS, "last_training_on", "last_finance_review_on", "last_visit_on"]

    def rows():
        for j in queryset.values_list(*columns, named=True).iterator(chunk_size=2000):
            fired = python_flags(j, today)
            yield [
                j.id,
                j.name,
                kinds.get(j.kind, j.kind),
                j.communities,
                j.households,
                j.registry_number,
                j.recognition_resolution,
                j.recognized_on,
                yes if j.statute_approved else no,
                yes if j.regulation_approved else no,
                j.associates,
                j.monthly_fee,
                statuses.get(j.status, j.status),
                j.latitude,
                j.longitude,
                ", ".join(labels[code] for code in SIGNAL_CODES if fired[code]),
                j.grade or not_assessed,
                j.score,
            ]

    header = [_(label) for _f, label in EXPORT_HEADER]
    return export_response(fmt, f"jass-{district.ubigeo}", header, rows())


# --- register, edit, dissolve -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def jass_create(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_write(request.user, ubigeo)
    form = JassForm(request.POST or None, district_id=district.ubigeo)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm_similar"}
        try:
            jass = services.jass_create(user=request.user, district_id=district.ubigeo, data=data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Se registró %(name)s.") % {"name": jass.name})
            return redirect("jass_registry:detail", pk=jass.pk)
    return render(
        request,
        "jass_registry/jass_form.html",
        {"district": district, "form": form, "creating": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def jass_edit(request: HttpRequest, pk: int) -> HttpResponse:
    jass = _get_jass_for_user(request.user, pk, write=True)
    if jass.status == JassStatus.DISSOLVED:
        messages.error(request, _("Una organización disuelta no se modifica."))
        return redirect("jass_registry:detail", pk=jass.pk)
    form = JassForm(request.POST or None, instance=jass, district_id=jass.district_id)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm_similar"}
        try:
            services.jass_update(user=request.user, jass=Jass.objects.get(pk=jass.pk), data=data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Se guardaron los cambios."))
            return redirect("jass_registry:detail", pk=jass.pk)
    return render(
        request,
        "jass_registry/jass_form.html",
        {"district": jass.district, "form": form, "jass": jass, "creating": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def jass_dissolve(request: HttpRequest, pk: int) -> HttpResponse:
    jass = _get_jass_for_user(request.user, pk, write=True)
    form = DissolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.jass_dissolve(user=request.user, jass=jass, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s figura ahora como disuelta.") % {"name": jass.name}
            )
            return redirect("jass_registry:detail", pk=jass.pk)
    return render(request, "jass_registry/jass_dissolve.html", {"jass": jass, "form": form})


# --- detail ------------------------------------------------------------------------------------


@login_required
@require_GET
def jass_detail(request: HttpRequest, pk: int) -> HttpResponse:
    base = _get_jass_for_user(request.user, pk)
    jass = (
        Jass.objects.filter(pk=base.pk)
        .with_risk(timezone.localdate())
        .select_related("district", "district__province", "district__department")
        .get()
    )
    terms = list(
        BoardTerm.objects.filter(jass=jass)
        .prefetch_related(
            Prefetch("members", queryset=BoardMember.objects.order_by(role_order(), "pk"))
        )
        .order_by("-starts_on")
    )
    today = timezone.localdate()
    current = next((t for t in terms if t.starts_on <= today <= t.ends_on), None)
    sees_personal = request.user.is_staff_of(jass.district_id)
    return render(
        request,
        "jass_registry/jass_detail.html",
        {
            "jass": jass,
            "district": jass.district,
            "signals": signals_of(jass),
            "systems": jass.water_systems.order_by("retired_on", "name"),
            "terms": terms,
            "current_term": current,
            "history": history_rows(jass, sees_personal=sees_personal),
            "sees_personal": sees_personal,
            "can_edit": sees_personal and jass.status != JassStatus.DISSOLVED,
            "can_rectify": is_head_of(request.user, jass.district_id),
        },
    )


# --- water systems -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def system_create(request: HttpRequest, pk: int) -> HttpResponse:
    jass = _get_jass_for_user(request.user, pk, write=True)
    if jass.status == JassStatus.DISSOLVED:
        messages.error(request, _("Una organización disuelta no se modifica."))
        return redirect("jass_registry:detail", pk=jass.pk)
    form = WaterSystemForm(request.POST or None, instance=WaterSystem(jass=jass))
    if request.method == "POST" and form.is_valid():
        try:
            services.water_system_create(user=request.user, jass=jass, data=form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Se registró el sistema de agua."))
            return redirect("jass_registry:detail", pk=jass.pk)
    return render(request, "jass_registry/system_form.html", {"jass": jass, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def system_edit(request: HttpRequest, pk: int) -> HttpResponse:
    system = _get_system_for_user(request.user, pk)
    form = WaterSystemForm(request.POST or None, instance=system)
    if request.method == "POST" and form.is_valid():
        try:
            services.water_system_update(
                user=request.user,
                system=WaterSystem.objects.get(pk=system.pk),
                data=form.cleaned_data,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Se guardaron los cambios del sistema de agua."))
            return redirect("jass_registry:detail", pk=system.jass_id)
    return render(
        request,
        "jass_registry/system_form.html",
        {"jass": system.jass, "form": form, "system": system},
    )


@login_required
@require_http_methods(["GET", "POST"])
def system_retire(request: HttpRequest, pk: int) -> HttpResponse:
    system = _get_system_for_user(request.user, pk)
    form = RetireForm(request.POST or None, initial={"retired_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.water_system_retire(
                user=request.user, system=system, retired_on=form.cleaned_data["retired_on"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("El sistema de agua quedó dado de baja."))
            return redirect("jass_registry:detail", pk=system.jass_id)
    return render(request, "jass_registry/system_retire.html", {"system": system, "form": form})


# --- boards ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def board_start(request: HttpRequest, pk: int) -> HttpResponse:
    jass = _get_jass_for_user(request.user, pk, write=True)
    if jass.status == JassStatus.DISSOLVED:
        messages.error(request, _("Una organización disuelta no se modifica."))
        return redirect("jass_registry:detail", pk=jass.pk)
    form = BoardTermForm(request.POST or None, initial={"jass_id": jass.pk})
    members = BoardMemberFormSet(
        request.POST or None,
        prefix="members",
        initial=[{"role": role} for role in DEFAULT_ROLES],
    )
    if request.method == "POST" and form.is_valid() and members.is_valid():
        try:
            services.board_term_start(
                user=request.user,
                jass=jass,
                members=members.members(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Se registró el nuevo consejo directivo."))
            return redirect("jass_registry:detail", pk=jass.pk)
    return render(
        request,
        "jass_registry/board_form.html",
        {"jass": jass, "form": form, "members": members},
    )


# --- import ------------------------------------------------------------------------------------


@login_required
@require_GET
def import_template(request: HttpRequest, ubigeo: str, fmt: str) -> HttpResponse:
    district_for_write(request.user, ubigeo)
    header, example = importing.template_rows()
    return export_response(fmt, "plantilla-jass", header, [example])


@login_required
@require_http_methods(["GET", "POST"])
def jass_import(request: HttpRequest, ubigeo: str) -> HttpResponse:
    """Step 1: upload and preview (nothing written). Step 2: confirm, which re-validates the
    stored file and writes it all or nothing."""
    district = district_for_write(request.user, ubigeo)

    def apply(result) -> str:
        created, updated = importing.apply(
            preview_result=result, district_id=district.ubigeo, user=request.user
        )
        return _("Importación terminada: %(c)d nuevas, %(u)d actualizadas.") % {
            "c": created,
            "u": updated,
        }

    return two_step_import(
        request,
        ubigeo=district.ubigeo,
        session_key="jass_import",
        preview=lambda content, name: importing.preview(
            content=content, filename=name, district_id=district.ubigeo
        ),
        apply=apply,
        page="jass_registry/jass_import.html",
        here="jass_registry:import",
        done="jass_registry:list",
        context={"district": district},
    )


# --- personal data (Ley 29733) -------------------------------------------------------------------
# The DNI travels only in POST bodies (never in a URL, so never in a log line or the browser's
# history) and `sensitive_post_parameters` keeps it out of error reports. Only the district's
# ATM head: another district answers 404, a reviewer or other staff 403.

PERSONAL_DATA_EVENTS_SHOWN = 20


def _district_for_head(user, ubigeo: str) -> District:
    district = district_for_read(user, ubigeo)
    require_head_of(user, district.ubigeo)
    return district


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("dni")
def personal_data_access(request: HttpRequest, ubigeo: str) -> HttpResponse:
    """GET: the DNI form and the district's latest personal-data events. POST: the person's
    file, to print, with its downloads and a rectification link per membership."""
    district = _district_for_head(request.user, ubigeo)
    form = PersonSearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = personal_data.personal_data_access(
            user=request.user, district=district, dni=form.cleaned_data["dni"], output="page"
        )
        return render(
            request,
            "jass_registry/personal_data_person.html",
            {
                "district": district,
                "person": person,
                "history": [
                    (record, change_lines(record, sees_personal=True)) for record in person.history
                ],
                "retention_years": personal_data.retention_years(),
                "formats": [("csv", _("Descargar CSV")), ("xlsx", _("Descargar XLSX"))],
            },
        )
    events = (
        PersonalDataEvent.objects.filter(district=district)
        .select_related("user")
        .order_by("-at", "-id")[:PERSONAL_DATA_EVENTS_SHOWN]
    )
    return render(
        request,
        "jass_registry/personal_data_access.html",
        {
            "district": district,
            "form": form,
            "events": events,
            "retention_years": personal_data.retention_years(),
        },
    )


@login_required
@require_POST
@sensitive_post_parameters("dni")
def personal_data_export(request: HttpRequest, ubigeo: str) -> HttpResponse:
    """The person's file as CSV or XLSX (formula-safe, common.exporting); each download is an
    access of its own in the district's register."""
    district = _district_for_head(request.user, ubigeo)
    form = PersonExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indique un DNI de 8 dígitos."))
        return redirect("jass_registry:personal_data", ubigeo=district.ubigeo)
    fmt = form.cleaned_data["fmt"]
    person = personal_data.personal_data_access(
        user=request.user, district=district, dni=form.cleaned_data["dni"], output=fmt
    )
    header = [_("Sección"), _("Organización (JASS)"), _("Dato"), _("Valor")]
    # The file name says whose file it is without the DNI (it is saved on shared computers).
    name = f"datos-personales-{district.ubigeo}-{timezone.localdate():%Y%m%d}"
    return export_response(fmt, name, header, personal_data.person_file_rows(person))


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("dni", "phone")
def member_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(
        BoardMember.objects.filter(
            term__jass__in=Jass.objects.visible_to(request.user)
        ).select_related("term", "term__jass"),
        pk=pk,
    )
    jass = member.term.jass
    require_head_of(request.user, jass.district_id)
    form = MemberRectifyForm(
        request.POST or None,
        initial={"full_name": member.full_name, "dni": member.dni, "phone": member.phone},
    )
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in personal_data.RECTIFIABLE_FIELDS}
        try:
            personal_data.board_member_rectify(
                user=request.user, member=member, data=data, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("Se rectificaron los datos; el cambio quedó en el historial.")
            )
            return redirect("jass_registry:detail", pk=jass.pk)
    return render(
        request,
        "jass_registry/personal_data_rectify.html",
        {"member": member, "jass": jass, "form": form},
    )
