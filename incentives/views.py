"""Goal pages: the catalogue, a goal's national picture by department, a run's progress and
results, a district's checklist with its review, and evidence upload and review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import uploads
from common.exporting import export_response
from territory.access import (
    district_for_read,
    district_for_write,
    require_reviewer,
    reviewer_required,
    scoped,
)
from territory.models import Department, Province

from . import explain, services
from .api import compliance_response
from .filters import EvidenceFilter
from .forms import EvidenceForm, ReviewForm, RunForm
from .models import (
    DistrictResult,
    EvaluationRun,
    Evidence,
    EvidenceStatus,
    Goal,
    RequirementResult,
    RunKind,
    RunStatus,
)
from .queries import (
    goal_figures,
    latest_finished_run_id,
    run_map,
    run_overview,
    run_progress_for,
    run_results_for,
)


@login_required
@require_GET
def goal_list(request: HttpRequest) -> HttpResponse:
    """Every goal with its latest finished run's figures (met of in scope, for ATM staff their
    own district's)."""
    goals = list(Goal.objects.annotate(latest_run_id=latest_finished_run_id()))
    figures = goal_figures(request.user, goals)
    for goal in goals:
        goal.figures = figures.get(goal.pk)
    return render(request, "incentives/goal_list.html", {"goals": goals})


def _latest_run(goal: Goal):
    return goal.runs.filter(status=RunStatus.DONE).order_by("-created_at", "-id").first()


def _picked_run(request: HttpRequest, goal: Goal) -> EvaluationRun | None:
    """The run of `?run=` (any run of the goal, else 404), or the goal's latest finished one."""
    picked = request.GET.get("run", "")
    if not picked:
        return _latest_run(goal)
    if not (picked.isascii() and picked.isdigit() and len(picked) <= 18):
        raise Http404
    return get_object_or_404(goal.runs.select_related("goal"), pk=int(picked))


def _overview_query(request: HttpRequest) -> str:
    """The page's filters (run included) for its links and exports."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_http_methods(["GET", "POST"])
def goal_detail(request: HttpRequest, code: str) -> HttpResponse:
    goal = get_object_or_404(Goal, code=code)
    form = RunForm(
        request.POST or None, initial={"cutoff": timezone.localdate(), "kind": RunKind.PROGRESS}
    )
    if request.method == "POST":
        require_reviewer(request.user)
        if form.is_valid():
            try:
                run = services.run_start(user=request.user, goal=goal, **form.cleaned_data)
            except services.FrozenResults as exc:
                form.add_error(None, str(exc))
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Evaluación iniciada."))
                return redirect("incentives:run", pk=run.pk)
    run = _picked_run(request, goal)
    overview = run_overview(request.user, run, request.GET) if run else None
    department = overview.department if overview else ""
    return render(
        request,
        "incentives/goal_detail.html",
        {
            "goal": goal,
            "requirements": goal.requirements.order_by("order", "code"),
            "form": form,
            "runs": goal.runs.order_by("-created_at", "-id")[:10],
            "run": run,
            "overview": overview,
            "departments": Department.objects.all(),
            "department_name": (
                Department.objects.filter(pk=department).values_list("name", flat=True).first()
                if department
                else ""
            ),
            "query": _overview_query(request),
            "can_run": request.user.can_review,
        },
    )


@login_required
@require_GET
def goal_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The goal page's figures as they are filtered (run, department, passed, category), one row
    per department or province, for whoever may read the page (ATM staff: their district)."""
    goal = get_object_or_404(Goal, code=code)
    run = _picked_run(request, goal)
    if run is None:
        raise Http404
    overview = run_overview(request.user, run, request.GET)
    header = [
        _("Código"),
        _("Provincia") if overview.department else _("Departamento"),
        _("En alcance"),
        _("Cumplen"),
        _("No cumplen"),
        _("Sin evaluar"),
        _("% que cumple"),
    ]
    rows = (
        [a.code, a.name, a.in_scope, a.met, a.not_met, a.not_evaluated, a.percent_met]
        for a in overview.areas
    )
    name = f"resumen-{goal.code}-{run.cutoff}" + (
        f"-{overview.department}" if overview.department else ""
    )
    return export_response(fmt, name, header, rows)


