"""Writes of the goal engine: starting a run, computing a chunk of districts (idempotent
upserts), reviewing official results."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from common.uploads import validate_upload
from territory.models import District, DistrictCategory, NotificationKind
from territory.services import district_staff, notification_send

from . import engine
from .checks import CheckKind
from .models import (
    DistrictResult,
    EvaluationRun,
    Evidence,
    EvidenceEvent,
    EvidenceStatus,
    Goal,
    Requirement,
    RequirementResult,
    ResultReview,
    RunKind,
    RunStatus,
)

# Districts per Celery task: small enough to spread over workers, large enough that each
# chunk's aggregate queries are worth their round trips.
CHUNK_SIZE = int(os.environ.get("ATO_EVAL_CHUNK_SIZE", "200"))


class FrozenResults(Exception):
    """An official run at this cutoff already has approved results: they do not change."""


def districts_in_scope(goal: Goal) -> list[str]:
    """Districts whose PI category in the goal's year is one the goal applies to."""
    return list(
        DistrictCategory.objects.filter(year=goal.year, category__in=goal.categories)
        .order_by("district_id")
        .values_list("district_id", flat=True)
    )


@transaction.atomic
def run_start(*, user, goal: Goal, cutoff: dt.date, kind: str) -> EvaluationRun:
    """Create a run and enqueue it once the transaction commits."""
    if kind not in RunKind.values:
        raise ValidationError({"kind": [_("Tipo de evaluación no válido.")]})
    if kind == RunKind.OFFICIAL and cutoff > timezone.localdate():
        raise ValidationError(
            {"cutoff": [_("Una evaluación oficial no puede tener fecha de corte futura.")]}
        )
    if (
        kind == RunKind.OFFICIAL
        and DistrictResult.objects.filter(
            run__goal=goal,
            run__cutoff=cutoff,
            run__kind=RunKind.OFFICIAL,
            review=ResultReview.APPROVED,
        ).exists()
    ):
        raise FrozenResults(
            _("Ya hay resultados aprobados de una evaluación oficial de %(g)s al %(c)s.")
            % {"g": goal.code, "c": cutoff}
        )
    run = EvaluationRun(goal=goal, cutoff=cutoff, kind=kind, started_by=user)
    run.full_clean()  # the cutoff's range (a year-1 cutoff would reach the engine)
    run.save()
    from .tasks import start_run

    transaction.on_commit(lambda: start_run.delay(run.pk))
    return run


def run_split(run_id: int) -> list[list[str]]:
    """Fix the run's scope and return it in chunks."""
    run = EvaluationRun.objects.select_related("goal").get(pk=run_id)
    ids = districts_in_scope(run.goal)
    EvaluationRun.objects.filter(pk=run_id).update(
        districts_total=len(ids), status=RunStatus.RUNNING if ids else RunStatus.DONE
    )
    if not ids:
        EvaluationRun.objects.filter(pk=run_id).update(finished_at=timezone.now())
    return [ids[i : i + CHUNK_SIZE] for i in range(0, len(ids), CHUNK_SIZE)]


@transaction.atomic
def chunk_evaluate(run_id: int, district_ids: list[str]) -> int:
    """Compute the districts of one chunk and upsert their results on (run, district): running a
    chunk twice changes nothing. Approved official results are frozen and skipped."""
    run = EvaluationRun.objects.select_related("goal").get(pk=run_id)
    requirements = list(run.goal.requirements.order_by("order", "code"))
    frozen = set(
        DistrictResult.objects.filter(
            run=run, district_id__in=district_ids, review=ResultReview.APPROVED
        ).values_list("district_id", flat=True)
    )
    ids = [d for d in district_ids if d not in frozen]
    results, requirement_rows = _district_outcomes(run, requirements, ids)
    _results_upsert(run, ids, results, requirement_rows)
    _progress(run_id)
    return len(ids)


# (requirement, measure or None, threshold, met) of one district
RequirementRow = tuple[Requirement, engine.Measure | None, Decimal, bool]


