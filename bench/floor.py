"""Floor views: the rows an endpoint returns, read with `values()` and answered as JSON by a
plain Django view (no DRF, no serializers, no permission layer, no authentication). An
endpoint's time divided by its floor's is the price of the framework around the same query.
Only mounted by `bench.settings`, never in the app."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.utils import timezone

from incentives.models import DistrictResult, RequirementResult
from jass_registry.api import JassSerializer
from jass_registry.models import Jass, JassStatus
from territory.models import District, DistrictCategory

# The endpoint's own columns (its serializer's field list), so the two cannot drift apart;
# `risk_signals` is derived, the floor reads the facts it is made of (RISK_FACTS).
JASS_FIELDS = [
    "district_id" if name == "district" else name
    for name in JassSerializer.Meta.fields
    if name != "risk_signals"
]
RISK_FACTS = [
    "board_starts_on",
    "board_ends_on",
    "board_last_ended_on",
    "poorly_chlorinated_system",
]


def _page(request, default=50):
    size = min(int(request.GET.get("page_size", default)), 500)
    page = max(int(request.GET.get("page", 1)), 1)
    return (page - 1) * size, page * size


def districts(request):
    first, last = _page(request)
    year = int(request.GET.get("year", 2017))
    jass = Jass.objects.filter(district=OuterRef("pk")).order_by().values("district")
    counted = jass.annotate(n=Count("pk")).values("n")[:1]
    active = jass.filter(status=JassStatus.ACTIVE).annotate(n=Count("pk")).values("n")[:1]
    rows = list(
        District.objects.order_by("ubigeo")
        .annotate(
            category=Subquery(
                DistrictCategory.objects.filter(district=OuterRef("pk"), year=year).values(
                    "category"
                )[:1]
            ),
            jass_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
            active_jass_count=Coalesce(Subquery(active, output_field=IntegerField()), 0),
        )
        .values(
            "ubigeo",
            "name",
            "province_id",
            "province__name",
            "department_id",
            "department__name",
            "category",
            "jass_count",
            "active_jass_count",
        )[first:last]
    )
    return JsonResponse({"count": District.objects.count(), "results": rows})


def jass(request):
    """The same rows as the endpoint, risk facts included: its signals come from the current
    board's dates and one poorly chlorinated system, so the floor reads them too (the same
    annotations, `with_risk(flags=False)`), and leaves deciding the signals out."""
    first, last = _page(request)
    queryset = Jass.objects.in_district(request.GET["district"])
    rows = list(
        queryset.with_risk(timezone.localdate(), flags=False)
        .order_by("district_id", "name")
        .values(*JASS_FIELDS, *RISK_FACTS)[first:last]
    )
    return JsonResponse({"count": queryset.count(), "results": rows})


def run_results(request, pk):
    first, last = _page(request)
    queryset = DistrictResult.objects.filter(run_id=pk)
    rows = list(
        queryset.order_by("district_id").values(
            "id", "district_id", "score", "passed", "review", "review_comment"
        )[first:last]
    )
    requirements = {}
    for row in (
        RequirementResult.objects.filter(district_result_id__in=[r["id"] for r in rows])
        .order_by("requirement__order", "requirement__code")
        .values(
            "district_result_id",
            "requirement__code",
            "numerator",
            "denominator",
            "value",
            "threshold",
            "met",
        )
    ):
        requirements.setdefault(row.pop("district_result_id"), []).append(row)
    for row in rows:
        row["requirements"] = requirements.get(row.pop("id"), [])
    return JsonResponse({"count": queryset.count(), "results": rows})