@login_required
@require_GET
def goal_map(request: HttpRequest, code: str) -> JsonResponse:
    """The goal map's colours (static/js/goal_map.js): each district's status in the run of
    `?run=` (any run of the goal; default its latest finished run, 404 without one), as the user
    may see it (`queries.run_map`). The shapes themselves are static files (static/geo/)."""
    goal = get_object_or_404(Goal, code=code)
    run = _picked_run(request, goal)
    if run is None:
        raise Http404
    return JsonResponse(
        {
            "goal": goal.code,
            "run": run.pk,
            "cutoff": run.cutoff.isoformat(),
            **run_map(request.user, run),
            "result_url": reverse("incentives:result", args=[run.pk, "000000"]),
            "district_url": reverse("district", args=["000000"]),
            "public_url": reverse("public_district", args=["000000"]),
        }
    )


def _get_run(pk: int) -> EvaluationRun:
    return get_object_or_404(EvaluationRun.objects.select_related("goal"), pk=pk)


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = run_progress_for(request.user, _get_run(pk))
    results, department = run_results_for(request.user, run, request.GET)
    page = Paginator(results, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incentives/run_detail.html",
        {
            "run": run,
            "page": page,
            "query": query.urlencode(),
            "department": department,
            "departments": Department.objects.all(),
            "provinces": Province.objects.filter(department_id=department) if department else [],
            "province": request.GET.get("province", ""),
            "overview": run_overview(request.user, run),
        },
    )


@login_required
@require_GET
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx every two seconds until the run finishes."""
    run = run_progress_for(request.user, _get_run(pk))
    return render(
        request,
        "incentives/run_progress.html",
        {"run": run, "overview": run_overview(request.user, run)},
    )


@login_required
@require_GET
@reviewer_required
def run_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    run = _get_run(pk)
    results, _department = run_results_for(request.user, run, request.GET)
    return compliance_response(run, results, fmt)


@login_required
@require_http_methods(["GET", "POST"])
def result_detail(request: HttpRequest, pk: int, ubigeo: str) -> HttpResponse:
    """A district's checklist: each requirement met or not, value against threshold."""
    run = _get_run(pk)
    district = district_for_read(request.user, ubigeo)
    result = get_object_or_404(
        DistrictResult.objects.filter(run=run).prefetch_related(
            Prefetch(
                "requirements",
                queryset=RequirementResult.objects.select_related("requirement").order_by(
                    "requirement__order", "requirement__code"
                ),
            )
        ),
        district=district,
    )
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        require_reviewer(request.user)
        if form.is_valid():
            try:
                services.result_review(
                    user=request.user,
                    result=result,
                    approve=request.POST.get("decision") == "approve",
                    comment=form.cleaned_data["comment"],
                )
            except services.FrozenResults as exc:
                form.add_error(None, str(exc))
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("Revisión registrada."))
                return redirect("incentives:result", pk=run.pk, ubigeo=ubigeo)
    rows = explain.checklist(run, district, list(result.requirements.all()))
    evidence = _checklist_evidence(district, rows)
    for row in rows:
        # The evidence items the row looked at, each with its review (or the review's form).
        row.evidence = [(i, evidence[i.id]) for i in row.items if i.type == "evidence" and i.id]
        row.url = explain.list_url(row.result.requirement.kind, district.ubigeo)
        row.value_shown = explain.show_value(row.result.requirement.kind, row.result.value)
        row.threshold_shown = explain.show_value(row.result.requirement.kind, row.result.threshold)
        row.to_pass = explain.to_pass(row.result)
        kind = row.result.requirement.kind
        row.counted_links = [(item, explain.item_url(kind, item)) for item in row.counted]
        row.missing_links = [(item, explain.item_url(kind, item)) for item in row.not_counted]
    return render(
        request,
        "incentives/result_detail.html",
        {
            "run": run,
            "district": district,
            "result": result,
            "rows": rows,
            "form": form,
            "can_review": request.user.can_review and run.kind == RunKind.OFFICIAL,
            # Evidence is reviewed whatever the run's kind (the queue's rule): reviewers only.
            "can_review_evidence": request.user.can_review,
            "here": request.get_full_path(),
            "is_own": request.user.is_staff_of(district.ubigeo),
        },
    )


def _checklist_evidence(district, rows: list[explain.Row]) -> dict[int, Evidence]:
    """The evidence items the checklist's evidence rows looked at, by id, with their reviewer:
    one query, none when no row reads evidence."""
    ids = {i.id for row in rows for i in row.items if i.type == "evidence" and i.id}
    if not ids:
        return {}
    return (
        Evidence.objects.filter(district=district, pk__in=ids)
        .select_related("reviewed_by")
        .in_bulk()
    )