def _district_outcomes(
    run: EvaluationRun, requirements: list[Requirement], ids: list[str]
) -> tuple[list[DistrictResult], list[list[RequirementRow]]]:
    """One engine query per requirement for all the districts, then each district's score."""
    official = run.kind == RunKind.OFFICIAL
    per_requirement = [
        (r, engine.threshold_of(r.kind, r.params), engine.measure(r, ids, run.cutoff, official))
        for r in requirements
    ]
    results, requirement_rows = [], []
    for district_id in ids:
        outcomes, rows = [], []
        for requirement, threshold, measures in per_requirement:
            m = measures.get(district_id)
            met = engine.decide(m, threshold)
            outcomes.append((requirement.points, requirement.mandatory, met))
            rows.append((requirement, m, threshold, met))
        score, passed = engine.district_outcome(outcomes, run.goal.minimum_score)
        results.append(DistrictResult(run=run, district_id=district_id, score=score, passed=passed))
        requirement_rows.append(rows)
    return results, requirement_rows


def _results_upsert(
    run: EvaluationRun,
    ids: list[str],
    results: list[DistrictResult],
    requirement_rows: list[list[RequirementRow]],
) -> None:
    """Set-based upserts on (run, district) and (result, requirement): a redelivered chunk
    rewrites the same rows, it never adds any."""
    DistrictResult.objects.bulk_create(
        results,
        update_conflicts=True,
        unique_fields=["run", "district"],
        update_fields=["score", "passed", "computed_at"],
        batch_size=500,
    )
    ids_by_district = dict(
        DistrictResult.objects.filter(run=run, district_id__in=ids).values_list("district_id", "pk")
    )
    RequirementResult.objects.bulk_create(
        [
            RequirementResult(
                district_result_id=ids_by_district[result.district_id],
                requirement=requirement,
                met=met,
                numerator=None if m is None else int(m.numerator),
                denominator=None if m is None else m.denominator,
                value=None if m is None else m.value,
                threshold=threshold,
            )
            for result, rows in zip(results, requirement_rows, strict=True)
            for requirement, m, threshold, met in rows
        ],
        update_conflicts=True,
        unique_fields=["district_result", "requirement"],
        update_fields=["met", "numerator", "denominator", "value", "threshold"],
        batch_size=1000,
    )


def _progress(run_id: int) -> None:
    """Progress is counted from the stored results, so a redelivered chunk cannot inflate it.

    Chunks of one run commit concurrently on several workers. The run row is locked first and
    the results counted after, in a statement of its own: under READ COMMITTED the count then
    sees every chunk that committed before this one got the lock. (Counting inside the UPDATE
    used the statement's older snapshot: two chunks finishing together each missed the other's
    rows, and the run stayed "running" for ever. The national benchmark found it.)"""
    run = EvaluationRun.objects.select_for_update().get(pk=run_id)
    done = DistrictResult.objects.filter(run_id=run_id).count()
    update = {"districts_done": done}
    if done >= run.districts_total and run.status != RunStatus.DONE:
        update.update(status=RunStatus.DONE, finished_at=timezone.now())
    EvaluationRun.objects.filter(pk=run_id).update(**update)


