"""REST API v1: the router, authentication and the district endpoints (see shared/API.md)."""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from common.exporting import csv_response
from common.serializing import FastRepresentation
from communities.api import PopulatedCentreViewSet
from communities.coverage import coverage_of
from incentives.api import EvidenceViewSet, GoalViewSet, RunViewSet
from incentives.queries import latest_results
from jass_registry.api import BoardTermViewSet, JassViewSet, WaterSystemViewSet
from jass_registry.indicators import district_indicators
from service_grades.api import AssessmentViewSet
from service_grades.queries import district_grades
from territory.access import IsReviewer, district_for_read
from territory.api import NotificationViewSet
from territory.models import (
    ApiToken,
    AtmBudget,
    AtmOffice,
    Department,
    District,
    TokenRevocation,
)
from territory.services import api_token_issue, api_token_revoke
from visits.api import VisitViewSet

from . import open_data
from .auth import client_ip
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


class GradesSerializer(serializers.Serializer):
    """Active water systems by service level (`none`: never assessed)."""

    A = serializers.IntegerField()
    B = serializers.IntegerField()
    C = serializers.IntegerField()
    D = serializers.IntegerField()
    none = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    """Households served over households of the district's rural centres (a centre's served
    households capped at its own); `ratio` null without rural households."""

    households = serializers.IntegerField()
    households_served = serializers.IntegerField()
    ratio = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)


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
    coverage = serializers.SerializerMethodField()
    grades = serializers.SerializerMethodField()

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
            "coverage",
            "grades",
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

    @extend_schema_field(CoverageSerializer())
    def get_coverage(self, district: District):
        """communities.coverage's one definition, for this district (one query)."""
        return CoverageSerializer(coverage_of(district.ubigeo)).data

    @extend_schema_field(GradesSerializer())
    def get_grades(self, district: District):
        """The district's active water systems by grade (one query)."""
        return district_grades(district.ubigeo)


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
    """Token requests per client IP, read as django-axes reads it (never a client's own
    X-Forwarded-For: rotating it does not give more tries)."""

    rate = "30/min"

    def get_ident(self, request):
        return client_ip(request) or ""


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    revoked = serializers.SerializerMethodField(help_text="La revocación o el vencimiento.")
    state = serializers.SerializerMethodField(help_text="Por qué ya no sirve; vacío si sirve.")
    current = serializers.SerializerMethodField(help_text="Es el token de esta solicitud.")

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "created", "last_used", "expires", "revoked", "state", "current"]

    def get_revoked(self, token: ApiToken) -> bool:
        return bool(self.get_state(token))

    def get_state(self, token: ApiToken) -> str:
        return token.state(self.context["now"])

    def get_current(self, token: ApiToken) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class ObtainToken(APIView):
    """`POST {"username", "password"}` → `{"token", "expires"}`: a new token. Failures count toward
    the same lockout as the login page (django-axes, and the per-IP limit of `ato.auth`).
    `DELETE` revokes the token the request is made with."""

    def get_authenticators(self):
        # Asking for a token needs no credentials: a stale token in the header is not a 401.
        # (`self.request` is the Django request here; None while the schema is generated.)
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        return [TokenThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenIssuedSerializer, 400: OpenApiTypes.OBJECT, 429: OpenApiTypes.OBJECT},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        # Refusals are returned, never raised: DRF rolls the request's transaction back on a
        # raised error (ATOMIC_REQUESTS), and django-axes' record of the failure with it. The
        # Django request (not DRF's wrapper) goes to `authenticate`, so that django-axes flags it
        # and its middleware answers a locked-out client with `ato.auth.lockout_response`.
        serializer = TokenRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return Response(serializer.errors, status=400)
        django_request = request._request
        user = authenticate(
            django_request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            return Response(
                {"detail": _("Usuario o contraseña incorrectos, o la cuenta está bloqueada.")},
                status=400,
            )
        token, key = api_token_issue(user=user)
        # As a sign-in on the login page: django-axes clears the user's failures, Django
        # records last_login.
        user_logged_in.send(sender=type(user), request=django_request, user=user)
        return Response(TokenIssuedSerializer({"token": key, "expires": token.expires}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        if not isinstance(request.auth, ApiToken):
            raise ValidationError(
                {"detail": _("Esta solicitud no usa un token: no hay nada que revocar.")}
            )
        api_token_revoke(token=request.auth, reason=TokenRevocation.BY_USER)
        return Response(status=204)


class OwnTokenList(ListAPIView):
    """The signed-in user's own tokens, newest first, revoked and expired ones included."""

    serializer_class = ApiTokenSerializer
    filter_backends = []

    def get_queryset(self):
        return ApiToken.objects.of(self.request.user).select_related("user")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


# --- Open data (README "Datos abiertos: WPDx y DHIS2"; rows and values: ato/open_data.py) -----


class AnyAccept:
    """APIView mixin for a file: it is answered whatever the client's Accept header (a client
    asking for text/csv gets the CSV, and a refusal as JSON, instead of 406)."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


def _department_field(help_text) -> serializers.RegexField:
    return serializers.RegexField(
        r"^[0-9]{2}\Z",
        required=False,
        help_text=help_text,
        error_messages={"invalid": gettext_lazy("El departamento tiene 2 dígitos.")},
    )


class WpdxQuerySerializer(serializers.Serializer):
    district = serializers.RegexField(
        r"^[0-9]{6}\Z",
        required=False,
        help_text=gettext_lazy("Ubigeo del distrito (6 dígitos)."),
        error_messages={"invalid": gettext_lazy("El ubigeo tiene 6 dígitos.")},
    )
    department = _department_field(
        gettext_lazy("Código del departamento (2 dígitos); solo revisores.")
    )

    def validate(self, attrs):
        if "district" in attrs and "department" in attrs:
            raise ValidationError(
                {"non_field_errors": [_("Indique el distrito o el departamento, no ambos.")]}
            )
        return attrs


class WpdxExport(AnyAccept, APIView):
    """The active water systems as a WPDx-style CSV (UTF-8, no BOM), one row a system.
    `?district=`: a district the user may read (another district: 404); `?department=`, or
    neither for the whole country: reviewers (ATM staff without a parameter get their own
    district)."""

    @extend_schema(
        parameters=[WpdxQuerySerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        summary="Sistemas de agua en formato WPDx (CSV)",
        operation_id="exports_wpdx_csv",
    )
    def get(self, request):
        query = WpdxQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = request.user
        district = query.validated_data.get("district")
        department = query.validated_data.get("department")
        reviewer = IsReviewer().has_permission(request, self)
        if district:
            district = district_for_read(user, district).ubigeo  # another district: 404
        elif not reviewer and (department or not user.is_atm):
            self.permission_denied(request, message=IsReviewer.message)
        elif department:
            get_object_or_404(Department, pk=department)
        elif not reviewer:
            district = user.district_id
        systems = open_data.wpdx_systems(district_id=district, department_id=department)
        return csv_response(
            f"wpdx-{district or department or 'peru'}",
            open_data.WPDX_COLUMNS,
            open_data.wpdx_rows(systems),
            bom=False,
        )


class Dhis2QuerySerializer(serializers.Serializer):
    period = serializers.CharField(
        max_length=6,
        help_text=gettext_lazy("Mes en formato DHIS2 AAAAMM, no futuro."),
        error_messages={"required": gettext_lazy("Indique el periodo como AAAAMM.")},
    )
    department = _department_field(
        gettext_lazy("Código del departamento (2 dígitos); sin él, todo el país.")
    )

    def validate_period(self, value: str):
        return open_data.period_start(value)


class DataValueSerializer(serializers.Serializer):
    dataElement = serializers.CharField()  # noqa: N815 - DHIS2's own keys
    period = serializers.CharField()
    orgUnit = serializers.CharField(help_text="Ubigeo del distrito.")  # noqa: N815
    value = serializers.CharField()


class Dhis2DataValues(APIView):
    """District indicators of a month as a DHIS2 `dataValueSets` document, for reviewers:
    every district of `?department=`, or of the country. The data elements are described at
    `/api/v1/exports/dhis2/data-elements.json`."""

    permission_classes = [IsReviewer]

    @extend_schema(
        parameters=[Dhis2QuerySerializer],
        responses={
            200: inline_serializer(
                "Dhis2DataValueSet", {"dataValues": DataValueSerializer(many=True)}
            )
        },
        summary="Indicadores distritales del mes para DHIS2 (dataValueSets)",
        operation_id="exports_dhis2_datavalues",
    )
    def get(self, request):
        query = Dhis2QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data["period"]
        districts = District.objects.all()
        if department := query.validated_data.get("department"):
            get_object_or_404(Department, pk=department)
            districts = districts.filter(department_id=department)
        values = open_data.district_values(districts, start, open_data.period_end(start))
        return Response({"dataValues": open_data.data_values(values, f"{start:%Y%m}")})


class DataElementSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    shortName = serializers.CharField()  # noqa: N815 - DHIS2's own keys
    description = serializers.CharField()
    valueType = serializers.CharField()  # noqa: N815
    aggregationType = serializers.CharField()  # noqa: N815
    domainType = serializers.CharField()  # noqa: N815


class Dhis2DataElements(APIView):
    """The data elements of the DHIS2 export as DHIS2 metadata (`dataElements`), for any
    signed-in user."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "Dhis2DataElements", {"dataElements": DataElementSerializer(many=True)}
            )
        },
        summary="Elementos de datos del export DHIS2",
        operation_id="exports_dhis2_data_elements",
    )
    def get(self, request):
        return Response({"dataElements": open_data.data_elements()})


# JSON only: no `.json` suffix routes (the contract has none, and DRF's suffix patterns reach
# @action methods with a `format` argument they do not take).
router = DefaultRouter()
router.include_format_suffixes = False
router.register("districts", DistrictViewSet, basename="district")
router.register("jass", JassViewSet, basename="jass")
router.register("water-systems", WaterSystemViewSet, basename="water-system")
router.register("board-terms", BoardTermViewSet, basename="board-term")
router.register("visits", VisitViewSet, basename="visit")
router.register("goals", GoalViewSet, basename="goal")
router.register("runs", RunViewSet, basename="run")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("populated-centres", PopulatedCentreViewSet, basename="populated-centre")
router.register("assessments", AssessmentViewSet, basename="assessment")


def as_drf_error(error) -> ValidationError:
    """A Django ValidationError as DRF's: field errors under their field, the rest under
    `non_field_errors`."""
    if hasattr(error, "error_dict"):
        return ValidationError(
            {
                ("non_field_errors" if k == "__all__" else k): v
                for k, v in error.message_dict.items()
            }
        )
    return ValidationError({"non_field_errors": error.messages})


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError (raised by a service or a model's
    `full_clean`) as a 400: the API modules let it through rather than catch it."""
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