# --- evidence ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def evidence_list(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    can_upload = request.user.is_staff_of(district.ubigeo)
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        district = district_for_write(request.user, ubigeo)
        if form.is_valid():
            services.evidence_submit(user=request.user, district=district, **form.cleaned_data)
            messages.success(
                request, _("Evidencia presentada; un revisor la aprobará u observará.")
            )
            return redirect("incentives:evidence", ubigeo=ubigeo)
    items = Evidence.objects.filter(district=district).select_related(
        "requirement", "requirement__goal", "uploaded_by", "reviewed_by"
    )
    return render(
        request,
        "incentives/evidence_list.html",
        {
            "district": district,
            "items": items,
            "form": form,
            "can_upload": can_upload,
            "can_review": request.user.can_review,
        },
    )


def _get_evidence(user, pk: int) -> Evidence:
    return get_object_or_404(
        scoped(Evidence.objects.select_related("requirement"), user, "district_id"), pk=pk
    )


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """Files of one district are served only to that district's staff and to reviewers."""
    item = _get_evidence(request.user, pk)
    return uploads.serve(request, item.file, f"evidencia-{item.pk}")


@login_required
@require_POST
def evidence_review(request: HttpRequest, pk: int) -> HttpResponse:
    # Scope first, then the right: another district's evidence is 404 (its existence is not
    # revealed), the district's own staff get 403.
    item = _get_evidence(request.user, pk)
    require_reviewer(request.user)
    back = _back_to(request, reverse("incentives:evidence", args=[item.district_id]))
    review = ReviewForm(request.POST)
    if not review.is_valid():
        messages.error(request, " ".join(review.errors["comment"]))
        return redirect(back)
    try:
        services.evidence_review(
            user=request.user,
            evidence=item,
            approve=request.POST.get("decision") == "approve",
            comment=review.cleaned_data["comment"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Revisión de la evidencia registrada."))
    return redirect(back)


def _back_to(request: HttpRequest, default: str) -> str:
    """Where a review form returns: its `next` (the queue with its filters), if it is a path
    of this site, else `default`."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


QUEUE_PAGE_SIZE = 50


def _evidence_queue(request: HttpRequest):
    """The reviewers' queue, filtered (one FilterSet with the API), waiting first, oldest first,
    and the count per status under the same filters but the status one."""
    base = Evidence.objects.visible_to(request.user).select_related(
        "district", "district__department", "requirement", "requirement__goal", "reviewed_by"
    )
    filterset = EvidenceFilter(request.GET, queryset=base.waiting_first())
    if not filterset.is_valid():
        return filterset, base.none(), {}
    others = request.GET.copy()
    others.pop("status", None)
    counts = dict(
        EvidenceFilter(others, queryset=Evidence.objects.visible_to(request.user))
        .qs.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return filterset, filterset.qs, counts


@login_required
@require_GET
@reviewer_required
def evidence_queue(request: HttpRequest) -> HttpResponse:
    """Evidence of every district waiting for review, approved or returned from here."""
    filterset, items, counts = _evidence_queue(request)
    page = Paginator(items, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    status = filterset.form.cleaned_data.get("status") if filterset.is_valid() else ""
    other_filters = query.copy()
    other_filters.pop("status", None)
    return render(
        request,
        "incentives/evidence_queue.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query.urlencode(),
            "other_filters": other_filters.urlencode(),
            "here": request.get_full_path(),
            "counts": [
                (value, label, counts.get(value, 0)) for value, label in EvidenceStatus.choices
            ],
            "total": sum(counts.values()),
            "status": status or "",
            "departments": Department.objects.order_by("code"),
            "goals": Goal.objects.order_by("-year", "number").values_list("code", "title"),
        },
    )


@login_required
@require_GET
@reviewer_required
def evidence_queue_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The queue as filtered, CSV or XLSX."""
    _filterset, items, _counts = _evidence_queue(request)
    header = [
        _("Ubigeo"),
        _("Distrito"),
        _("Departamento"),
        _("Meta"),
        _("Requisito"),
        _("Documento"),
        _("Fecha del documento"),
        _("Presentada el"),
        _("Estado"),
        _("Revisada el"),
        _("Revisor"),
        _("Observación"),
    ]
    rows = (
        [
            e.district_id,
            e.district.name,
            e.district.department.name,
            e.requirement.goal.code,
            e.requirement.title,
            e.number,
            e.issued_on,
            timezone.localtime(e.created_at).replace(tzinfo=None),
            e.get_status_display(),
            timezone.localtime(e.reviewed_at).replace(tzinfo=None) if e.reviewed_at else "",
            e.reviewer_name or "",
            e.comment,
        ]
        for e in items.iterator(chunk_size=500)
    )
    return export_response(fmt, "evidencias", header, rows)