@transaction.atomic
def result_review(
    *, user, result: DistrictResult, approve: bool, comment: str = ""
) -> DistrictResult:
    if not user.can_review:
        raise ValidationError(_("Solo un revisor aprueba u observa resultados."))
    if result.run.kind != RunKind.OFFICIAL:
        raise ValidationError(_("Solo se revisan los resultados de evaluaciones oficiales."))
    if result.review == ResultReview.APPROVED:
        raise FrozenResults(_("El resultado ya fue aprobado y está congelado."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": [_("Indique qué debe corregirse.")]})
    result.review = ResultReview.APPROVED if approve else ResultReview.RETURNED
    result.review_comment = comment
    result.reviewed_by = user
    result.reviewed_at = timezone.now()
    result.save(update_fields=["review", "review_comment", "reviewed_by", "reviewed_at"])
    _result_notify(result)
    return result


def _result_notify(result: DistrictResult) -> None:
    """The district's ATM staff hear of the decision, in ATO and by email (Spanish: the
    message is stored as sent)."""
    run = result.run
    approved = result.review == ResultReview.APPROVED
    with translation.override(settings.LANGUAGE_CODE):
        facts = {
            "goal": run.goal.code,
            "cutoff": formats.date_format(run.cutoff, "SHORT_DATE_FORMAT"),
            "reviewer": result.reviewed_by.get_full_name() or result.reviewed_by.username,
        }
        if approved:
            subject = _("Resultado de la meta %(goal)s aprobado") % facts
            message = (
                _("%(reviewer)s aprobó el resultado oficial de la meta %(goal)s al %(cutoff)s.")
                % facts
            )
        else:
            subject = _("Resultado de la meta %(goal)s observado") % facts
            message = _(
                "%(reviewer)s observó el resultado oficial de la meta %(goal)s al %(cutoff)s: "
                "%(comment)s"
            ) % {**facts, "comment": result.review_comment}
    notification_send(
        users=district_staff(result.district_id),
        kind=NotificationKind.RESULT_APPROVED if approved else NotificationKind.RESULT_RETURNED,
        subject=subject,
        message=message,
        url=reverse("incentives:result", args=[run.pk, result.district_id]),
    )


@transaction.atomic
def evidence_submit(
    *,
    user,
    district: District,
    requirement: Requirement,
    number: str,
    issued_on: dt.date,
    file,
) -> Evidence:
    """A district's document for a requirement of kind `evidence`, with its first event.

    The file is checked by its content here too (common/uploads.py), so no door skips it."""
    if not user.is_staff_of(district.ubigeo):
        raise ValidationError(_("Solo el personal del ATM del distrito presenta evidencias."))
    if requirement.kind != CheckKind.EVIDENCE:
        raise ValidationError({"requirement": [_("Este requisito no se acredita con evidencia.")]})
    validate_upload(file)
    item = Evidence.objects.create(
        district=district,
        requirement=requirement,
        doc_type=requirement.params.get("doc_type", ""),
        number=number,
        issued_on=issued_on,
        file=file,
        uploaded_by=user,
    )
    EvidenceEvent.objects.create(evidence=item, status=EvidenceStatus.SUBMITTED, user=user)
    return item


@transaction.atomic
def evidence_review(*, user, evidence: Evidence, approve: bool, comment: str = "") -> Evidence:
    """Approve or return an evidence item, with its event. Returning it says what to correct."""
    if not user.can_review:
        raise ValidationError(_("Esta acción es para los revisores del sector."))
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError(
            {"comment": [_("Para observar una evidencia indique qué debe corregirse.")]}
        )
    if evidence.status != EvidenceStatus.SUBMITTED:
        # Decided once: a second click (two reviewers, a resent form) changes nothing and
        # notifies nobody twice. A corrected document is presented as a new evidence item.
        raise ValidationError(_("Esta evidencia ya fue revisada."))
    evidence.status = EvidenceStatus.APPROVED if approve else EvidenceStatus.RETURNED
    evidence.comment = comment
    evidence.reviewed_at = timezone.now()
    evidence.reviewed_by = user
    evidence.save(update_fields=["status", "comment", "reviewed_at", "reviewed_by"])
    EvidenceEvent.objects.create(
        evidence=evidence, status=evidence.status, comment=comment, user=user
    )
    _evidence_notify(evidence)
    return evidence


def _evidence_notify(evidence: Evidence) -> None:
    approved = evidence.status == EvidenceStatus.APPROVED
    requirement = evidence.requirement
    with translation.override(settings.LANGUAGE_CODE):
        facts = {
            "number": evidence.number,
            "goal": requirement.goal.code,
            "requirement": requirement.title,
            "reviewer": evidence.reviewed_by.get_full_name() or evidence.reviewed_by.username,
        }
        if approved:
            subject = _("Evidencia %(number)s aprobada") % facts
            message = (
                _("%(reviewer)s aprobó la evidencia %(number)s (%(goal)s · %(requirement)s).")
                % facts
            )
        else:
            subject = _("Evidencia %(number)s observada") % facts
            message = _(
                "%(reviewer)s observó la evidencia %(number)s (%(goal)s · %(requirement)s): "
                "%(comment)s"
            ) % {**facts, "comment": evidence.comment}
    notification_send(
        users=district_staff(evidence.district_id),
        kind=NotificationKind.EVIDENCE_APPROVED if approved else NotificationKind.EVIDENCE_RETURNED,
        subject=subject,
        message=message,
        url=reverse("incentives:evidence", args=[evidence.district_id])
        + f"#evidencia-{evidence.pk}",
    )
