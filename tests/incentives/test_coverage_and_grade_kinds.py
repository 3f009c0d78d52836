"""Goals can use coverage and service grades (issue 15, part 4): check kinds `coverage_ratio`
(district coverage of rural households as of the cutoff ≥ `min_ratio`) and `grade_ratio` (share
of active JASS whose latest grade by the cutoff is `min_grade` or better ≥ `min_ratio`); the
engine agrees with the reference rule and with `communities.coverage`, and the checklist says
which centres and JASS counted and why."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communities.coverage import district_coverage
from communities.models import CentreService, PopulatedCentre
from incentives import engine, explain, reference
from incentives.checks import CheckKind, validate_params
from incentives.models import EvaluationRun, Goal, Requirement
from jass_registry.models import Jass
from service_grades.grading import grade_of
from service_grades.models import ServiceScore
from territory.models import District, DistrictCategory
from tests.conftest import CASCAS, LUCMA, api_client_for
from tests.factories import CentreServiceFactory, JassFactory, PopulatedCentreFactory
from tests.incentives.conftest import compute

CUTOFF = dt.date(2026, 9, 30)
COVERAGE = (CheckKind.COVERAGE_RATIO, {"min_ratio": "0.8"})
GRADE_B = (CheckKind.GRADE_RATIO, {"min_grade": "B", "min_ratio": "0.5"})


class Req:
    def __init__(self, kind, params):
        self.kind, self.params = kind, params


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def score(jass, quarter: dt.date, value: str) -> ServiceScore:
    return ServiceScore.objects.create(
        subject="jass",
        jass=jass,
        quarter=quarter,
        score=Decimal(value),
        grade=grade_of(Decimal(value)),
        computed_at=at(quarter),
    )


# --- parameters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        (CheckKind.COVERAGE_RATIO, {}, "Falta el parámetro min_ratio."),
        (CheckKind.COVERAGE_RATIO, {"min_ratio": "1.5"}, "min_ratio: debe estar entre 0 y 1"),
        (CheckKind.GRADE_RATIO, {"min_ratio": "0.5"}, "Falta el parámetro min_grade."),
        (
            CheckKind.GRADE_RATIO,
            {"min_ratio": "0.5", "min_grade": "E"},
            "min_grade: debe ser un nivel de servicio: A, B, C o D",
        ),
        (
            CheckKind.GRADE_RATIO,
            {"min_ratio": "0.5", "min_grade": ["A"]},
            "min_grade: debe ser un nivel de servicio: A, B, C o D",
        ),
    ],
)
def test_wrong_parameters_are_refused_in_spanish(kind, params, message):
    assert message in validate_params(kind, params)


def test_good_parameters_pass():
    assert validate_params(*COVERAGE) == [] and validate_params(*GRADE_B) == []


# --- the checklist -------------------------------------------------------------------------------


@pytest.fixture
def goal(db):
    DistrictCategory.objects.create(district_id=CASCAS, year=2017, category="C")
    goal = Goal.objects.get(code="2017-M35")
    for code, (kind, params) in (("cov", COVERAGE), ("grade", GRADE_B)):
        Requirement.objects.create(
            goal=goal, code=code, title=str(kind), points=10, kind=kind, params=params
        )
    return goal


@pytest.fixture
def district(goal):
    """Cascas: 150 rural households, 120 served (and an urban centre, not counted); two active
    JASS, one graded B, one never assessed."""
    served_jass = JassFactory(district_id=CASCAS, name="JASS Santa Rosa")
    JassFactory(district_id=CASCAS, name="JASS Pampa Vieja")
    big = PopulatedCentreFactory(district_id=CASCAS, name="Santa Rosa", households=100)
    small = PopulatedCentreFactory(district_id=CASCAS, name="Chuquibamba", households=50)
    PopulatedCentreFactory(district_id=CASCAS, name="Cascas", area="urban", households=900)
    PopulatedCentre.objects.filter(district_id=CASCAS).update(created_at=at(dt.date(2026, 1, 5)))
    Jass.objects.filter(district_id=CASCAS).update(created_at=at(dt.date(2025, 6, 1)))
    service = CentreServiceFactory(centre=big, jass=served_jass, households_served=150)
    CentreService.objects.filter(pk=service.pk).update(created_at=at(dt.date(2026, 2, 1)))
    score(served_jass, dt.date(2026, 7, 1), "0.780")
    return big, small


def _run(goal, kind="progress"):
    return compute(EvaluationRun.objects.create(goal=goal, cutoff=CUTOFF, kind=kind))


def test_the_checklist_says_which_centres_and_jass_counted(client, staff_a, goal, district):
    big, small = district
    run = _run(goal)
    client.force_login(staff_a)
    page = client.get(f"/evaluaciones/{run.pk}/distritos/{CASCAS}/").content.decode()
    # coverage: 100 of 150 rural households (the served households are capped at the centre's)
    assert "100 de 100 viviendas servidas" in page
    assert "sin servicio: 50 viviendas" in page
    assert "faltan 20 viviendas con servicio" in page
    assert reverse("communities:detail", kwargs={"code": small.code}) in page
    assert reverse("communities:unserved", args=[CASCAS]) in page
    assert "Cascas (" not in page  # the urban centre is not an item
    # grades: one JASS graded B of two
    assert "grado B (0.780) en 2026-T3" in page
    assert "sin evaluación de servicio" in page


def test_the_api_items_and_numbers_of_both_kinds(staff_a, goal, district):
    run = _run(goal)
    body = api_client_for(staff_a).get(f"/api/v1/runs/{run.pk}/results/{CASCAS}/").json()
    rows = {r["code"]: r for r in body["requirements"]}
    coverage, grade = rows["cov"], rows["grade"]
    assert (coverage["numerator"], coverage["denominator"]) == (100, 150)
    assert [(i["type"], i["counted"]) for i in coverage["items"]] == [
        ("populated_centre", False),
        ("populated_centre", True),
    ]  # Chuquibamba, Santa Rosa (by name)
    assert (grade["numerator"], grade["denominator"]) == (1, 2)
    assert grade["numerator"] == sum(i["counted"] for i in grade["items"])


def test_another_districts_checklist_is_not_found(staff_b, goal, district):
    run = _run(goal)
    response = api_client_for(staff_b).get(f"/api/v1/runs/{run.pk}/results/{CASCAS}/")
    assert response.status_code == 404


def test_an_official_run_reads_centres_services_and_jass_as_of_the_cutoff(goal, district):
    _big, _small = district
    late = PopulatedCentreFactory(district_id=CASCAS, households=50)
    PopulatedCentre.objects.filter(pk=late.pk).update(created_at=at(CUTOFF + dt.timedelta(days=1)))
    jass = Jass.objects.get(name="JASS Pampa Vieja")
    score(jass, dt.date(2026, 10, 1), "0.950")  # the quarter after the cutoff's
    ended = CentreServiceFactory(centre=_small, jass=jass, households_served=20, ended_on=CUTOFF)
    CentreService.objects.filter(pk=ended.pk).update(created_at=at(dt.date(2026, 3, 1)))
    for kind in ("progress", "official"):
        result = _run(goal, kind).results.get(district_id=CASCAS)
        rows = {r.requirement.code: r for r in result.requirements.all()}
        assert (rows["cov"].numerator, rows["cov"].denominator) == (100, 150), kind
        assert (rows["grade"].numerator, rows["grade"].denominator) == (1, 2), kind


# --- engine, reference and communities.coverage agree --------------------------------------------

day = st.integers(0, 300).map(lambda n: CUTOFF - dt.timedelta(days=250) + dt.timedelta(days=n))
QUARTERS = [dt.date(2026, 1, 1), dt.date(2026, 4, 1), dt.date(2026, 7, 1), dt.date(2026, 10, 1)]
service = st.tuples(st.integers(1, 80), day, st.one_of(st.none(), day), st.integers(0, 2))
centre = st.tuples(
    st.sampled_from(["rural", "rural", "rural", "urban"]),
    st.integers(0, 120),
    day,
    st.one_of(st.none(), st.none(), day),
    st.lists(service, max_size=3),
)
jass = st.tuples(
    st.sampled_from(["active", "active", "inactive"]),
    day,  # registered
    st.lists(
        st.tuples(st.sampled_from(QUARTERS), st.integers(0, 1000)),
        max_size=3,
        unique_by=lambda s: s[0],
    ),
)
district_spec = st.tuples(st.lists(jass, min_size=1, max_size=3), st.lists(centre, max_size=4))
GRADE_KINDS = [(CheckKind.GRADE_RATIO, {"min_grade": g, "min_ratio": "0.5"}) for g in "ABCD"]


def build(ubigeo: str, spec) -> reference.PlainDistrict:
    jass_specs, centres = spec
    plain = reference.PlainDistrict()
    rows = []
    for index, (status, created, quarters) in enumerate(jass_specs):
        row = JassFactory(district_id=ubigeo, name=f"J{index}", status=status)
        Jass.objects.filter(pk=row.pk).update(created_at=at(created))
        rows.append(row)
        pj = reference.PlainJass(status=status, registered=False, created=created, id=row.pk)
        for quarter, thousandths in quarters:
            value = Decimal(thousandths) / 1000
            score(row, quarter, str(value))
            pj.scores.append(reference.PlainScore(quarter, value, grade_of(value)))
        plain.jass.append(pj)
    for index, (area, households, created, retired, services) in enumerate(centres):
        row = PopulatedCentreFactory(
            district_id=ubigeo,
            code=f"{ubigeo}{index:04d}",
            area=area,
            households=households,
            retired_on=retired,
        )
        PopulatedCentre.objects.filter(pk=row.pk).update(created_at=at(created))
        pc = reference.PlainCentre(area, households, created, retired, id=row.pk)
        serving = set()
        for served, registered, ended, which in services:
            by = rows[which % len(rows)]
            if ended is None and by.pk in serving:
                continue  # one open service per JASS and centre
            if ended is None:
                serving.add(by.pk)
            obj = CentreService.objects.create(
                centre=row, jass=by, households_served=served, ended_on=ended
            )
            CentreService.objects.filter(pk=obj.pk).update(created_at=at(registered))
            pc.services.append(reference.PlainService(served, registered, ended))
        plain.centres.append(pc)
    return plain


@pytest.mark.django_db
@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.tuples(district_spec, district_spec), official=st.booleans())
def test_engine_reference_and_coverage_agree(specs, official):
    with transaction.atomic():
        ubigeos = [CASCAS, LUCMA]
        plain = {u: build(u, s) for u, s in zip(ubigeos, specs, strict=True)}
        coverage = district_coverage(ubigeos, asof=CUTOFF)
        for kind, params in [COVERAGE, *GRADE_KINDS]:
            measured = engine.measure(Req(kind, params), ubigeos, CUTOFF, official)
            for ubigeo in ubigeos:
                loaded = explain.load_district(
                    District.objects.get(pk=ubigeo), CUTOFF, 0, [(kind, params)]
                )
                expected = reference.measure_one(kind, params, plain[ubigeo], CUTOFF, official)
                from_db = reference.measure_one(kind, params, loaded, CUTOFF, official)
                got = measured.get(ubigeo)
                assert got == expected == from_db, (kind, params, ubigeo)
                if kind == CheckKind.COVERAGE_RATIO:
                    c = coverage.get(ubigeo)
                    numbers = (c.households_served, c.households) if c else None
                    assert numbers == ((got.numerator, got.denominator) if got else None)
        transaction.set_rollback(True)
