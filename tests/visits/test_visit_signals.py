"""The risk signals that visits fire and clear: chlorine, finance review, recent visit."""

import datetime as dt

from django.utils import timezone

from jass_registry.models import Jass
from jass_registry.risk import signal_codes, signals_of, with_risk
from tests.conftest import CASCAS
from tests.factories import JassFactory, WaterSystemFactory
from visits.services import visit_record


def visit_signals(jass, today):
    annotated = with_risk(Jass.objects.filter(pk=jass.pk), today).get()
    return [c for c in signal_codes(annotated) if not c.startswith("board")], annotated


def test_visit_signals_fire_and_clear(staff_a):
    today = timezone.localdate()
    jass = JassFactory(district_id=CASCAS)
    system = WaterSystemFactory(jass=jass)
    codes, annotated = visit_signals(jass, today)
    assert codes == ["chlorine", "no_finance_review", "no_recent_visit"]
    assert (
        "No hay visitas registradas"
        in [s.reason for s in signals_of(annotated) if s.code == "no_recent_visit"][0]
    )
    visit_record(
        user=staff_a,
        jass=jass,
        data={
            "date": today - dt.timedelta(days=3),
            "kind": "supervision",
            "finances_reviewed": True,
        },
        readings=[
            {"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.60"},
            {"water_system": system.pk, "point": "last_house", "mg_per_l": "0.50"},
        ],
    )
    assert visit_signals(jass, today)[0] == []
    # A later last-house reading under 0.5 mg/L decides: the chlorine signal fires again.
    visit_record(
        user=staff_a,
        jass=jass,
        data={"date": today - dt.timedelta(days=1), "kind": "follow_up"},
        readings=[{"water_system": system.pk, "point": "last_house", "mg_per_l": "0.10"}],
    )
    assert visit_signals(jass, today)[0] == ["chlorine"]
    # 61 days later with no adequate reading, 181 days with no visit, 366 without finance review.
    assert visit_signals(jass, today + dt.timedelta(days=200))[0] == ["chlorine", "no_recent_visit"]
    assert visit_signals(jass, today + dt.timedelta(days=400))[0] == [
        "chlorine",
        "no_finance_review",
        "no_recent_visit",
    ]


def test_retired_systems_do_not_raise_the_chlorine_signal(staff_a):
    jass = JassFactory(district_id=CASCAS)
    WaterSystemFactory(jass=jass, retired_on=dt.date(2025, 1, 1))
    assert "chlorine" not in visit_signals(jass, timezone.localdate())[0]
