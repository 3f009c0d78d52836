"""FastRepresentation writes exactly the JSON DRF's own walk writes, for every field kind the
list serializers carry (dates, datetimes in Lima time, decimals, nulls, related, nested)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from ato.api import DistrictSerializer
from ato.districts import districts_with_counts
from jass_registry.api import JassSerializer
from jass_registry.models import Jass
from jass_registry.risk import with_risk
from tests.factories import BoardTermFactory, JassFactory, WaterSystemFactory


class DrfJass(JassSerializer):
    def to_representation(self, instance):
        return serializers.ModelSerializer.to_representation(self, instance)


class DrfDistrict(DistrictSerializer):
    def to_representation(self, instance):
        return serializers.ModelSerializer.to_representation(self, instance)


def test_jass_rows_are_the_same_as_drf_writes_them(db):
    full = JassFactory(
        monthly_fee=Decimal("2.5"),
        latitude=Decimal("-7.4812"),
        longitude=Decimal("-78.8211"),
        recognized_on=dt.date(2016, 3, 1),
        households=80,
        last_visit_on=dt.date(2026, 1, 5),
    )
    BoardTermFactory(jass=full)
    WaterSystemFactory(jass=full)
    JassFactory(monthly_fee=None, recognized_on=None, registry_number="")
    with timezone.override("America/Lima"):
        rows = list(with_risk(Jass.objects.order_by("pk"), timezone.localdate(), flags=False))
        fast = JassSerializer(rows, many=True).data
        drf = DrfJass(rows, many=True).data
    assert fast == drf
    assert fast[0]["created_at"].endswith("-05:00")  # Lima time, as DRF writes it
    assert fast[0]["monthly_fee"] == "2.50" and fast[1]["monthly_fee"] is None


def test_district_rows_are_the_same_as_drf_writes_them(db):
    JassFactory(district_id="131101")
    rows = list(districts_with_counts(2017).filter(province_id="1311").order_by("pk"))
    assert DistrictSerializer(rows, many=True).data == DrfDistrict(rows, many=True).data
