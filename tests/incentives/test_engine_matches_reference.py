"""The set-based engine (one aggregate query per requirement over all districts) agrees with the
one-district reference rules on random districts, for every check kind, progress and official."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communities.models import CentreService, PopulatedCentre
from incentives import engine, explain, reference
from incentives.checks import CheckKind
from incentives.models import Evidence, EvidenceStatus, Goal
from jass_registry.models import BoardTerm, ChangeRecord, Jass, WaterSystem
from service_grades.grading import grade_of
from service_grades.models import ServiceScore
from territory.models import AtmBudget, AtmOffice, District
from tests.factories import UserFactory
from visits.models import ChlorineReading, Visit

BASE = dt.date(2017, 1, 1)
CUTOFF = dt.date(2017, 12, 31)
DISTRICTS = ["131101", "131102"]

day = st.integers(0, 420).map(lambda n: BASE + dt.timedelta(days=n - 30))
visit = st.builds(
    reference.PlainVisit,
    date=day,
    kind=st.sampled_from(["training", "supervision"]),
    created=day,
    voided=st.booleans(),
)
# A reading is taken outside a visit (None) or at one of the JASS's visits (its index), at a
# point of the system (only the network's decide: visits/chlorine.py).
reading = st.builds(
    lambda d, mg, at_visit, point: (d, mg, at_visit, point),
    day,
    st.integers(0, 120).map(lambda n: Decimal(n) / 100),
    st.one_of(st.none(), st.integers(0, 2)),
    st.sampled_from(["reservoir", "first_house", "last_house"]),
)
system = st.builds(
    lambda retired, rs: (retired, rs), st.one_of(st.none(), day), st.lists(reading, max_size=3)
)
term = st.builds(
    lambda start, length, created: reference.PlainTerm(
        start, start + dt.timedelta(days=length), created
    ),
    day,
    st.integers(1, 500),
    day,
)
jass = st.builds(
    lambda status, registered, created, visits, systems, terms, changes: (
        status,
        registered,
        created,
        visits,
        systems,
        terms,
        changes,
    ),
    st.sampled_from(["active", "active", "inactive", "dissolved"]),
    st.booleans(),
    day,
    st.lists(visit, max_size=3),
    st.lists(system, max_size=2),
    st.lists(term, max_size=2),
    st.lists(day, max_size=2),
)
district = st.builds(
    lambda jass_list, budget, evidence, head: (jass_list, budget, evidence, head),
    st.lists(jass, max_size=4),
    st.one_of(st.none(), st.integers(0, 40000)),
    st.one_of(st.none(), st.tuples(day, day)),
    # The office's head: resolution number (possibly blank) and designation day (possibly none).
    st.one_of(
        st.none(), st.tuples(st.sampled_from(["", "R.A. 12-2017"]), st.one_of(st.none(), day))
    ),
)

# Issue 15's kinds: populated centres with their services (coverage) and the JASS's service
# grades per quarter, added to a district after `build` (services name a JASS of the district
# by index; scores belong to the JASS at that index).
QUARTERS = [dt.date(y, m, 1) for y, m in ((2016, 10), (2017, 1), (2017, 7), (2017, 10), (2018, 1))]
service = st.tuples(
    st.integers(1, 120), day, st.one_of(st.none(), day), st.integers(0, 3)
)  # households served, registered, ended, JASS index
centre = st.tuples(
    st.sampled_from(["rural", "rural", "urban"]),
    st.integers(0, 150),  # households
    day,  # registered
    st.one_of(st.none(), day),  # retired
    st.lists(service, max_size=3),
)
scores = st.lists(
    st.tuples(st.sampled_from(QUARTERS), st.integers(0, 1000)),
    max_size=3,
    unique_by=lambda s: s[0],
)  # (quarter, score in thousandths), for one JASS
extra = st.tuples(st.lists(centre, max_size=4), st.lists(scores, min_size=4, max_size=4))

REQUIREMENTS = [
    (CheckKind.EVIDENCE, {"doc_type": "ordinance_atm"}),
    (CheckKind.OFFICE_BUDGET, {"year": 2017, "min_amount": "20000"}),
    (CheckKind.JASS_REGISTERED_RATIO, {"min_ratio": "0.5"}),
    (CheckKind.JASS_COUNT_MIN, {"min_count": 2}),
    (CheckKind.JASS_VISITED_RATIO, {"min_ratio": "0.5", "from": "2017-03-01", "min_visits": 1}),
    (CheckKind.JASS_VISITED_RATIO, {"min_ratio": "0.5", "from": "2017-01-01", "min_visits": 2}),
    (CheckKind.CHLORINATION_RATIO, {"min_ratio": "0.3", "min_mg_l": "0.5", "window_days": 60}),
    (CheckKind.BOARD_CURRENT_RATIO, {"min_ratio": "0.7"}),
    (CheckKind.BOARD_TRAINED_RATIO, {"min_ratio": "0.5"}),
    (CheckKind.HEAD_DESIGNATED_BY, {"by": "2017-06-30"}),
    (CheckKind.HEAD_DESIGNATED_BY, {"by": "2018-06-30"}),
    (CheckKind.REGISTRY_UPDATED_SINCE, {"min_ratio": "0.5", "from": "2017-03-01"}),
    (CheckKind.COVERAGE_RATIO, {"min_ratio": "0.6"}),
    (CheckKind.GRADE_RATIO, {"min_grade": "B", "min_ratio": "0.5"}),
    (CheckKind.GRADE_RATIO, {"min_grade": "D", "min_ratio": "0.3"}),
]

# Ratio kinds whose rule lists its items (`reference.Outcome.items`).
ITEMISED_RATIOS = {
    CheckKind.JASS_REGISTERED_RATIO,
    CheckKind.JASS_VISITED_RATIO,
    CheckKind.CHLORINATION_RATIO,
    CheckKind.BOARD_CURRENT_RATIO,
    CheckKind.BOARD_TRAINED_RATIO,
    CheckKind.REGISTRY_UPDATED_SINCE,
    CheckKind.GRADE_RATIO,
}


def at(day_: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day_, dt.time(12)))


class Req:
    def __init__(self, kind, params):
        self.kind, self.params = kind, params


def build(ubigeo: str, spec, user) -> reference.PlainDistrict:
    jass_list, budget, evidence, head = spec
    plain = reference.PlainDistrict()
    order = 0
    for index, (status, registered, created, visits, systems, terms, changes) in enumerate(
        jass_list
    ):
        row = Jass.objects.create(
            district_id=ubigeo,
            name=f"J{ubigeo}{index}",
            status=status,
            registry_number=f"{index}" if registered else "",
            recognition_resolution="R" if registered else "",
        )
        Jass.objects.filter(pk=row.pk).update(created_at=at(created))
        pj = reference.PlainJass(
            status=status, registered=registered, created=created, visits=visits, changes=changes
        )
        for changed_on in changes:
            change = ChangeRecord.objects.create(jass=row, action=ChangeRecord.Action.UPDATED)
            ChangeRecord.objects.filter(pk=change.pk).update(at=at(changed_on))
        visit_rows = []
        for v in visits:
            obj = Visit.objects.create(jass=row, staff=user, date=v.date, kind=v.kind)
            voided = {"voided_at": at(v.date), "void_reason": "Duplicada"} if v.voided else {}
            Visit.objects.filter(pk=obj.pk).update(created_at=at(v.created), **voided)
            visit_rows.append(obj)
        for retired, readings in systems:
            ws = WaterSystem.objects.create(jass=row, name="S", retired_on=retired)
            ps = reference.PlainSystem(retired_on=retired)
            for taken_on, mg, at_visit, point in readings:
                order += 1
                if at_visit is not None and at_visit < len(visits):
                    taken_at, plain_visit = visit_rows[at_visit], visits[at_visit]
                else:
                    taken_at, plain_visit = None, None
                ChlorineReading.objects.create(
                    water_system=ws,
                    visit=taken_at,
                    taken_on=taken_on,
                    point=point,
                    mg_per_l=mg,
                )
                ps.readings.append(
                    reference.PlainReading(
                        taken_on,
                        mg,
                        order,
                        plain_visit.created if plain_visit else dt.date.min,
                        point,
                        voided=bool(plain_visit and plain_visit.voided),
                    )
                )
            pj.systems.append(ps)
        for t in terms:
            obj = BoardTerm.objects.create(jass=row, starts_on=t.starts_on, ends_on=t.ends_on)
            BoardTerm.objects.filter(pk=obj.pk).update(created_at=at(t.created))
            pj.terms.append(t)
        plain.jass.append(pj)
    if head is not None:
        resolution, designated_on = head
        # Saved without full_clean: a designation "in the future" of the cutoff is what is tested.
        AtmOffice.objects.update_or_create(
            district_id=ubigeo,
            defaults={"head_resolution": resolution, "head_designated_on": designated_on},
        )
        plain.head_resolution, plain.head_designated_on = resolution, designated_on
    if budget is not None:
        office, _ = AtmOffice.objects.get_or_create(district_id=ubigeo)
        AtmBudget.objects.create(office=office, year=2017, amount=budget)
        plain.budgets.append(reference.PlainBudget(2017, Decimal(budget)))
    if evidence is not None:
        created, reviewed = evidence
        goal = Goal.objects.get(code="2015-M11")
        item = Evidence.objects.create(
            district_id=ubigeo,
            requirement=goal.requirements.get(code="1"),
            doc_type="ordinance_atm",
            number="1",
            issued_on=BASE,
            file="evidence/x.pdf",
            status=EvidenceStatus.APPROVED,
            uploaded_by=user,
            reviewed_at=at(reviewed),
        )
        Evidence.objects.filter(pk=item.pk).update(created_at=at(created))
        plain.evidence.append(
            reference.PlainEvidence("ordinance_atm", EvidenceStatus.APPROVED, created, reviewed)
        )
    return plain


def add_extra(ubigeo: str, spec, plain: reference.PlainDistrict) -> None:
    """The district's populated centres with their services, and its JASS's service grades."""
    centres, jass_scores = spec
    rows = list(Jass.objects.filter(district_id=ubigeo).order_by("pk"))
    for index, (area, households, created, retired, services) in enumerate(centres):
        code = f"{ubigeo}{index:04d}"
        row = PopulatedCentre.objects.create(
            code=code,
            name=f"C{index}",
            district_id=ubigeo,
            area=area,
            households=households,
            population=households * 4,
            created_at=at(created),
            retired_on=retired,
        )
        pc = reference.PlainCentre(area, households, created, retired, id=row.pk, code=code)
        open_by = set()  # a JASS serves a centre through one open service at a time
        for served, registered, ended, which in services if rows else []:
            jass = rows[which % len(rows)]
            if ended is None and jass.pk in open_by:
                continue
            if ended is None:
                open_by.add(jass.pk)
            CentreService.objects.create(
                centre=row,
                jass=jass,
                households_served=served,
                created_at=at(registered),
                ended_on=ended,
            )
            pc.services.append(reference.PlainService(served, registered, ended))
        plain.centres.append(pc)
    for row, pj, quarters in zip(rows, plain.jass, jass_scores, strict=False):
        for quarter, thousandths in quarters:
            score = Decimal(thousandths) / 1000
            ServiceScore.objects.create(
                subject="jass",
                jass=row,
                quarter=quarter,
                score=score,
                grade=grade_of(score),
                computed_at=at(quarter),
            )
            pj.scores.append(reference.PlainScore(quarter, score, grade_of(score)))


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.tuples(district, district), extras=st.tuples(extra, extra), official=st.booleans())
def test_engine_and_reference_agree(specs, extras, official):
    with transaction.atomic():
        user = UserFactory(username="engine.prop")
        plain = {u: build(u, s, user) for u, s in zip(DISTRICTS, specs, strict=True)}
        for u, spec in zip(DISTRICTS, extras, strict=True):
            add_extra(u, spec, plain[u])
        loaded = {u: explain.load_district(District.objects.get(pk=u), CUTOFF, 60) for u in plain}
        for kind, params in REQUIREMENTS:
            measured = engine.measure(Req(kind, params), DISTRICTS, CUTOFF, official)
            for ubigeo in DISTRICTS:
                expected = reference.measure_one(kind, params, plain[ubigeo], CUTOFF, official)
                got = measured.get(ubigeo)
                threshold = engine.threshold_of(kind, params)
                assert engine.decide(got, threshold) == engine.decide(expected, threshold), (
                    kind,
                    params,
                    ubigeo,
                )
                if expected is None:
                    assert got is None or got.value is None, (kind, ubigeo, got)
                else:
                    assert got is not None, (kind, ubigeo)
                    assert (got.numerator, got.denominator, got.value) == (
                        expected.numerator,
                        expected.denominator,
                        expected.value,
                    ), (kind, params, ubigeo)
                if kind in ITEMISED_RATIOS:
                    # The checklist's items, from the plain data and from the database as the
                    # page reads it: counted ones number the engine's numerator, all of them
                    # its denominator.
                    for data in (plain[ubigeo], loaded[ubigeo]):
                        outcome = reference.explain_one(kind, params, data, CUTOFF, official)
                        counted = sum(1 for i in outcome.items if i.counted)
                        numbers = (got.numerator, got.denominator) if got else (0, 0)
                        assert (counted, len(outcome.items)) == numbers, (kind, params, ubigeo)
                if kind == CheckKind.COVERAGE_RATIO:
                    # households, not items: the loaded district measures the same, and its
                    # items are the rural centres, counted when some household is served
                    outcome = reference.explain_one(kind, params, loaded[ubigeo], CUTOFF, official)
                    assert outcome.measure == expected, ubigeo
                    served = {c.id for c in plain[ubigeo].centres if c.area == "rural"}
                    assert {i.id for i in outcome.items} <= served
                    assert all(i.counted == (" de " in i.reason) for i in outcome.items)
                if kind == CheckKind.HEAD_DESIGNATED_BY:
                    # one item, the office's head: counted exactly when the engine counts it
                    for data in (plain[ubigeo], loaded[ubigeo]):
                        outcome = reference.explain_one(kind, params, data, CUTOFF, official)
                        assert [i.counted for i in outcome.items] == [got is not None], ubigeo
        transaction.set_rollback(True)
