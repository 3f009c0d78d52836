"""Demo data and the synthetic dataset carry service assessments for most systems (some never
assessed) and their grades; running load_demo again adds nothing."""

import datetime as dt
import io

from django.core.management import call_command

from jass_registry.models import Jass, WaterSystem
from service_grades.models import ServiceAssessment, ServiceScore


def test_demo_has_assessments_grades_and_never_assessed_jass(db):
    call_command("load_demo", stdout=io.StringIO())
    assessments = ServiceAssessment.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert ServiceAssessment.objects.count() == assessments > 0
    for ubigeo in ("131101", "131102"):
        active = Jass.objects.filter(district_id=ubigeo, status="active")
        assert active.filter(grade__isnull=True).exists()
        assert active.filter(grade__isnull=False).count() >= active.count() - 1
    grades = set(WaterSystem.objects.exclude(grade=None).values_list("grade", flat=True))
    assert len(grades) >= 2  # a range of service levels, not one letter
    assert ServiceScore.objects.values("quarter").distinct().count() == 2


def test_the_dataset_assesses_most_systems_and_grades_them(db):
    from ato.synthetic import Generator

    until = dt.date(2026, 6, 30)
    counts = Generator("district", seed=7, until=until, jass_total=80).generate()
    systems = WaterSystem.objects.filter(retired_on__isnull=True).exclude(jass__status="dissolved")
    graded = systems.filter(grade__isnull=False).count()
    assert counts["service_assessments"] == ServiceAssessment.objects.count() > 0
    assert 0.6 * systems.count() < graded < systems.count()  # most, not all
    assert (
        counts["graded_systems"]
        == ServiceScore.objects.filter(subject="system", quarter=dt.date(2026, 4, 1)).count()
    )
