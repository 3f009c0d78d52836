"""REST API v1: the router, authentication and the district endpoints (see shared/API.md)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import AnonRateThrottle

from incentives.api import GoalViewSet, RunViewSet
from incentives.queries import latest_results
from jass_registry.api import BoardTermViewSet, JassViewSet, WaterSystemViewSet, as_drf_error
from jass_registry.indicators import district_indicators
from territory.models import AtmBudget, AtmOffice, District
from territory.serializing import FastRepresentation
from visits.api import VisitViewSet

from .districts import DistrictFilter, category_year_from, districts_with_counts


class PlaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class DistrictSerializer(FastRepresentation, serializers.ModelSerializer):
    province = PlaceSerializer(read_only=True)
    department = PlaceSerializer(read_only=True)
    category = serializers.CharField(read_only=True, allow_null=True)
    category_year = serializers.IntegerField(read_only=True)
    jass_count = serializers.IntegerField(read_only=True)
    active_jass_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = District
        fields = [
            "ubigeo",
            "name",
            "province",
            "department",
            "category",
            "category_year",
            "jass_count",
            "active_jass_count",
        ]


class BudgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = AtmBudget
        fields = ["year", "amount", "description"]


class AtmOfficeSerializer(serializers.ModelSerializer):
    budgets = BudgetSerializer(many=True, read_only=True)
    email = serializers.CharField(read_only=True)  # may be blank: not an "email" format
    created = serializers.BooleanField(source="is_created", read_only=True)

    class Meta:
        model = AtmOffice
        fields = [
            "created",
            "ordinance_number",
            "ordinance_date",
            "in_rof",
            "in_mof",
            "head_name",
            "head_resolution",
            "head_designated_on",
            "address",
            "email",
            "budgets",
        ]


class RatioSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()


class IndicatorsSerializer(serializers.Serializer):
    jass_visited_ratio_12m = RatioSerializer()
    chlorination_ratio_60d = RatioSerializer()
    board_current_ratio = RatioSerializer()


class GoalStatusSerializer(serializers.Serializer):
    code = serializers.CharField()
    score = serializers.IntegerField()
    passed = serializers.BooleanField()
    run_id = serializers.IntegerField()
    cutoff = serializers.DateField()


class DistrictDetailSerializer(DistrictSerializer):
    atm_office = serializers.SerializerMethodField()
    indicators = serializers.SerializerMethodField()
    goals = serializers.SerializerMethodField()

    class Meta(DistrictSerializer.Meta):
        fields = [
            *DistrictSerializer.Meta.fields,
            "capital",
            "altitude",
            "latitude",
            "longitude",
            "atm_office",
            "indicators",
            "goals",
        ]

    @extend_schema_field(AtmOfficeSerializer(allow_null=True))
    def get_atm_office(self, district: District):
        office = AtmOffice.objects.filter(district=district).prefetch_related("budgets").first()
        return AtmOfficeSerializer(office).data if office else None

    @extend_schema_field(IndicatorsSerializer())
    def get_indicators(self, district: District):
        return IndicatorsSerializer(district_indicators(district.ubigeo, timezone.localdate())).data

    @extend_schema_field(GoalStatusSerializer(many=True))
    def get_goals(self, district: District):
        """The latest finished result of the district for each goal."""
        return [
            {
                "code": r.run.goal.code,
                "score": r.score,
                "passed": r.passed,
                "run_id": r.run_id,
                "cutoff": r.run.cutoff,
            }
            for r in latest_results(district.ubigeo)
        ]


@extend_schema(
    parameters=[
        OpenApiParameter(
            "year", int, description="Año de la clasificación PI (por defecto, el último cargado)."
        ),
    ]
)
class DistrictViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Peru's districts (INEI ubigeo) with their PI category and JASS counts.

    Territory is public reference data: every signed-in user reads every district."""

    lookup_field = "ubigeo"
    lookup_value_regex = r"\d{6}"
    filterset_class = DistrictFilter
    ordering_fields = ["ubigeo", "name", "jass_count", "active_jass_count"]
    ordering = ["ubigeo"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database
            return District.objects.none()
        year = category_year_from(self.request.query_params)
        return districts_with_counts(year).visible_to(self.request.user)

    def get_serializer_class(self):
        return DistrictDetailSerializer if self.action == "retrieve" else DistrictSerializer


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"


class ObtainToken(ObtainAuthToken):
    """`POST {"username", "password"}` → `{"token"}`. Repeated failures lock the account
    (django-axes), as on the login page."""

    throttle_classes = [TokenThrottle]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


router = DefaultRouter()
router.register("districts", DistrictViewSet, basename="district")
router.register("jass", JassViewSet, basename="jass")
router.register("water-systems", WaterSystemViewSet, basename="water-system")
router.register("board-terms", BoardTermViewSet, basename="board-term")
router.register("visits", VisitViewSet, basename="visit")
router.register("goals", GoalViewSet, basename="goal")
router.register("runs", RunViewSet, basename="run")


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError (raised by a service) as a 400."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.http import Http404
    from rest_framework.exceptions import NotFound
    from rest_framework.views import exception_handler as drf_handler

    if isinstance(exc, DjangoValidationError):
        exc = as_drf_error(exc)
    elif isinstance(exc, Http404):
        exc = NotFound()  # the generic, translated message; never the model's name
    return drf_handler(exc, context)


def api_not_found(request, exception=None):
    """404 for a path under /api/ that matches no route: JSON, like every API answer."""
    from django.http import JsonResponse
    from django.utils.translation import gettext as _

    return JsonResponse({"detail": _("No encontrado.")}, status=404)
