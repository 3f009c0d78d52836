"""Pages of the populated centres: the district's list (filters, export), the centres without
service, a centre with its services, and the writes (register, edit, retire, add and end a
service, import). Reads are for the district's staff and reviewers; writes for its staff."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.exporting import export_response
from common.import_flow import two_step_import
from territory.access import district_for_read, district_for_write, require_staff_of
from territory.models import District

from . import importing, services
from .coverage import coverage_of, with_served
from .filters import PopulatedCentrePageFilter
from .forms import CentreForm, EndServiceForm, RetireCentreForm, ServiceForm
from .models import Area, CentreChange, CentreService, PopulatedCentre

PAGE_SIZE = 50
HISTORY_LIMIT = 100


# --- access ------------------------------------------------------------------------------------


def _get_centre_for_user(user, code: str, *, write: bool = False) -> PopulatedCentre:
    """404 outside the user's scope (existence not revealed); 403 for a reviewer's write."""
    centre = get_object_or_404(
        PopulatedCentre.objects.visible_to(user).select_related(
            "district", "district__province", "district__department"
        ),
        code=code,
    )
    if write:
        require_staff_of(user, centre.district_id, services.STAFF_ONLY)
    return centre


def _apply_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _open_services() -> Prefetch:
    return Prefetch(
        "services",
        queryset=CentreService.objects.current()
        .select_related("jass", "water_system")
        .order_by("jass__name", "pk"),
        to_attr="open_services",
    )


# --- list, export, centres without service ----------------------------------------------------


def filtered_centres(
    district: District, params
) -> tuple[PopulatedCentrePageFilter, QuerySet[PopulatedCentre]]:
    """The district's centres in the register, with their served households, filtered and
    ordered as the page says (nothing for an invalid filter). The page, the CSV and the XLSX
    export read this same queryset."""
    queryset = with_served(PopulatedCentre.objects.in_district(district).active())
    filterset = PopulatedCentrePageFilter(params, queryset=queryset.order_by("name", "pk"))
    return filterset, (filterset.qs if filterset.is_valid() else queryset.none())


@login_required
@require_GET
def centre_list(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    filterset, queryset = filtered_centres(district, request.GET)
    page = Paginator(queryset.prefetch_related(_open_services()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "communities/centre_list.html",
        {
            "district": district,
            "form": filterset.form,
            "page": page,
            "query": query.urlencode(),
            "coverage": coverage_of(district.ubigeo),
            "can_edit": request.user.is_staff_of(district.ubigeo),
        },
    )


EXPORT_HEADER = [
    "Código",
    "Nombre",
    "Área",
    "Viviendas",
    "Población",
    "Viviendas con servicio",
    "Atendido por",
    "Latitud",
    "Longitud",
]


@login_required
@require_GET
def centre_export(request: HttpRequest, ubigeo: str, fmt: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    _filterset, queryset = filtered_centres(district, request.GET)
    areas = {code: str(label) for code, label in Area.choices}

    def rows():
        # Chunks of 1,000 centres, each with its open services in one more query.
        for centre in queryset.prefetch_related(_open_services()).iterator(chunk_size=1000):
            yield [
                centre.code,
                centre.name,
                areas.get(centre.area, centre.area),
                centre.households,
                centre.population,
                centre.households_served,
                ", ".join(s.jass.name for s in centre.open_services),
                centre.latitude,
                centre.longitude,
            ]

    header = [_(label) for label in EXPORT_HEADER]
    return export_response(fmt, f"centros-poblados-{district.ubigeo}", header, rows())


@login_required
@require_GET
def unserved_list(request: HttpRequest, ubigeo: str) -> HttpResponse:
    """The district's "everyone" gap: rural centres with no open service, largest first."""
    district = district_for_read(request.user, ubigeo)
    queryset = (
        PopulatedCentre.objects.in_district(district)
        .active()
        .rural()
        .served(False)
        .order_by("-households", "name", "pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/unserved_list.html",
        {
            "district": district,
            "page": page,
            "query": "",
            "coverage": coverage_of(district.ubigeo),
            "can_edit": request.user.is_staff_of(district.ubigeo),
        },
    )


# --- register, edit, retire --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def centre_create(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_write(request.user, ubigeo, refusal=services.STAFF_ONLY)
    form = CentreForm(
        request.POST or None,
        district_id=district.ubigeo,
        initial={"code": district.ubigeo, "area": Area.RURAL},
    )
    if request.method == "POST" and form.is_valid():
        try:
            centre = services.centre_create(
                user=request.user, district_id=district.ubigeo, data=form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Se registró %(name)s.") % {"name": centre.name})
            return redirect("communities:detail", code=centre.code)
    return render(
        request,
        "communities/centre_form.html",
        {"district": district, "form": form, "creating": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def centre_edit(request: HttpRequest, code: str) -> HttpResponse:
    centre = _get_centre_for_user(request.user, code, write=True)
    if centre.retired_on:
        messages.error(request, _("Un centro poblado dado de baja no se modifica."))
        return redirect("communities:detail", code=centre.code)
    # The form edits a copy: an invalid code typed in it must not reach the page's links.
    form = CentreForm(
        request.POST or None, instance=copy.copy(centre), district_id=centre.district_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            centre = services.centre_update(
                user=request.user,
                centre=PopulatedCentre.objects.get(pk=centre.pk),
                data=form.cleaned_data,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Se guardaron los cambios."))
            return redirect("communities:detail", code=centre.code)
    return render(
        request,
        "communities/centre_form.html",
        {"district": centre.district, "form": form, "centre": centre, "creating": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def centre_retire(request: HttpRequest, code: str) -> HttpResponse:
    centre = _get_centre_for_user(request.user, code, write=True)
    form = RetireCentreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.centre_retire(
                user=request.user, centre=centre, retired_on=form.cleaned_data["retired_on"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s quedó dado de baja.") % {"name": centre.name})
            return redirect("communities:detail", code=centre.code)
    return render(request, "communities/centre_retire.html", {"centre": centre, "form": form})


def _shown(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def change_lines(record: CentreChange) -> list[tuple[str, str, str]]:
    """(field label, old, new) of one change record (a centre holds no personal data, so
    nothing is masked). Also read by the district's activity page (ato/activity.py)."""
    labels = {f.name: str(f.verbose_name) for f in PopulatedCentre._meta.concrete_fields}
    labels |= {
        f.name: str(f.verbose_name) for f in CentreService._meta.concrete_fields if f.name != "id"
    }
    labels["services"] = _("servicios")
    areas = dict(Area.choices)
    changes = []
    for key, pair in (record.changes or {}).items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        if key == "area":
            old, new = areas.get(old, old), areas.get(new, new)
        changes.append((labels.get(key, key), _shown(old), _shown(new)))
    return changes


def history_rows(centre: PopulatedCentre) -> list[dict]:
    """The centre's change records with each field's label, as the JASS history shows them."""
    records = CentreChange.objects.filter(centre=centre).select_related("user")[:HISTORY_LIMIT]
    return [{"record": record, "changes": change_lines(record)} for record in records]


# --- detail and services -----------------------------------------------------------------------


@login_required
@require_GET
def centre_detail(request: HttpRequest, code: str) -> HttpResponse:
    centre = _get_centre_for_user(request.user, code)
    service_rows = list(
        centre.services.select_related("jass", "water_system").order_by(
            "ended_on", "jass__name", "pk"
        )
    )
    current = [s for s in service_rows if s.ended_on is None]
    served = min(centre.households, sum(s.households_served for s in current))
    can_edit = request.user.is_staff_of(centre.district_id) and centre.retired_on is None
    return render(
        request,
        "communities/centre_detail.html",
        {
            "centre": centre,
            "district": centre.district,
            "current": current,
            "ended": [s for s in service_rows if s.ended_on is not None],
            "served": served,
            "history": history_rows(centre),
            "can_edit": can_edit,
            "service_form": ServiceForm(centre=centre) if can_edit else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_add(request: HttpRequest, code: str) -> HttpResponse:
    centre = _get_centre_for_user(request.user, code, write=True)
    if centre.retired_on:
        messages.error(request, _("Un centro poblado dado de baja no se modifica."))
        return redirect("communities:detail", code=centre.code)
    form = ServiceForm(request.POST or None, centre=centre)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_add(
                user=request.user,
                centre=centre,
                jass=form.cleaned_data["jass"],
                water_system=form.cleaned_data.get("water_system"),
                households_served=form.cleaned_data["households_served"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Se registró el servicio."))
            return redirect("communities:detail", code=centre.code)
    return render(request, "communities/service_form.html", {"centre": centre, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def service_end(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(
        CentreService.objects.visible_to(request.user).select_related(
            "centre", "centre__district", "jass", "water_system"
        ),
        pk=pk,
    )
    require_staff_of(request.user, service.centre.district_id, services.STAFF_ONLY)
    if service.ended_on is not None:
        messages.error(request, _("Este servicio ya terminó."))
        return redirect("communities:detail", code=service.centre.code)
    form = EndServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_end(
                user=request.user, service=service, ended_on=form.cleaned_data["ended_on"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("El servicio quedó terminado."))
            return redirect("communities:detail", code=service.centre.code)
    return render(request, "communities/service_end.html", {"service": service, "form": form})


# --- import ------------------------------------------------------------------------------------


SESSION_KEY = "centre_import"


@login_required
@require_GET
def import_template(request: HttpRequest, ubigeo: str, fmt: str) -> HttpResponse:
    district_for_write(request.user, ubigeo, refusal=services.STAFF_ONLY)
    header, example = importing.template_rows()
    return export_response(fmt, "plantilla-centros-poblados", header, [example])


@login_required
@require_http_methods(["GET", "POST"])
def centre_import(request: HttpRequest, ubigeo: str) -> HttpResponse:
    """Step 1: upload and preview (nothing written). Step 2: confirm, which re-validates the
    stored file and writes it all or nothing. Only the district's own centres."""
    district = district_for_write(request.user, ubigeo, refusal=services.STAFF_ONLY)

    def apply(result) -> str:
        created, updated = importing.apply(preview_result=result, user=request.user)
        return _("Importación terminada: %(c)d centros poblados nuevos, %(u)d actualizados.") % {
            "c": created,
            "u": updated,
        }

    return two_step_import(
        request,
        ubigeo=district.ubigeo,
        session_key=SESSION_KEY,
        preview=lambda content, name: importing.preview(
            content=content, filename=name, district_id=district.ubigeo
        ),
        apply=apply,
        page="communities/centre_import.html",
        here="communities:import",
        done="communities:list",
        context={"district": district},
    )
