"""GET /api/v1/exports/dhis2/datavalues.json and data-elements.json (README "Datos abiertos: WPDx
y DHIS2"): the values equal a recount in plain Python from the rows, the period is validated,
voided visits do not count, reviewers only, and a fixed number of queries for any number of
districts."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from ato.open_data import DATA_ELEMENTS, ELEMENT_CODES, month_end
from communities.models import CentreService, PopulatedCentre
from jass_registry.models import Jass, JassStatus, WaterSystem
from jass_registry.standards import CHLORINE_WINDOW_DAYS
from service_grades.models import ServiceScore, Subject, quarter_of
from territory.models import District
from tests.conftest import CASCAS, LUCMA, api_client_for
from tests.factories import (
    CentreServiceFactory,
    JassFactory,
    PopulatedCentreFactory,
    WaterSystemFactory,
)
from tests.test_query_counts import count_queries
from visits.chlorine import deciding_reading, is_adequate
from visits.models import Agreement, ChlorineReading, Visit

URL = "/api/v1/exports/dhis2/datavalues.json"
GRAN_CHIMU = (CASCAS, LUCMA, "131103", "131104")


def _months_ago(months: int) -> dt.date:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _aware(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def as_table(response) -> dict[tuple[str, str], str]:
    assert response.status_code == 200, response.content[:300]
    values = response.json()["dataValues"]
    table = {(v["orgUnit"], v["dataElement"]): v["value"] for v in values}
    assert len(table) == len(values)  # one value per district and element
    return table


# --- the recount ------------------------------------------------------------------------------


class Builder:
    """Random registry, visits, readings, agreements, scores and centres in Gran Chimú's four
    districts, around the month from `start` to `end` (some rows recorded or dated after it,
    some visits voided, some systems retired, some centres and services gone)."""

    def __init__(self, rng: random.Random, start: dt.date, end: dt.date, staff):
        self.rng, self.start, self.end, self.staff = rng, start, end, staff
        self.early = start - dt.timedelta(days=120)
        self.late = min(timezone.localdate(), end + dt.timedelta(days=40))

    def day(self, start: dt.date | None = None, end: dt.date | None = None) -> dt.date:
        start, end = start or self.early, end or self.late
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def maybe(self, value, chance: float = 1 / 3):
        return value if self.rng.random() < chance else None

    def build(self) -> None:
        for ubigeo in GRAN_CHIMU:
            for _ in range(self.rng.randint(1, 4)):
                jass = self.jass(ubigeo)
                visits = [self.visit(jass) for _ in range(self.rng.randint(0, 5))]
                for _ in range(self.rng.randint(0, 3)):
                    self.system(jass, visits)
            for _ in range(self.rng.randint(0, 3)):
                self.centre(ubigeo)

    def jass(self, ubigeo: str) -> Jass:
        rng = self.rng
        jass = JassFactory(
            district_id=ubigeo,
            status=rng.choice(list(JassStatus)),
            registry_number=rng.choice(["", f"{rng.randint(1, 10**6)}-R"]),
            recognition_resolution=rng.choice(["", "R.A. 1"]),
        )
        Jass.objects.filter(pk=jass.pk).update(created_at=_aware(self.day()))
        return jass

    def visit(self, jass: Jass) -> Visit:
        day = self.day(self.start - dt.timedelta(days=30))
        visit = Visit.objects.create(jass=jass, staff=self.staff, date=day, kind="supervision")
        if self.rng.random() < 0.25:
            Visit.objects.filter(pk=visit.pk).update(
                voided_at=timezone.now(), void_reason="Duplicada", voided_by=self.staff
            )
        for _ in range(self.rng.randint(0, 2)):
            Agreement.objects.create(
                visit=visit,
                task="Limpiar",
                responsible="Operador",
                due_on=self.day(visit.date, visit.date + dt.timedelta(days=90)),
                done_on=self.maybe(self.day(visit.date), 0.5),
            )
        return visit

    def system(self, jass: Jass, visits: list[Visit]) -> None:
        rng = self.rng
        system = WaterSystemFactory(jass=jass, retired_on=self.maybe(self.day()))
        for _ in range(rng.randint(0, 5)):
            ChlorineReading.objects.create(
                water_system=system,
                visit=rng.choice([None, *visits]),
                taken_on=self.day(self.end - dt.timedelta(days=70)),
                point=rng.choice(["reservoir", "first_house", "last_house"]),
                mg_per_l=Decimal(rng.randint(0, 120)) / 100,
            )
        quarters = {quarter_of(_months_ago(m)) for m in (0, 3, 6, 9)}
        for quarter in rng.sample(sorted(quarters), rng.randint(0, 3)):
            ServiceScore.objects.create(
                subject=Subject.SYSTEM,
                water_system=system,
                quarter=quarter,
                score=Decimal("0.5"),
                grade=rng.choice("ABCD"),
                computed_at=timezone.now(),
            )

    def centre(self, ubigeo: str) -> None:
        rng = self.rng
        centre = PopulatedCentreFactory(
            district_id=ubigeo,
            area=rng.choice(["rural", "rural", "urban"]),
            households=rng.randint(0, 60),
            retired_on=self.maybe(self.day()),
            created_at=_aware(self.day()),
        )
        for _ in range(rng.randint(0, 2)):
            CentreServiceFactory(
                centre=centre,
                households_served=rng.randint(1, 50),
                ended_on=self.maybe(self.day()),
                created_at=_aware(self.day()),
            )


def build_districts(rng: random.Random, start: dt.date, end: dt.date, staff) -> None:
    Builder(rng, start, end, staff).build()


def recount(ubigeo: str, start: dt.date, end: dt.date) -> dict[str, str]:
    """The data values of one district, from its rows in plain Python (the README's
    definitions read literally)."""
    recorded_by = timezone.make_aware(dt.datetime.combine(end, dt.time.max))
    voided = set(Visit.objects.exclude(voided_at=None).values_list("pk", flat=True))
    jass = [j for j in Jass.objects.filter(district_id=ubigeo) if j.created_at <= recorded_by]
    active = [j for j in jass if j.status == JassStatus.ACTIVE]
    values = {
        "ATO_JASS_ACTIVE": len(active),
        "ATO_JASS_REGISTERED": sum(
            1
            for j in jass
            if j.status != JassStatus.DISSOLVED and j.registry_number and j.recognition_resolution
        ),
    }
    systems = [
        s
        for s in WaterSystem.objects.filter(jass__in=[j.pk for j in active])
        if s.retired_on is None or s.retired_on > end
    ]
    values["ATO_WS_ACTIVE"] = len(systems)
    window = end - dt.timedelta(days=CHLORINE_WINDOW_DAYS)
    ok = 0
    for system in systems:
        readings = [
            r
            for r in system.readings.all()
            if r.visit_id not in voided and window <= r.taken_on <= end
        ]
        deciding = deciding_reading(readings)
        ok += deciding is not None and is_adequate(deciding.mg_per_l)
    values["ATO_WS_CHLORINE_OK"] = ok
    for grade in "ABCD":
        values[f"ATO_WS_GRADE_{grade}"] = 0
    for system in systems:
        scores = [s for s in system.service_scores.all() if s.quarter <= end]
        if scores:
            values[f"ATO_WS_GRADE_{max(scores, key=lambda s: s.quarter).grade}"] += 1
    visits = [v for v in Visit.objects.filter(jass__district_id=ubigeo) if v.pk not in voided]
    values["ATO_VISITS"] = sum(1 for v in visits if start <= v.date <= end)
    values["ATO_AGREEMENTS_OVERDUE"] = sum(
        1
        for a in Agreement.objects.filter(visit__in=[v.pk for v in visits if v.date <= end])
        if a.due_on < end and (a.done_on is None or a.done_on > end)
    )
    households = served = 0
    for centre in PopulatedCentre.objects.filter(district_id=ubigeo, area="rural"):
        if centre.created_at >= recorded_by or centre.retired_on and centre.retired_on <= end:
            continue
        households += centre.households
        total = sum(
            s.households_served
            for s in CentreService.objects.filter(centre=centre)
            if s.created_at < recorded_by and (s.ended_on is None or s.ended_on > end)
        )
        served += min(total, centre.households)
    values["ATO_HH_RURAL"], values["ATO_HH_SERVED"] = households, served
    if households:
        pct = (Decimal(100) * served / households).quantize(Decimal("0.1"), "ROUND_HALF_UP")
        values["ATO_COVERAGE_PCT"] = pct
    return {code: str(value) for code, value in values.items()}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_values_equal_a_recount_from_the_rows(reviewer, staff_a, seed):
    start = _months_ago(2)
    end = month_end(start)
    build_districts(random.Random(seed), start, end, staff_a)
    table = as_table(api_client_for(reviewer).get(URL, {"period": f"{start:%Y%m}"}))
    for ubigeo in GRAN_CHIMU:
        got = {code: value for (unit, code), value in table.items() if unit == ubigeo}
        assert got == recount(ubigeo, start, end), ubigeo


def test_the_current_month_is_read_as_at_today(reviewer, staff_a):
    start = _months_ago(0)
    build_districts(random.Random(9), _months_ago(1), month_end(_months_ago(1)), staff_a)
    table = as_table(api_client_for(reviewer).get(URL, {"period": f"{start:%Y%m}"}))
    got = {code: value for (unit, code), value in table.items() if unit == CASCAS}
    assert got == recount(CASCAS, start, timezone.localdate())


def test_every_district_of_the_department_has_its_values(reviewer):
    table = as_table(api_client_for(reviewer).get(URL, {"period": "202601", "department": "13"}))
    districts = set(District.objects.filter(department_id="13").values_list("pk", flat=True))
    assert {unit for unit, _code in table} == districts
    # Counts are sent as zeros; a percentage with no rural households is left out.
    assert table[(CASCAS, "ATO_JASS_ACTIVE")] == "0"
    assert (CASCAS, "ATO_COVERAGE_PCT") not in table
    national = as_table(api_client_for(reviewer).get(URL, {"period": "202601"}))
    assert {unit for unit, _code in national} == set(District.objects.values_list("pk", flat=True))


def test_a_data_value_is_dhis2_shaped(reviewer):
    system = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    Jass.objects.filter(pk=system.jass_id).update(created_at=_aware(dt.date(2025, 12, 1)))
    response = api_client_for(reviewer).get(URL, {"period": "202601", "department": "13"})
    values = response.json()["dataValues"]
    assert {
        "dataElement": "ATO_WS_ACTIVE",
        "period": "202601",
        "orgUnit": CASCAS,
        "value": "1",
    } in values
    assert all(isinstance(v["value"], str) for v in values)


def test_voided_visits_are_not_counted(reviewer, staff_a):
    from visits.services import visit_record, visit_void

    jass = JassFactory(district_id=CASCAS)
    kept = visit_record(
        user=staff_a, jass=jass, data={"date": dt.date(2026, 1, 5), "kind": "supervision"}
    )
    voided = visit_record(
        user=staff_a,
        jass=jass,
        data={"date": dt.date(2026, 1, 6), "kind": "training"},
        agreements=[{"task": "Clorar", "responsible": "Operador", "due_on": dt.date(2026, 1, 10)}],
    )
    visit_void(user=staff_a, visit=voided, reason="Registrada dos veces")
    table = as_table(api_client_for(reviewer).get(URL, {"period": "202601", "department": "13"}))
    assert table[(CASCAS, "ATO_VISITS")] == "1"
    assert table[(CASCAS, "ATO_AGREEMENTS_OVERDUE")] == "0"
    assert kept.pk


@pytest.mark.parametrize(
    "period",
    ["", "2026-01", "20261", "2026011", "202613", "202600", "199912", "²²²²²²", "2026\x0001", "x"],
)
def test_a_bad_period_is_400_in_spanish(reviewer, period):
    response = api_client_for(reviewer).get(URL, {"period": period})
    assert response.status_code == 400
    assert list(response.json()) == ["period"]


def test_a_missing_or_future_period_is_400(reviewer):
    api = api_client_for(reviewer)
    missing = api.get(URL)
    assert missing.status_code == 400
    assert missing.json() == {"period": ["Indique el periodo como AAAAMM."]}
    future = _months_ago(-1)
    response = api.get(URL, {"period": f"{future:%Y%m}"})
    assert response.json() == {"period": ["El periodo no puede ser un mes futuro."]}


def test_the_department_is_checked(reviewer):
    api = api_client_for(reviewer)
    assert api.get(URL, {"period": "202601", "department": "1"}).status_code == 400
    assert api.get(URL, {"period": "202601", "department": "99"}).status_code == 404


def test_only_reviewers_read_the_data_values(staff_a, staff_b, outsider):
    for user in (staff_a, staff_b, outsider):
        api = api_client_for(user)
        assert api.get(URL, {"period": "202601", "department": "13"}).status_code == 403
    assert api_client_for(None).get(URL, {"period": "202601"}).status_code == 401


def test_the_number_of_queries_does_not_grow_with_the_districts(reviewer, staff_a):
    api = api_client_for(reviewer)
    start = _months_ago(2)
    one = count_queries(lambda: api.get(URL, {"period": f"{start:%Y%m}", "department": "13"}))
    build_districts(random.Random(5), start, month_end(start), staff_a)
    many = count_queries(lambda: api.get(URL, {"period": f"{start:%Y%m}"}))
    # token and user, the districts, JASS, water systems (chlorine and grades in the same
    # statement), visits, agreements, coverage; with a department, the department.
    assert many == 7
    assert one == many + 1


def test_the_data_elements_document_lists_every_code(staff_a):
    response = api_client_for(staff_a).get("/api/v1/exports/dhis2/data-elements.json")
    assert response.status_code == 200
    elements = response.json()["dataElements"]
    assert [e["code"] for e in elements] == list(ELEMENT_CODES) == [e.code for e in DATA_ELEMENTS]
    by_code = {e["code"]: e for e in elements}
    assert by_code["ATO_WS_CHLORINE_OK"]["name"] == "Sistemas de agua con cloro adecuado en la red"
    assert by_code["ATO_COVERAGE_PCT"]["valueType"] == "PERCENTAGE"
    assert all(len(e["shortName"]) <= 50 and e["domainType"] == "AGGREGATE" for e in elements)
    assert api_client_for(None).get("/api/v1/exports/dhis2/data-elements.json").status_code == 401
