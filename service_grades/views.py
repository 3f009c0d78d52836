"""Service-level pages: the assessment at a visit ("Evaluar el servicio"), a water system's and
a JASS's grade with its components, the district's systems by grade (with export), and the
reviewers' national view with the "Recalcular grados" button and its progress.

Reads are for the district's staff and reviewers; writes for the district's staff (reviewers
start the recomputation). Another district's staff get 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.exporting import export_response
from jass_registry.models import Jass, JassStatus, WaterSystem
from territory.access import district_for_read, require_reviewer, require_staff_of
from territory.models import Department, District
from visits.models import Visit

from . import services
from .explain import explain, percent
from .filters import SystemGradeFilter
from .forms import AssessmentForm
from .models import COMPONENTS, GradeRun, ServiceAssessment, ServiceScore, Subject
from .queries import GRADE_KEYS, active_systems, grade_counts

PAGE_SIZE = 50


def _refusal() -> str:
    return _("Solo el personal del ATM del distrito evalúa el servicio.")


# --- the assessment at a visit -------------------------------------------------------------------


def _get_visit(user, pk: int, *, write: bool = False) -> Visit:
    visit = get_object_or_404(
        Visit.objects.visible_to(user).select_related("jass", "jass__district"), pk=pk
    )
    if write:
        require_staff_of(user, visit.jass.district_id, _refusal())
    return visit


def _systems_at(visit: Visit) -> QuerySet[WaterSystem]:
    """The visited JASS's water systems in service on the day of the visit."""
    return WaterSystem.objects.filter(jass_id=visit.jass_id).filter(
        Q(retired_on__isnull=True) | Q(retired_on__gt=visit.date)
    )


