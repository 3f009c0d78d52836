"""The district page lists its JASS at risk, the worst first."""

from django.utils import timezone

from tests.conftest import CASCAS
from tests.factories import JassFactory, WaterSystemFactory


def test_the_district_page_lists_the_worst_first(client, staff_a):
    today = timezone.localdate()
    worst = JassFactory(district_id=CASCAS, name="JASS Peor")
    WaterSystemFactory(jass=worst)
    better = JassFactory(
        district_id=CASCAS, name="JASS Mejor", last_visit_on=today, last_finance_review_on=today
    )
    JassFactory(district_id=CASCAS, name="JASS Disuelta", status="dissolved")
    client.force_login(staff_a)
    response = client.get(f"/distritos/{CASCAS}/")
    names = [j.name for j in response.context["at_risk"]]
    assert names == ["JASS Peor", "JASS Mejor"]
    assert "No hay visitas registradas" in response.content.decode()
    assert better.pk
