"""REST endpoint /visits/ (shared/API.md): the same service as the page records, edits and
deletes visits, so the rules and the registry summaries are the same."""

from __future__ import annotations

from operator import attrgetter

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from jass_registry.api import ReasonSerializer, reason_from
from jass_registry.models import Jass, WaterSystem
from territory.access import DistrictStaffWrites, OwnDistrictObjects, OwnDistrictRelatedField

from . import services
from .filters import VisitFilter
from .models import Agreement, ChlorineReading, Topic, Visit


class ReadingSerializer(serializers.ModelSerializer):
    water_system = OwnDistrictRelatedField(
        queryset=WaterSystem.objects.all(), district_lookup="jass__district_id"
    )

    class Meta:
        model = ChlorineReading
        fields = ["water_system", "point", "mg_per_l", "taken_on"]
        extra_kwargs = {"taken_on": {"required": False}}


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agreement
        fields = ["id", "task", "responsible", "due_on", "done_on"]
        read_only_fields = ["id"]
        extra_kwargs = {"done_on": {"required": False}}


class VisitSerializer(serializers.ModelSerializer):
    jass = OwnDistrictRelatedField(queryset=Jass.objects.all())
    staff = serializers.SlugRelatedField(slug_field="username", read_only=True)
    topics = serializers.ListField(
        child=serializers.ChoiceField(Topic.choices), required=False, max_length=len(Topic)
    )
    # The service's caps, checked before any line is validated.
    readings = ReadingSerializer(
        many=True, required=False, max_length=services.MAX_READINGS_PER_VISIT
    )
    agreements = AgreementSerializer(
        many=True, required=False, max_length=services.MAX_AGREEMENTS_PER_VISIT
    )
    voided = serializers.BooleanField(source="is_voided", read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "jass",
            *services.VISIT_FIELDS,  # what a visit records, in the order the service writes it
            "staff",
            "readings",
            "agreements",
            "created_at",
            "updated_at",
            "voided",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = ["created_at", "updated_at", "voided_at", "void_reason"]
        validators = []

    def validate(self, attrs):
        if self.instance is not None and "jass" in attrs and attrs["jass"] != self.instance.jass:
            raise serializers.ValidationError({"jass": [_("Una visita no cambia de JASS.")]})
        return attrs

    def _split(self, validated_data):
        readings = validated_data.pop("readings", None)
        agreements = validated_data.pop("agreements", None)
        validated_data.pop("jass", None)
        return validated_data, readings, agreements

    def create(self, validated_data):
        jass = validated_data["jass"]
        data, readings, agreements = self._split(validated_data)
        return services.visit_record(
            user=self.context["request"].user,
            jass=jass,
            data=data,
            readings=readings or [],
            agreements=agreements or [],
        )

    def update(self, visit, validated_data):
        data, readings, agreements = self._split(validated_data)
        return services.visit_update(
            user=self.context["request"].user,
            visit=visit,
            data=data,
            readings=readings,
            agreements=agreements,
        )


class VisitViewSet(OwnDistrictObjects, viewsets.ModelViewSet):
    """Advisory visits with their chlorine readings and agreements. Staff write their own
    district's visits; reviewers read every district. DELETE voids (the visit is kept, marked
    `voided`, and leaves the list); a voided visit is still read by its id."""

    serializer_class = VisitSerializer
    permission_classes = [DistrictStaffWrites]
    district_of = attrgetter("jass.district_id")
    filterset_class = VisitFilter
    ordering_fields = ["date", "id"]
    ordering = ["-date", "-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        visits = Visit.objects.visible_to(self.request.user)
        if self.action == "list":
            visits = visits.valid()
        return visits.select_related("staff").prefetch_related(
            Prefetch("readings", queryset=ChlorineReading.objects.order_by("id")),
            Prefetch("agreements", queryset=Agreement.objects.order_by("id")),
        )

    @extend_schema(request=ReasonSerializer, responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Void the visit (anular): nothing is deleted. The reason goes in an optional JSON
        body `{"reason": "..."}`; voiding a voided visit changes nothing."""
        visit = self.get_object()
        reason = reason_from(request, default=_("Anulada mediante la API, sin motivo."))
        if not visit.is_voided:
            services.visit_void(user=request.user, visit=visit, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)
