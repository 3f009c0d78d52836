"""ServiceScore's shared reads: the latest quarter on or before a day per JASS (the interface the
goal engine's grade check reads), and the district scoping of scores."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from service_grades.models import ServiceScore, quarter_of
from tests.conftest import CASCAS, LUCMA
from tests.factories import JassFactory


def score(jass, quarter, value):
    return ServiceScore.objects.create(
        subject="jass",
        jass=jass,
        quarter=quarter,
        score=Decimal(value),
        grade="A" if Decimal(value) >= Decimal("0.9") else "C",
        components={},
        computed_at=timezone.now(),
    )


def test_latest_for_jass_reads_the_latest_quarter_on_or_before_the_day(db):
    cascas, lucma = JassFactory(district_id=CASCAS), JassFactory(district_id=LUCMA)
    score(cascas, dt.date(2026, 1, 1), "0.500")
    score(cascas, dt.date(2026, 4, 1), "0.950")
    score(cascas, dt.date(2026, 7, 1), "0.600")
    score(lucma, dt.date(2025, 10, 1), "0.910")
    rows = ServiceScore.objects.latest_for_jass(dt.date(2026, 5, 15))
    assert {(r.jass_id, r.quarter, r.grade) for r in rows} == {
        (cascas.pk, dt.date(2026, 4, 1), "A"),
        (lucma.pk, dt.date(2025, 10, 1), "A"),
    }
    assert not ServiceScore.objects.latest_for_jass(dt.date(2025, 1, 1)).exists()


def test_scores_are_scoped_to_the_users_district(staff_a, staff_b, reviewer, graded):
    assert ServiceScore.objects.visible_to(staff_a).count() == 2
    assert ServiceScore.objects.visible_to(staff_b).count() == 0
    assert ServiceScore.objects.visible_to(reviewer).count() == 2


def test_quarters_start_on_their_first_day():
    assert quarter_of(dt.date(2026, 11, 29)) == dt.date(2026, 10, 1)
    assert quarter_of(dt.date(2026, 3, 31)) == dt.date(2026, 1, 1)
    assert quarter_of(dt.date(2026, 4, 1)) == dt.date(2026, 4, 1)
