"""Pages that read several apps: the home page per role, the reviewers' district list and each
district's home page, and the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control, cache_page, never_cache
from django.views.decorators.http import require_GET

from common.exporting import csv_response
from communities.coverage import coverage_of
from incentives.models import RequirementResult
from incentives.queries import latest_results, returned_for
from jass_registry.indicators import district_indicators
from jass_registry.models import Jass
from jass_registry.risk import signals_of, worst_first
from service_grades.queries import district_grades
from territory.access import district_for_read, require_reviewer, reviewer_required
from territory.models import AtmOffice, District

from .districts import (
    DistrictFilter,
    category_year_from,
    department_choices,
    districts_with_counts,
    jass_counts_for,
    province_choices,
)
from .public import public_district

PAGE_SIZE = 50
AT_RISK_SHOWN = 25
FOR_REVIEWERS = gettext_lazy("Esta página es para los revisores del sector.")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """ATM staff land on their district, reviewers and admins on the list of districts."""
    user = request.user
    if user.is_atm:
        return redirect("district", ubigeo=user.district_id)
    if user.sees_all_districts:
        return redirect("district_list")
    return render(request, "ato/no_role.html", status=403)


def _filtered_districts(request: HttpRequest):
    year = category_year_from(request.GET)
    queryset = districts_with_counts(year).visible_to(request.user)
    filterset = DistrictFilter(request.GET, queryset=queryset)
    return filterset, year


@login_required
@require_GET
def district_list(request: HttpRequest) -> HttpResponse:
    if request.user.is_atm:
        return redirect("district", ubigeo=request.user.district_id)
    require_reviewer(request.user, FOR_REVIEWERS)
    filterset, year = _filtered_districts(request)
    districts = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(
        districts.order_by("department_id", "province_id", "ubigeo"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # The filter's cleaned value: a raw one (NUL, 500 characters) would reach the province query.
    department = filterset.form.cleaned_data.get("department") if filterset.is_valid() else None
    return render(
        request,
        "ato/district_list.html",
        {
            "filterset": filterset,
            "page": page,
            "year": year,
            "query": query.urlencode(),
            "departments": department_choices(),
            "provinces": province_choices(department) if department else [],
            "selected_department": department or "",
            "selected_province": request.GET.get("province", ""),
        },
    )


@login_required
@require_GET
@reviewer_required(refusal=FOR_REVIEWERS)
def district_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered district list as CSV."""
    filterset, year = _filtered_districts(request)
    districts = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    header = [
        _("Ubigeo"),
        _("Distrito"),
        _("Provincia"),
        _("Departamento"),
        _("Tipo de municipalidad %(year)s") % {"year": year},
        _("JASS registradas"),
        _("JASS activas"),
    ]
    rows = (
        [
            d.ubigeo,
            d.name,
            d.province.name,
            d.department.name,
            d.category or "",
            d.jass_count,
            d.active_jass_count,
        ]
        for d in districts.order_by("ubigeo").iterator(chunk_size=500)
    )
    return csv_response("distritos", header, rows)


@login_required
@require_GET
def district_detail(request: HttpRequest, ubigeo: str) -> HttpResponse:
    """A district's home page: its ATM office, its registry counts and indicators."""
    district = district_for_read(request.user, ubigeo)
    office = AtmOffice.objects.visible_to(request.user).filter(district=district).first()
    # The JASS at risk, worst first (most signals), each with the reason: one query (only an
    # active JASS raises signals).
    at_risk = worst_first(
        Jass.objects.in_district(district).active(), timezone.localdate(), AT_RISK_SHOWN
    )
    for jass in at_risk:
        jass.signals = signals_of(jass)
    # For each goal, what is still missing according to the latest finished run.
    goal_results = latest_results(district.ubigeo)
    missing = list(
        RequirementResult.objects.filter(district_result__in=goal_results, met=False)
        .select_related("requirement")
        .order_by("requirement__order", "requirement__code")
    )
    for result in goal_results:
        result.missing = [m for m in missing if m.district_result_id == result.pk]
    returned_results, returned_evidence = returned_for(district.ubigeo)
    return render(
        request,
        "ato/district_detail.html",
        {
            "district": district,
            "office": office,
            "at_risk": at_risk,
            "goal_results": goal_results,
            "returned_results": returned_results,
            "returned_evidence": returned_evidence,
            "year": timezone.localdate().year,
            "counts": jass_counts_for(district.ubigeo),
            "indicators": district_indicators(district.ubigeo, timezone.localdate()),
            "coverage": coverage_of(district.ubigeo),
            "grades": district_grades(district.ubigeo),
            "is_own": request.user.is_staff_of(district.ubigeo),
        },
    )


PUBLIC_CACHE_SECONDS = 300


@cache_page(PUBLIC_CACHE_SECONDS)
@cache_control(public=True, max_age=PUBLIC_CACHE_SECONDS)
@require_GET
def public_district_page(request: HttpRequest, ubigeo: str) -> HttpResponse:
    """A district's public page, without login (README, "Public pages"). Its template shows no
    user and sets no cookie (no form, no CSRF token), so one cached copy per language serves
    everyone; a signed-in user's copy still gets no-store from the middleware."""
    district = get_object_or_404(District.objects.with_place(), pk=ubigeo)
    return render(request, "ato/public_district.html", {"public": public_district(district)})


def _healthz_deep_allowed(request: HttpRequest) -> bool:
    """Operators: the `X-Healthz-Token` header equal to ATO_HEALTHZ_TOKEN (a monitor), or a
    signed-in staff user (the admin). Anyone else asking for `deep` gets the cheap answer: the
    deep one waits on the worker, and says how the system is built."""
    import hmac

    token = settings.ATO_HEALTHZ_TOKEN
    sent = request.headers.get("X-Healthz-Token", "")
    if token and sent and hmac.compare_digest(sent.encode(), token.encode()):
        return True
    return bool(request.user.is_authenticated and request.user.is_staff)


@never_cache
@transaction.non_atomic_requests
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 only when the database and, when one is configured, the broker answer.

    `?deep=1` for operators (`_healthz_deep_allowed`) adds a Celery worker heartbeat (a
    `ping` broadcast answered by any worker within ATO_HEALTHZ_WORKER_TIMEOUT) and each
    check's latency in ms. Without a broker, tasks run in-process: the worker is "eager"."""
    import time

    deep = request.GET.get("deep") == "1" and _healthz_deep_allowed(request)
    checks: dict[str, str] = {}
    latency: dict[str, float] = {}
    ok = True

    def timed(name: str, started: float) -> None:
        latency[name] = round((time.monotonic() - started) * 1000, 1)

    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        checks["database"] = "error"
        ok = False
    timed("database", started)
    if settings.REDIS_URL:
        started = time.monotonic()
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["broker"] = "ok"
        except Exception:  # noqa: BLE001
            checks["broker"] = "error"
            ok = False
        timed("broker", started)
    if deep:
        if not settings.REDIS_URL:
            checks["worker"] = "eager"
        elif checks["broker"] == "ok":
            from ato.celery import app

            started = time.monotonic()
            try:
                replies = app.control.ping(timeout=settings.ATO_HEALTHZ_WORKER_TIMEOUT, limit=1)
            except Exception:  # noqa: BLE001
                replies = []
            timed("worker", started)
            checks["worker"] = "ok" if replies else "error"
            ok = ok and bool(replies)
        else:
            checks["worker"] = "error"
        body = {"status": "ok" if ok else "error", **checks, "latency_ms": latency}
        return JsonResponse(body, status=200 if ok else 503)
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)
