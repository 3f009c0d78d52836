"""The checklist loads a district's visits collapsed (`explain.load_district` with requirements:
one row per group of visits no rule tells apart, with how many it stands for); every visit rule
explains the collapsed district exactly as the district loaded visit by visit."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from incentives import explain, reference
from incentives.checks import CheckKind
from jass_registry.models import BoardTerm, ChangeRecord, Jass
from territory.models import District
from tests.conftest import CASCAS
from tests.factories import UserFactory
from visits.models import Visit

CUTOFF = dt.date(2017, 12, 31)
FROMS = ["2017-03-01", "2017-06-01", "2017-09-01"]

# Days bunched around the `from`s and the cutoff, so that visits share groups and straddle them.
day = st.sampled_from(
    [
        dt.date(2016, 12, 20),
        dt.date(2017, 2, 28),
        dt.date(2017, 3, 1),
        dt.date(2017, 5, 31),
        dt.date(2017, 6, 1),
        dt.date(2017, 8, 15),
        dt.date(2017, 9, 1),
        dt.date(2017, 12, 31),
        dt.date(2018, 1, 1),  # after the cutoff: recorded late, or dated late
        dt.date(2018, 2, 10),
    ]
)
visit = st.tuples(
    day,  # date
    st.sampled_from(["training", "training", "supervision", "follow_up"]),
    day,  # created
    st.booleans(),  # voided
)
# start, length in days, created: most terms cover the cutoff (board rules look at those)
term = st.tuples(day, st.sampled_from([30, 400, 700, 900]), day)
jass = st.tuples(
    st.sampled_from(["active", "active", "active", "inactive"]),
    day,  # created
    st.lists(visit, max_size=9),
    st.lists(term, min_size=1, max_size=2),
    st.lists(day, max_size=1),  # registry changes
)

VISITED = [
    (CheckKind.JASS_VISITED_RATIO, {"min_ratio": "0.5", "from": FROMS[0], "min_visits": 2}),
    (CheckKind.JASS_VISITED_RATIO, {"min_ratio": "0.5", "from": FROMS[1], "min_visits": 1}),
    (CheckKind.JASS_VISITED_RATIO, {"min_ratio": "0.5", "from": FROMS[2], "min_visits": 3}),
]
REGISTRY = [
    (CheckKind.REGISTRY_UPDATED_SINCE, {"min_ratio": "0.5", "from": FROMS[1]}),
    (CheckKind.REGISTRY_UPDATED_SINCE, {"min_ratio": "0.5", "from": FROMS[2]}),
]
TRAINED = (CheckKind.BOARD_TRAINED_RATIO, {"min_ratio": "0.5"})
CURRENT = (CheckKind.BOARD_CURRENT_RATIO, {"min_ratio": "0.7"})
VISIT_KINDS = {
    CheckKind.JASS_VISITED_RATIO,
    CheckKind.REGISTRY_UPDATED_SINCE,
    CheckKind.BOARD_TRAINED_RATIO,
}

# What the checklist may load together: each visit rule alone, the board rules alone (only
# trainings are read), and several `from`s in one list.
LOADS = [
    *([r] for r in [*VISITED, *REGISTRY, TRAINED]),
    [TRAINED, CURRENT],
    [VISITED[0], VISITED[2]],
    [*VISITED, *REGISTRY, TRAINED, CURRENT],
    [VISITED[1], REGISTRY[1], TRAINED],
]


def at(day_: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day_, dt.time(12)))


def build(specs, user) -> None:
    for index, (status, created, visits, terms, changes) in enumerate(specs):
        row = Jass.objects.create(district_id=CASCAS, name=f"J{index}", status=status)
        Jass.objects.filter(pk=row.pk).update(created_at=at(created))
        for date, kind, recorded, voided in visits:
            obj = Visit.objects.create(jass=row, staff=user, date=date, kind=kind)
            void = {"voided_at": at(date), "void_reason": "Duplicada"} if voided else {}
            Visit.objects.filter(pk=obj.pk).update(created_at=at(recorded), **void)
        for start, length, recorded in terms:
            obj = BoardTerm.objects.create(
                jass=row, starts_on=start, ends_on=start + dt.timedelta(days=length)
            )
            BoardTerm.objects.filter(pk=obj.pk).update(created_at=at(recorded))
        for changed_on in changes:
            change = ChangeRecord.objects.create(jass=row, action=ChangeRecord.Action.UPDATED)
            ChangeRecord.objects.filter(pk=change.pk).update(at=at(changed_on))


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(jass, min_size=1, max_size=4))
# A training and a later supervision on the same side of every `from`: the board rule finds the
# training only when trainings are a group of their own.
@example(
    specs=[
        (
            "active",
            dt.date(2016, 12, 20),
            [
                (dt.date(2017, 9, 1), "training", dt.date(2017, 9, 1), False),
                (dt.date(2017, 12, 31), "supervision", dt.date(2017, 12, 31), False),
            ],
            [(dt.date(2017, 3, 1), 700, dt.date(2017, 3, 1))],
            [],
        )
    ]
)
def test_collapsed_visits_explain_as_every_visit(specs):
    with transaction.atomic():
        build(specs, UserFactory(username="collapse.prop"))
        district = District.objects.get(pk=CASCAS)
        full = explain.load_district(district, CUTOFF, 0)
        for requirements in LOADS:
            collapsed = explain.load_district(district, CUTOFF, 0, requirements)
            for kind, params in requirements:
                if kind not in VISIT_KINDS:
                    continue
                for official in (False, True):
                    want = reference.explain_one(kind, params, full, CUTOFF, official)
                    got = reference.explain_one(kind, params, collapsed, CUTOFF, official)
                    assert got.measure == want.measure, (kind, params, official)
                    assert got.items == want.items, (kind, params, official)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_jass_visits_are_one_row_a_group(staff_a):
    """Five supervisions from the `from`, recorded by the cutoff, are one row (the latest, by
    date then id) standing for five; one recorded after the cutoff and a training are rows of
    their own; a voided one and one before the `from` are not read."""
    row = Jass.objects.create(district_id=CASCAS, name="J", status="active")
    Jass.objects.filter(pk=row.pk).update(created_at=at(dt.date(2017, 1, 1)))
    same = [dt.date(2017, m, 10) for m in (4, 5, 9, 9, 7)]
    ids = []
    for date in same:
        ids.append(Visit.objects.create(jass=row, staff=staff_a, date=date, kind="supervision").pk)
        Visit.objects.filter(pk=ids[-1]).update(created_at=at(date))
    late = Visit.objects.create(
        jass=row, staff=staff_a, date=dt.date(2017, 12, 1), kind="supervision"
    )
    Visit.objects.filter(pk=late.pk).update(created_at=at(dt.date(2018, 1, 5)))
    before = Visit.objects.create(
        jass=row, staff=staff_a, date=dt.date(2017, 2, 1), kind="follow_up"
    )
    Visit.objects.filter(pk=before.pk).update(created_at=at(dt.date(2017, 2, 1)))
    training = Visit.objects.create(
        jass=row, staff=staff_a, date=dt.date(2017, 3, 5), kind="training"
    )
    Visit.objects.filter(pk=training.pk).update(created_at=at(dt.date(2017, 3, 5)))
    voided = Visit.objects.create(
        jass=row, staff=staff_a, date=dt.date(2017, 11, 1), kind="supervision"
    )
    Visit.objects.filter(pk=voided.pk).update(
        created_at=at(dt.date(2017, 11, 1)), voided_at=at(dt.date(2017, 11, 2)), void_reason="X"
    )
    requirements = [
        (CheckKind.JASS_VISITED_RATIO, {"min_ratio": "0.5", "from": "2017-03-01", "min_visits": 7})
    ]
    district = District.objects.get(pk=CASCAS)
    with CaptureQueriesContext(connection) as queries:
        plain = explain.load_district(district, CUTOFF, 0, requirements)
    visits = plain.jass[0].visits
    rows = sorted((v.id, v.count) for v in visits)
    # the September ones tie on the date: the higher id is the latest
    assert rows == sorted([(ids[3], 5), (late.pk, 1), (training.pk, 1)])
    assert len(queries) <= 12
    progress = reference.explain_one(*requirements[0], plain, CUTOFF, official=False)
    official = reference.explain_one(*requirements[0], plain, CUTOFF, official=True)
    assert [i.counted for i in progress.items] == [True]  # 5 + late + training
    assert [i.counted for i in official.items] == [False]  # 5 + training, 7 asked
    assert progress.items[0].id == late.pk
