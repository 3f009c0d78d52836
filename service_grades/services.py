"""Writes of the service_grades app: service assessments at visits and the recomputation of the
grades. The page, the API, the demo loader and the task all go through these functions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jass_registry.models import JassStatus, WaterSystem
from visits.models import Visit

from .grading import compute_scores
from .models import COMPONENTS, GradeRun, RunStatus, ServiceAssessment, quarter_of

ASSESSMENT_FIELDS = [*COMPONENTS, "hours_dry", "hours_rainy", "associates", "associates_paid"]
# A run still queued or running after this long is taken for lost (a worker died): a new one
# may start.
RUN_STALE_AFTER = dt.timedelta(hours=1)


def _check_visit(user, visit: Visit) -> Visit:
    """The visit, read again under a row lock: the user is one of its district's staff, and
    neither the visit nor its JASS is closed."""
    if not user.is_staff_of(visit.jass.district_id):
        raise PermissionDenied(_("Solo el personal del ATM del distrito evalúa el servicio."))
    locked = Visit.objects.select_for_update().select_related("jass").get(pk=visit.pk)
    if locked.voided_at is not None:
        raise ValidationError(_("Esta visita fue anulada: su evaluación no se modifica."))
    if locked.jass.status == JassStatus.DISSOLVED:
        raise ValidationError(_("La organización está disuelta."))
    return locked


def _refresh_grades(jass_id: int) -> None:
    """The JASS's grades of the current quarter follow its new facts at once (the nightly run
    recomputes the country)."""
    today = timezone.localdate()
    compute_scores(quarter_of(today), today=today, jass_ids=[jass_id])


def _apply(assessment: ServiceAssessment, data: dict[str, Any]) -> None:
    for name in ASSESSMENT_FIELDS:
        if name in data:
            setattr(assessment, name, data[name])
    assessment.full_clean()


@transaction.atomic
def assessment_record(
    *, user, visit: Visit, water_system: WaterSystem, data: dict[str, Any]
) -> ServiceAssessment:
    """Record the assessment of one of the visited JASS's water systems (one per system and
    visit)."""
    visit = _check_visit(user, visit)
    if water_system.retired_on and water_system.retired_on <= visit.date:
        raise ValidationError(
            {"water_system": [_("El sistema estaba dado de baja en la fecha de la visita.")]}
        )
    assessment = ServiceAssessment(visit=visit, water_system=water_system, created_by=user)
    _apply(assessment, data)
    assessment.save()
    _refresh_grades(visit.jass_id)
    return assessment


@transaction.atomic
def assessment_update(
    *, user, assessment: ServiceAssessment, data: dict[str, Any]
) -> ServiceAssessment:
    """Edit an assessment while its visit is not voided (its visit and system stay)."""
    assessment.visit = _check_visit(user, assessment.visit)
    _apply(assessment, data)
    assessment.save()
    _refresh_grades(assessment.visit.jass_id)
    return assessment


# --- recomputation ------------------------------------------------------------------------------


def grade_run_start(*, user, quarter: dt.date | None = None) -> GradeRun:
    """Queue a recomputation of the country's grades (a reviewer's button, or the nightly beat
    with `user=None`); the task runs once the transaction commits. One at a time."""
    if user is not None and not user.can_review:
        raise PermissionDenied(_("Solo un revisor del sector recalcula los grados."))
    with transaction.atomic():
        since = timezone.now() - RUN_STALE_AFTER
        if GradeRun.objects.in_progress().filter(created_at__gte=since).exists():
            raise ValidationError(_("Ya hay un recálculo de grados en curso."))
        run = GradeRun.objects.create(
            quarter=quarter_of(quarter or timezone.localdate()), requested_by=user
        )
        from .tasks import compute_grades

        transaction.on_commit(lambda: compute_grades.delay(run.pk))
    return run


def grade_run_execute(run_id: int) -> GradeRun:
    """Compute the run's quarter for the whole country and record how it went."""
    GradeRun.objects.filter(pk=run_id).update(status=RunStatus.RUNNING, started_at=timezone.now())
    run = GradeRun.objects.get(pk=run_id)
    try:
        counts = compute_scores(run.quarter)
    except Exception as error:
        GradeRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=str(error)[:300]
        )
        raise
    GradeRun.objects.filter(pk=run_id).update(
        status=RunStatus.DONE,
        finished_at=timezone.now(),
        systems=counts["systems"],
        jass=counts["jass"],
    )
    run.refresh_from_db()
    return run