@login_required
@require_GET
def visit_assessments(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit's assessments, one per water system, with a link to record or edit each."""
    visit = _get_visit(request.user, pk)
    assessed = {
        a.water_system_id: a
        for a in ServiceAssessment.objects.filter(visit=visit).select_related("created_by")
    }
    systems = list(_systems_at(visit).order_by("name"))
    shown = {s.pk for s in systems}
    # A system retired since keeps showing the assessment it got that day.
    systems += [a.water_system for a in assessed.values() if a.water_system_id not in shown]
    return render(
        request,
        "service_grades/visit_assessments.html",
        {
            "visit": visit,
            "rows": [(s, assessed.get(s.pk)) for s in systems],
            "can_edit": request.user.is_staff_of(visit.jass.district_id) and not visit.is_voided,
        },
    )


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, pk: int, system: int) -> HttpResponse:
    """Record or edit one water system's assessment at the visit (own district's staff)."""
    visit = _get_visit(request.user, pk, write=True)
    water_system = get_object_or_404(WaterSystem.objects.filter(jass_id=visit.jass_id), pk=system)
    existing = ServiceAssessment.objects.filter(visit=visit, water_system=water_system).first()
    if visit.is_voided:
        messages.error(request, _("Esta visita fue anulada: su evaluación no se modifica."))
        return redirect("service_grades:visit", visit.pk)
    instance = existing or ServiceAssessment(visit=visit, water_system=water_system)
    form = AssessmentForm(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            data = {name: form.cleaned_data.get(name) for name in form.fields}
            try:
                if existing is None:
                    services.assessment_record(
                        user=request.user, visit=visit, water_system=water_system, data=data
                    )
                else:
                    services.assessment_update(user=request.user, assessment=existing, data=data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Evaluación del servicio guardada."))
                return redirect("service_grades:visit", visit.pk)
        messages.error(request, _("Revise los datos marcados: no se guardó nada."))
    return render(
        request,
        "service_grades/assessment_form.html",
        {
            "visit": visit,
            "system": water_system,
            "form": form,
            "components": [form[name] for name in COMPONENTS],
            "existing": existing,
        },
    )


# --- a system's and a JASS's grade -------------------------------------------------------------


def _latest_scores(**subject) -> list[ServiceScore]:
    return list(ServiceScore.objects.filter(**subject).order_by("-quarter")[:8])


@login_required
@require_GET
def system_service(request: HttpRequest, pk: int) -> HttpResponse:
    """A water system's service level: grade, components with their weights, its quarters and
    its assessments."""
    system = get_object_or_404(
        WaterSystem.objects.filter(jass__in=Jass.objects.visible_to(request.user)).select_related(
            "jass", "jass__district"
        ),
        pk=pk,
    )
    scores = _latest_scores(subject=Subject.SYSTEM, water_system=system)
    latest = scores[0] if scores else None
    assessments = (
        ServiceAssessment.objects.filter(water_system=system)
        .select_related("visit", "created_by")
        .order_by("-visit__date", "-id")[:20]
    )
    return render(
        request,
        "service_grades/system_service.html",
        {
            "system": system,
            "jass": system.jass,
            "latest": latest,
            "rows": explain(Subject.SYSTEM, latest.components) if latest else [],
            "scores": scores,
            "assessments": assessments,
        },
    )


@login_required
@require_GET
def jass_service(request: HttpRequest, pk: int) -> HttpResponse:
    """A JASS's service level with its components and its systems' grades. The JASS page loads
    it with htmx (the registry never imports this app); opened directly it is a page."""
    jass = get_object_or_404(
        Jass.objects.visible_to(request.user).select_related("district"), pk=pk
    )
    scores = _latest_scores(subject=Subject.JASS, jass=jass)
    latest = scores[0] if scores else None
    context = {
        "jass": jass,
        "latest": latest,
        "rows": explain(Subject.JASS, latest.components) if latest else [],
        "scores": scores,
        "systems": jass.water_systems.filter(retired_on__isnull=True).order_by("name"),
    }
    fragment = request.headers.get("HX-Request") == "true"
    template = "_jass_service.html" if fragment else "jass_service.html"
    return render(request, f"service_grades/{template}", context)


# --- the district's systems by grade -------------------------------------------------------------


def filtered_systems(district: District, params) -> tuple[SystemGradeFilter, QuerySet]:
    """The district's water systems in service (of JASS not dissolved), filtered and ordered as
    the page says (nothing for an invalid filter). Page and export read this queryset."""
    queryset = (
        WaterSystem.objects.filter(jass__district=district, retired_on__isnull=True)
        .exclude(jass__status=JassStatus.DISSOLVED)
        .select_related("jass")
        .order_by("jass__name", "name", "pk")
    )
    filterset = SystemGradeFilter(params, queryset=queryset)
    return filterset, (filterset.qs if filterset.is_valid() else queryset.none())


@login_required
@require_GET
def district_grades(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    filterset, queryset = filtered_systems(district, request.GET)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "service_grades/district_grades.html",
        {
            "district": district,
            "form": filterset.form,
            "page": page,
            "query": query.urlencode(),
            "systems": grade_counts(active_systems(district.ubigeo)),
            "jass": grade_counts(Jass.objects.in_district(district).active()),
        },
    )


EXPORT_HEADER = [
    "ID",
    "Sistema de agua",
    "JASS",
    "Tipo de sistema",
    "Viviendas conectadas",
    "Nivel de servicio",
    "Puntaje",
]


@login_required
@require_GET
def district_grades_export(request: HttpRequest, ubigeo: str, fmt: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    _filterset, queryset = filtered_systems(district, request.GET)
    none = _("Sin evaluar")

    def rows():
        for s in queryset.iterator(chunk_size=1000):
            yield [
                s.pk,
                s.name,
                s.jass.name,
                s.get_system_type_display(),
                s.households,
                s.grade or none,
                s.score,
            ]

    header = [_(label) for label in EXPORT_HEADER]
    return export_response(fmt, f"niveles-de-servicio-{district.ubigeo}", header, rows())


# --- national view and recomputation (reviewers) ---------------------------------------------


def _runs():
    return GradeRun.objects.select_related("requested_by")


@login_required
@require_http_methods(["GET", "POST"])
def national_grades(request: HttpRequest) -> HttpResponse:
    """Grades of the country's active water systems by department; "Recalcular grados"."""
    require_reviewer(request.user)
    if request.method == "POST":
        try:
            run = services.grade_run_start(user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Recálculo de grados solicitado."))
            return redirect(f"{request.path}?calculo={run.pk}")
        return redirect(request.path)
    active = WaterSystem.objects.filter(jass__status=JassStatus.ACTIVE, retired_on__isnull=True)
    by_department = {
        row["jass__district__department_id"]: row
        for row in active.values("jass__district__department_id")
        .annotate(
            **{g: Count("pk", filter=Q(grade=g)) for g in "ABCD"},
            none=Count("pk", filter=Q(grade__isnull=True)),
            total=Count("pk"),
        )
        .order_by()
    }
    departments = []
    for department in Department.objects.order_by("code"):
        row = by_department.get(department.code, {})
        total = row.get("total", 0)
        graded = total - row.get("none", 0)
        departments.append(
            {
                "department": department,
                "counts": [row.get(key, 0) for key in GRADE_KEYS],
                "total": total,
                "ab": percent((row.get("A", 0) + row.get("B", 0)) / graded) if graded else "—",
            }
        )
    return render(
        request,
        "service_grades/national_grades.html",
        {
            "departments": departments,
            "totals": [sum(d["counts"][i] for d in departments) for i in range(len(GRADE_KEYS))],
            "run": _runs().first(),
        },
    )


@login_required
@require_GET
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The recomputation's state, polled by htmx every two seconds while it is in progress."""
    require_reviewer(request.user)
    run = get_object_or_404(_runs(), pk=pk)
    return render(request, "service_grades/run_progress.html", {"run": run})
