"""REST endpoint /assessments/ (shared/API.md 1.1): service assessments at visits, written by the
same service as the page ("Evaluar el servicio"), so the rules and the grade refresh are the
same. Staff write their own district's; reviewers read every district (403 on writes); another
district's are 404. Nothing is deleted: an assessment stops counting when its visit is voided."""

from __future__ import annotations

from operator import attrgetter

from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets

from jass_registry.models import WaterSystem
from territory.access import DistrictStaffWrites, OwnDistrictObjects, OwnDistrictRelatedField
from visits.models import Visit

from . import services
from .filters import AssessmentFilter
from .models import ServiceAssessment


class AssessmentSerializer(serializers.ModelSerializer):
    visit = OwnDistrictRelatedField(queryset=Visit.objects.valid(), district_lookup="district_id")
    water_system = OwnDistrictRelatedField(
        queryset=WaterSystem.objects.all(), district_lookup="jass__district_id"
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    visit_voided = serializers.SerializerMethodField(
        help_text="La visita fue anulada: la evaluación no cuenta."
    )

    class Meta:
        model = ServiceAssessment
        fields = [
            "id",
            "visit",
            "water_system",
            *services.ASSESSMENT_FIELDS,
            "visit_voided",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # One per system and visit is checked by the service (full_clean), in Spanish.
        validators = []

    def get_visit_voided(self, assessment) -> bool:
        return assessment.visit.voided_at is not None

    def validate(self, attrs):
        if self.instance is not None:
            for name, message in (
                ("visit", _("Una evaluación no cambia de visita.")),
                ("water_system", _("Una evaluación no cambia de sistema de agua.")),
            ):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError({name: [message]})
        return attrs

    def create(self, validated_data):
        visit = validated_data.pop("visit")
        water_system = validated_data.pop("water_system")
        return services.assessment_record(
            user=self.context["request"].user,
            visit=visit,
            water_system=water_system,
            data=validated_data,
        )

    def update(self, assessment, validated_data):
        validated_data.pop("visit", None)
        validated_data.pop("water_system", None)
        return services.assessment_update(
            user=self.context["request"].user, assessment=assessment, data=validated_data
        )


class AssessmentViewSet(
    OwnDistrictObjects,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Service assessments (one per water system and visit). The list leaves out those of
    voided visits; one is still read by its id, with `visit_voided`."""

    serializer_class = AssessmentSerializer
    permission_classes = [DistrictStaffWrites]
    district_of = attrgetter("visit.jass.district_id")
    filterset_class = AssessmentFilter
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        assessments = ServiceAssessment.objects.visible_to(self.request.user)
        if self.action == "list":
            assessments = assessments.valid()
        return assessments.select_related("visit", "visit__jass", "created_by")
