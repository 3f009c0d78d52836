"""REST endpoints of the registry (/jass/, /water-systems/, /board-terms/; shared/API.md).

The same services as the pages do the writes, so validation, scoping and history are the same.
Staff of a district write their own district; reviewers read every district (403 on writes);
another district's objects are 404. DNI and phone appear only for the district's own staff.
"""

from __future__ import annotations

from operator import attrgetter

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from common.filters import NullsLastOrderingFilter
from common.serializing import FastRepresentation
from territory.access import DistrictStaffWrites, OwnDistrictObjects, OwnDistrictRelatedField
from territory.models import District

from . import services
from .filters import BoardTermFilter, JassFilter, WaterSystemFilter
from .models import (
    BoardMember,
    BoardTerm,
    Jass,
    WaterSystem,
    role_order,
)
from .risk import Signal, signal_codes


class ReasonSerializer(serializers.Serializer):
    """The optional body of a DELETE that dissolves or voids: why."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


def reason_from(request, *, default) -> str:
    """The `reason` of a DELETE's optional JSON body (400 if it is not text of at most 300
    characters), or `default`."""
    data = request.data if isinstance(request.data, dict) else {}
    body = ReasonSerializer(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data.get("reason", "").strip() or str(default)


def _sees_personal(serializer, district_id: str) -> bool:
    request = serializer.context.get("request")
    return bool(request and request.user.is_authenticated and request.user.is_staff_of(district_id))


# --- board terms ------------------------------------------------------------------------------


class BoardMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = BoardMember
        fields = ["role", "full_name", "dni", "sex", "phone", "starts_on", "ends_on"]
        extra_kwargs = {
            "dni": {"required": False},
            "sex": {"required": False},
            "phone": {"required": False},
        }

    def to_representation(self, member):
        data = super().to_representation(member)
        district_id = self.context.get("district_id")
        if district_id is None or not _sees_personal(self, district_id):
            data.pop("dni", None)
            data.pop("phone", None)
        return data


class BoardTermSerializer(serializers.ModelSerializer):
    members = BoardMemberSerializer(many=True, max_length=services.MAX_BOARD_MEMBERS)
    jass = OwnDistrictRelatedField(queryset=Jass.objects.all())

    class Meta:
        model = BoardTerm
        fields = ["id", "jass", "starts_on", "ends_on", "elected_on", "election_record", "members"]

    def to_representation(self, term):
        self.fields["members"].child.context["district_id"] = term.jass.district_id
        return super().to_representation(term)

    def create(self, validated_data):
        members = validated_data.pop("members")
        return services.board_term_start(
            user=self.context["request"].user, members=members, **validated_data
        )


class BoardTermViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Board terms. Starting a term closes the one it overlaps (the day before its start).
    Terms are not edited or deleted through the API: the register of boards is a record."""

    serializer_class = BoardTermSerializer
    permission_classes = [DistrictStaffWrites]
    filterset_class = BoardTermFilter
    ordering_fields = ["starts_on", "ends_on", "id"]
    ordering = ["-starts_on", "id"]

    def get_queryset(self):
        return (
            BoardTerm.objects.filter(jass__in=Jass.objects.visible_to(self.request.user))
            .select_related("jass")
            .prefetch_related(
                Prefetch("members", queryset=BoardMember.objects.order_by(role_order(), "pk"))
            )
        )


# --- water systems ----------------------------------------------------------------------------


class WaterSystemSerializer(serializers.ModelSerializer):
    jass = OwnDistrictRelatedField(queryset=Jass.objects.all())

    class Meta:
        model = WaterSystem
        fields = [
            "id",
            "jass",
            "name",
            "system_type",
            "built_year",
            "households",
            "chlorination",
            "condition",
            "retired_on",
            "latitude",
            "longitude",
            "last_reading_on",
            "last_reading_mg_l",
            "grade",
            "score",
        ]
        read_only_fields = ["last_reading_on", "last_reading_mg_l", "grade", "score"]

    def validate(self, attrs):
        if self.instance is not None and "jass" in attrs and attrs["jass"] != self.instance.jass:
            raise serializers.ValidationError(
                {"jass": [_("Un sistema no se traslada a otra organización.")]}
            )
        return attrs

    def create(self, validated_data):
        retired_on = validated_data.pop("retired_on", None)
        jass = validated_data.pop("jass")
        user = self.context["request"].user
        system = services.water_system_create(user=user, jass=jass, data=validated_data)
        if retired_on:
            system = services.water_system_retire(user=user, system=system, retired_on=retired_on)
        return system

    def update(self, system, validated_data):
        retired_on = validated_data.pop("retired_on", None)
        validated_data.pop("jass", None)
        user = self.context["request"].user
        system = services.water_system_update(user=user, system=system, data=validated_data)
        if retired_on and not system.retired_on:
            system = services.water_system_retire(user=user, system=system, retired_on=retired_on)
        return system


class WaterSystemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Water systems. Retire one by PATCHing `retired_on`; nothing is deleted."""

    serializer_class = WaterSystemSerializer
    permission_classes = [DistrictStaffWrites]
    filterset_class = WaterSystemFilter
    filter_backends = [DjangoFilterBackend, NullsLastOrderingFilter]
    ordering_fields = ["name", "id", "grade", "score"]
    nulls_last_fields = ("grade", "score")  # never assessed last, whichever the direction
    ordering = ["jass_id", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return WaterSystem.objects.filter(jass__in=Jass.objects.visible_to(self.request.user))


# --- JASS ------------------------------------------------------------------------------------


class UbigeoField(serializers.SlugRelatedField):
    """A district by its ubigeo, read from the foreign key without loading the district."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="ubigeo", queryset=District.objects.all(), **kwargs)

    def use_pk_only_optimization(self):
        return True

    def to_representation(self, value):
        return value.pk  # the ubigeo is the district's primary key


class JassSerializer(FastRepresentation, serializers.ModelSerializer):
    district = UbigeoField()
    risk_signals = serializers.SerializerMethodField()

    class Meta:
        model = Jass
        fields = [
            "id",
            "name",
            "kind",
            "district",
            "status",
            "registry_number",
            "recognition_resolution",
            "recognized_on",
            "associates",
            "monthly_fee",
            "risk_signals",
            "communities",
            "households",
            "statute_approved",
            "regulation_approved",
            "latitude",
            "longitude",
            "last_visit_on",
            "last_training_on",
            "last_finance_review_on",
            "grade",
            "score",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "grade",
            "score",
            "last_visit_on",
            "last_training_on",
            "last_finance_review_on",
            "created_at",
            "updated_at",
        ]
        # Uniqueness is checked by the service (full_clean), with the message on its field.
        validators = []

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Signal.choices)))
    def get_risk_signals(self, jass) -> list[str]:
        return signal_codes(jass)

    def validate_district(self, district):
        user = self.context["request"].user
        if self.instance is not None and district.ubigeo != self.instance.district_id:
            raise serializers.ValidationError(_("Una organización no cambia de distrito."))
        if not user.is_staff_of(district.ubigeo):
            raise serializers.ValidationError(
                _("Solo puede registrar organizaciones de su propio distrito.")
            )
        return district

    def create(self, validated_data):
        district = validated_data.pop("district")
        jass = services.jass_create(
            user=self.context["request"].user, district_id=district.ubigeo, data=validated_data
        )
        return _annotated(jass.pk)

    def update(self, jass, validated_data):
        validated_data.pop("district", None)
        jass = services.jass_update(
            user=self.context["request"].user, jass=jass, data=validated_data
        )
        return _annotated(jass.pk)


class JassDetailSerializer(JassSerializer):
    water_systems = WaterSystemSerializer(many=True, read_only=True)
    current_board = serializers.SerializerMethodField()

    class Meta(JassSerializer.Meta):
        fields = [*JassSerializer.Meta.fields, "water_systems", "current_board"]

    @extend_schema_field(BoardTermSerializer(allow_null=True, read_only=True))
    def get_current_board(self, jass):
        today = timezone.localdate()
        current = next(
            (t for t in jass.board_terms.all() if t.starts_on <= today <= t.ends_on), None
        )
        if current is None:
            return None
        serializer = BoardTermSerializer(current, context=self.context)
        return serializer.data


def _annotated(pk: int) -> Jass:
    return Jass.objects.filter(pk=pk).with_risk(timezone.localdate()).get()


class JassViewSet(OwnDistrictObjects, viewsets.ModelViewSet):
    """Community water organisations. DELETE dissolves (status `dissolved`); nothing is
    hard-deleted and the history is kept."""

    permission_classes = [DistrictStaffWrites]
    district_of = attrgetter("district_id")
    filterset_class = JassFilter
    filter_backends = [DjangoFilterBackend, NullsLastOrderingFilter]
    nulls_last_fields = ("grade", "score")  # never assessed last, whichever the direction
    ordering_fields = [
        "name",
        "registry_number",
        "recognized_on",
        "associates",
        "id",
        "grade",
        "score",
    ]
    ordering = ["district_id", "name", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        # The signals as SQL flags only when the list is filtered by them; otherwise they are
        # decided in Python for the rows of the page (see risk.with_risk).
        flags = self.action != "list" or bool(params.get("at_risk") or params.get("signal"))
        queryset = Jass.objects.visible_to(self.request.user).with_risk(
            timezone.localdate(), flags=flags
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "water_systems",
                Prefetch(
                    "board_terms",
                    queryset=BoardTerm.objects.select_related("jass").prefetch_related(
                        Prefetch(
                            "members", queryset=BoardMember.objects.order_by(role_order(), "pk")
                        )
                    ),
                ),
            )
        return queryset

    def get_serializer_class(self):
        return JassDetailSerializer if self.action == "retrieve" else JassSerializer

    @extend_schema(request=ReasonSerializer, responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Dissolve (status `dissolved`, the only way there). The reason goes in an optional
        JSON body `{"reason": "..."}`; without one the history says it came from the API."""
        jass = self.get_object()
        reason = reason_from(request, default=_("Disolución solicitada por la API, sin motivo."))
        services.jass_dissolve(user=request.user, jass=jass, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)
