"""Goals after 2017: 2019-M5 and the 2026 working model are seeded as data, and their two new
check kinds (the ATM head designated by a date, the registry kept up to date) are computed by a
run like any other."""

import datetime as dt

from django.utils import timezone

from incentives.catalogue import seed_goals
from incentives.models import DistrictResult, EvaluationRun, Goal
from jass_registry.models import ChangeRecord, JassStatus
from territory.models import AtmOffice, DistrictCategory
from tests.conftest import CASCAS, LUCMA
from tests.factories import JassFactory
from tests.incentives.conftest import compute
from visits.models import Visit


def test_the_2019_and_2026_goals_are_seeded_as_working_model_with_the_atm_activities(db):
    meta_2019 = Goal.objects.get(code="2019-M5")
    meta_2026 = Goal.objects.get(code="2026-M5")
    assert meta_2019.working_model and meta_2026.working_model
    assert "Fortalecimiento del Área Técnica Municipal" in meta_2019.title
    assert meta_2026.title.endswith("en el ámbito rural")  # the label is the flag, not the title
    kinds = {r.code: (r.kind, r.params) for r in meta_2019.requirements.all()}
    assert kinds == {
        "1": ("head_designated_by", {"by": "2019-06-30"}),
        "2": ("evidence", {"doc_type": "poi_atm_activities"}),
        "3": ("evidence", {"doc_type": "budget_certification"}),
        "4": ("registry_updated_since", {"min_ratio": "0.5", "from": "2019-01-01"}),
    }
    assert meta_2026.requirements.filter(mandatory=True).get().kind == "head_designated_by"


def test_seeding_again_leaves_a_goal_as_the_admin_left_it(db):
    goal = Goal.objects.get(code="2026-M5")
    goal.minimum_score = 55
    goal.save()
    goal.requirements.filter(code="6").update(points=30)
    assert seed_goals(codes={"2019-M5", "2026-M5"}, only_missing=True) == 0
    goal.refresh_from_db()
    assert goal.minimum_score == 55
    assert goal.requirements.get(code="6").points == 30


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def test_a_2026_run_counts_the_heads_resolution_and_the_jass_updated_or_visited_this_year(
    staff_a, staff_b
):
    for ubigeo, category in ((CASCAS, "C"), (LUCMA, "D")):
        DistrictCategory.objects.create(district_id=ubigeo, year=2026, category=category)
    AtmOffice.objects.filter(pk=CASCAS).update(
        head_resolution="R.A. N.° 045-2026-MDC", head_designated_on=dt.date(2026, 2, 10)
    )
    # Lucma named its head after the date the goal asks for.
    AtmOffice.objects.filter(pk=LUCMA).update(
        head_resolution="R.A. N.° 101-2026-MDL", head_designated_on=dt.date(2026, 8, 1)
    )
    changed, visited, untouched, changed_last_year = JassFactory.create_batch(4, district_id=CASCAS)
    JassFactory(district_id=CASCAS, status=JassStatus.DISSOLVED)  # not in the denominator
    for jass, day in ((changed, dt.date(2026, 3, 5)), (changed_last_year, dt.date(2025, 12, 20))):
        record = ChangeRecord.objects.create(jass=jass, action=ChangeRecord.Action.UPDATED)
        ChangeRecord.objects.filter(pk=record.pk).update(at=_at(day))
    Visit.objects.create(jass=visited, staff=staff_a, date=dt.date(2026, 4, 2), kind="supervision")

    run = compute(
        EvaluationRun.objects.create(
            goal=Goal.objects.get(code="2026-M5"), cutoff=dt.date(2026, 11, 20)
        )
    )

    assert (run.status, run.districts_total) == ("done", 2)
    cascas = DistrictResult.objects.get(run=run, district_id=CASCAS)
    head = cascas.requirements.get(requirement__code="1")
    registry = cascas.requirements.get(requirement__code="5")
    assert head.met
    assert (registry.numerator, registry.denominator, registry.met) == (2, 4, False)
    lucma = DistrictResult.objects.get(run=run, district_id=LUCMA)
    assert not lucma.requirements.get(requirement__code="1").met
    assert not lucma.passed  # the head's resolution is mandatory
