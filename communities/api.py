"""REST endpoint of the populated centres (/populated-centres/, looked up by INEI code;
shared/API.md "Added in 1.1").

The same services as the pages do the writes. Staff of a district write their own district;
reviewers read every district (403 on writes); another district's centres are 404. A centre
holds no personal data.
"""

from __future__ import annotations

from operator import attrgetter

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets

from jass_registry.api import UbigeoField
from jass_registry.models import Jass, WaterSystem
from territory.access import DistrictStaffWrites, OwnDistrictObjects, OwnDistrictRelatedField

from . import services
from .filters import PopulatedCentreFilter
from .models import MAX_SERVED_HOUSEHOLDS, CentreService, PopulatedCentre

MAX_SERVICES_PER_CENTRE = 20


class ServedBySerializer(serializers.Serializer):
    """One open service of the centre: a JASS of the centre's district, optionally one of its
    water systems, and the households it serves there."""

    jass = OwnDistrictRelatedField(queryset=Jass.objects.all())
    water_system = OwnDistrictRelatedField(
        queryset=WaterSystem.objects.all(),
        district_lookup="jass__district_id",
        allow_null=True,
        required=False,
    )
    households_served = serializers.IntegerField(min_value=1, max_value=MAX_SERVED_HOUSEHOLDS)


class PopulatedCentreSerializer(serializers.ModelSerializer):
    district = UbigeoField()
    served_by = ServedBySerializer(
        many=True, required=False, max_length=MAX_SERVICES_PER_CENTRE, source="open_services"
    )

    class Meta:
        model = PopulatedCentre
        fields = [
            "code",
            "name",
            "district",
            "area",
            "households",
            "population",
            "latitude",
            "longitude",
            "served_by",
            "retired_on",
        ]
        read_only_fields = ["retired_on"]
        # Uniqueness and the code's district are checked by the service (full_clean), with the
        # message on its field.
        validators = []
        extra_kwargs = {"code": {"validators": []}}

    def validate_district(self, district):
        user = self.context["request"].user
        if self.instance is not None and district.ubigeo != self.instance.district_id:
            raise serializers.ValidationError(_("Un centro poblado no cambia de distrito."))
        if not user.is_staff_of(district.ubigeo):
            raise serializers.ValidationError(
                _("Solo puede registrar centros poblados de su propio distrito.")
            )
        return district

    def create(self, validated_data):
        served_by = validated_data.pop("open_services", None)
        district = validated_data.pop("district")
        user = self.context["request"].user
        centre = services.centre_create(user=user, district_id=district.ubigeo, data=validated_data)
        if served_by:
            services.centre_services_set(user=user, centre=centre, served_by=served_by)
        return _with_services(centre.pk)

    def update(self, centre, validated_data):
        served_by = validated_data.pop("open_services", None)
        validated_data.pop("district", None)
        user = self.context["request"].user
        centre = services.centre_update(user=user, centre=centre, data=validated_data)
        if served_by is not None:
            services.centre_services_set(user=user, centre=centre, served_by=served_by)
        return _with_services(centre.pk)


def _open_services() -> Prefetch:
    return Prefetch(
        "services",
        queryset=CentreService.objects.current().order_by("pk"),
        to_attr="open_services",
    )


def _with_services(pk: int) -> PopulatedCentre:
    return PopulatedCentre.objects.prefetch_related(_open_services()).get(pk=pk)


class PopulatedCentreViewSet(
    OwnDistrictObjects,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Populated centres (centros poblados) by INEI code, with the JASS and water systems that
    serve them (`served_by`: a PATCH with it replaces the open services: a JASS left out stops
    serving, a changed one is ended and recorded anew). Nothing is deleted: a retired centre
    keeps its row with `retired_on`."""

    serializer_class = PopulatedCentreSerializer
    permission_classes = [DistrictStaffWrites]
    district_of = attrgetter("district_id")
    filterset_class = PopulatedCentreFilter
    lookup_field = "code"
    lookup_value_regex = r"[0-9]{10}"
    ordering_fields = ["code", "name", "households", "population"]
    ordering = ["district_id", "name", "code"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return PopulatedCentre.objects.visible_to(self.request.user).prefetch_related(
            _open_services()
        )
