"""Recomputing the grades: a voided visit's assessment never counts, a quarter is updated in
place, a past quarter leaves the registry's copy alone, and the reviewers' "Recalcular grados",
the nightly task and `manage.py compute_grades` record their run."""

import datetime as dt
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from service_grades import services, tasks
from service_grades.grading import compute_scores
from service_grades.models import GradeRun, ServiceScore, quarter_of
from visits import services as visit_services

from .conftest import GOOD, TODAY, visit


def test_a_voided_visits_assessment_never_counts(staff_a, graded):
    alto, jass = graded["alto"], graded["jass"]
    older = visit(staff_a, jass, days_ago=20)
    services.assessment_record(
        user=staff_a,
        visit=older,
        water_system=alto,
        data={**GOOD, "source_intake": "not_working", "hours_dry": 0},
    )
    alto.refresh_from_db()
    assert alto.grade == "A"  # the later assessment decides
    visit_services.visit_void(user=staff_a, visit=graded["visit"], reason="Duplicada")
    compute_scores(quarter_of(TODAY))
    alto.refresh_from_db()
    # The older one now decides, and the voided visit's chlorine reading is gone too.
    row = ServiceScore.objects.get(subject="system", water_system=alto, quarter=quarter_of(TODAY))
    assert row.components["assessment"]["visit"] == older.pk
    assert row.components["water_quality"]["value"] == 0
    assert alto.grade == row.grade and alto.score == row.score and alto.grade != "A"
    visit_services.visit_void(user=staff_a, visit=older, reason="Duplicada")
    compute_scores(quarter_of(TODAY))
    alto.refresh_from_db()
    jass.refresh_from_db()
    assert (alto.grade, alto.score, jass.grade) == (None, None, None)
    assert not ServiceScore.objects.filter(quarter=quarter_of(TODAY)).exists()


def test_recomputing_within_the_quarter_updates_in_place(staff_a, graded):
    before = {r.pk: r for r in ServiceScore.objects.all()}
    counts = compute_scores(quarter_of(TODAY))
    assert (counts["systems"], counts["jass"]) == (1, 1)
    # Nothing changed: the same rows, not even rewritten.
    after = {r.pk: r for r in ServiceScore.objects.all()}
    assert {pk: r.computed_at for pk, r in after.items()} == {
        pk: r.computed_at for pk, r in before.items()
    }
    services.assessment_update(user=staff_a, assessment=graded["assessment"], data={"hours_dry": 0})
    compute_scores(quarter_of(TODAY))
    system = ServiceScore.objects.get(subject="system")
    assert system.pk in before and system.computed_at > before[system.pk].computed_at
    assert system.score == before[system.pk].score - Decimal("0.150")  # 0.30 x 24/48
    assert ServiceScore.objects.count() == 2


def test_a_past_quarter_is_kept_and_leaves_the_registrys_copy_alone(staff_a, graded):
    alto = graded["alto"]
    past = quarter_of(quarter_of(TODAY) - dt.timedelta(days=1))
    compute_scores(past)  # the assessment three days ago may be after that quarter: no rows
    assert ServiceScore.objects.filter(quarter=quarter_of(TODAY)).count() == 2
    alto.refresh_from_db()
    assert alto.grade == "A"


def test_reviewers_recompute_from_the_page_and_see_it_done(
    client, reviewer, graded, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    url = reverse("service_grades:national")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    run = GradeRun.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"?calculo={run.pk}")
    assert (run.status, run.systems, run.jass, run.requested_by) == ("done", 1, 1, reviewer)
    page = client.get(url).content.decode()
    assert "Recalcular grados" in page and "Terminado" in page
    assert "La Libertad" in page
    progress = client.get(reverse("service_grades:run", args=[run.pk])).content.decode()
    assert "every 2s" not in progress and "1 sistemas y 1 JASS calificados" in progress


def test_one_recomputation_at_a_time_and_its_progress_is_polled(client, reviewer, graded):
    client.force_login(reviewer)
    url = reverse("service_grades:national")
    client.post(url)  # the task waits for the commit: the run stays queued in this test
    run = GradeRun.objects.get()
    progress = client.get(reverse("service_grades:run", args=[run.pk])).content.decode()
    assert "every 2s" in progress and "En cola" in progress
    page = client.post(url, follow=True).content.decode()
    assert "Ya hay un recálculo de grados en curso." in page
    assert GradeRun.objects.count() == 1


def test_staff_do_not_recompute(client, staff_a, graded):
    client.force_login(staff_a)
    assert client.post(reverse("service_grades:national")).status_code == 403
    assert not GradeRun.objects.exists()


def test_the_nightly_task_and_the_command_record_their_runs(
    graded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.compute_grades_nightly()
    run = GradeRun.objects.get(pk=run_id)
    assert (run.status, run.requested_by, run.systems) == ("done", None, 1)
    out = StringIO()
    call_command("compute_grades", stdout=out)
    assert "1 sistemas y 1 JASS calificados" in out.getvalue()
    assert GradeRun.objects.filter(status="done").count() == 2
