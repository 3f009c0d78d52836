"""PI goals as data: a Goal of one year and its Requirements, each checked by a check kind with
validated parameters; evaluation runs and their per-district results (shared/DESIGN.md, "The goal
engine")."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from common.uploads import UploadFileField, UploadPath
from common.validators import (
    NotBefore,
    no_control_characters,
    not_after_2100,
    not_in_future,
    text_validators,
)
from territory.access import scoped
from territory.models import District

from .checks import CheckKind, validate_params


class Goal(models.Model):
    # The pattern of the goal pages' and the API's paths (ato/converters.py).
    code = models.CharField(
        _("código"),
        max_length=20,
        unique=True,
        help_text="2017-M35",
        validators=[
            RegexValidator(r"^[0-9]{4}-M[0-9]{1,3}\Z", _("El código es AAAA-MNN, p. ej. 2017-M35."))
        ],
    )
    number = models.PositiveSmallIntegerField(_("número de meta"))
    year = models.PositiveSmallIntegerField(
        _("año"), validators=[MinValueValidator(2009), MaxValueValidator(2100)]
    )
    title = models.CharField(_("título"), max_length=300, validators=[no_control_characters])
    deadline = models.DateField(
        _("fecha límite"), validators=[NotBefore(dt.date(2009, 1, 1)), not_after_2100]
    )
    categories = models.JSONField(
        _("tipos de municipalidad"),
        default=list,
        help_text=_('Tipos a los que se aplica, p. ej. ["C", "D"].'),
    )
    minimum_score = models.PositiveSmallIntegerField(_("puntaje mínimo"))
    working_model = models.BooleanField(
        _("modelo de trabajo"),
        default=True,
        help_text=_(
            "Marcado mientras la tabla de requisitos sea el modelo de trabajo del proyecto y no "
            "la tabla oficial publicada."
        ),
    )

    class Meta:
        verbose_name = _("meta del Programa de Incentivos")
        verbose_name_plural = _("metas del Programa de Incentivos")
        ordering = ["-year", "number"]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def clean(self):
        if not isinstance(self.categories, list) or not all(
            isinstance(c, str) and 0 < len(c) <= 8 for c in self.categories
        ):
            raise ValidationError(
                {"categories": _('Indique una lista de tipos, p. ej. ["C", "D"].')}
            )


class Requirement(models.Model):
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("meta")
    )
    code = models.CharField(_("código"), max_length=20, validators=[no_control_characters])
    title = models.CharField(
        _("actividad / requisito"), max_length=300, validators=[no_control_characters]
    )
    specification = models.TextField(
        _("especificación"), blank=True, max_length=5000, validators=text_validators(5000)
    )
    verification_means = models.TextField(
        _("medio de verificación"), blank=True, max_length=2000, validators=text_validators(2000)
    )
    points = models.PositiveSmallIntegerField(_("puntos"))
    mandatory = models.BooleanField(_("obligatorio"), default=False)
    kind = models.CharField(_("tipo de verificación"), max_length=32, choices=CheckKind.choices)
    params = models.JSONField(_("parámetros"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("orden"), default=0)

    class Meta:
        verbose_name = _("requisito")
        verbose_name_plural = _("requisitos")
        ordering = ["goal_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "code"], name="requirement_code_unique_in_goal")
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def clean(self):
        errors = validate_params(self.kind, self.params)
        if errors:
            raise ValidationError({"params": errors})


class RunKind(models.TextChoices):
    PROGRESS = "progress", _("Evaluación de avance")
    OFFICIAL = "official", _("Evaluación oficial")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("En cola")
    RUNNING = "running", _("En proceso")
    DONE = "done", _("Terminada")
    FAILED = "failed", _("Fallida")


class EvaluationRun(models.Model):
    goal = models.ForeignKey(
        Goal, on_delete=models.PROTECT, related_name="runs", verbose_name=_("meta")
    )
    cutoff = models.DateField(
        _("fecha de corte"), validators=[NotBefore(dt.date(2009, 1, 1)), not_after_2100]
    )
    kind = models.CharField(
        _("tipo"), max_length=10, choices=RunKind.choices, default=RunKind.PROGRESS
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    districts_total = models.PositiveIntegerField(_("distritos en alcance"), default=0)
    districts_done = models.PositiveIntegerField(_("distritos evaluados"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("evaluación")
        verbose_name_plural = _("evaluaciones")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.goal.code} {self.cutoff} ({self.get_kind_display()})"


class ResultReview(models.TextChoices):
    PENDING = "pending", _("Sin revisar")
    APPROVED = "approved", _("Aprobado")
    RETURNED = "returned", _("Observado")


class DistrictResultQuerySet(models.QuerySet):
    def visible_to(self, user) -> DistrictResultQuerySet:
        """ATM staff see their district's results; reviewers and admins see all."""
        return scoped(self, user, "district_id")

    def latest_per_goal(self) -> DistrictResultQuerySet:
        """Each district's result in the latest finished run of each goal (latest cutoff, then
        the run started last): one correlated subquery, no query per goal."""
        newest = (
            DistrictResult.objects.filter(
                district_id=OuterRef("district_id"),
                run__goal=OuterRef("run__goal"),
                run__status=RunStatus.DONE,
            )
            .order_by("-run__cutoff", "-run__created_at", "-run_id")
            .values("pk")[:1]
        )
        return self.filter(run__status=RunStatus.DONE, pk=Subquery(newest))


class DistrictResult(models.Model):
    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="results")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="goal_results")
    score = models.PositiveSmallIntegerField(_("puntaje"))
    passed = models.BooleanField(_("cumple"))
    review = models.CharField(
        _("revisión"), max_length=10, choices=ResultReview.choices, default=ResultReview.PENDING
    )
    review_comment = models.TextField(
        _("comentario del revisor"), blank=True, max_length=2000, validators=text_validators(2000)
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    objects = DistrictResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("resultado del distrito")
        verbose_name_plural = _("resultados de los distritos")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "district"], name="one_result_per_run_and_district"
            )
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.district_id}: {self.score}"


class RequirementResult(models.Model):
    district_result = models.ForeignKey(
        DistrictResult, on_delete=models.CASCADE, related_name="requirements"
    )
    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="+")
    met = models.BooleanField(_("cumplido"))
    numerator = models.IntegerField(_("numerador"), null=True)
    denominator = models.IntegerField(_("denominador"), null=True)
    value = models.DecimalField(_("valor"), max_digits=14, decimal_places=4, null=True)
    threshold = models.DecimalField(_("umbral"), max_digits=14, decimal_places=4, null=True)

    class Meta:
        verbose_name = _("resultado del requisito")
        verbose_name_plural = _("resultados de los requisitos")
        constraints = [
            models.UniqueConstraint(
                fields=["district_result", "requirement"], name="one_result_per_requirement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.requirement_id}: {self.met}"


class EvidenceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Presentada")
    APPROVED = "approved", _("Aprobada")
    RETURNED = "returned", _("Observada")


# evidence/<ubigeo>/<random>.<pdf|jpg|png>: named after the type found in the content, never
# after the client's name; files are served only through a scoped view (common/uploads.py).
# Kept under this name because migration 0001 refers to it.
evidence_path = UploadPath("evidence", by="district_id")


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user) -> EvidenceQuerySet:
        """ATM staff see their district's evidence; reviewers and admins every district's."""
        return scoped(self, user, "district_id")

    def waiting_first(self) -> EvidenceQuerySet:
        """The reviewers' order: items waiting for review first, then oldest first."""
        return self.annotate(
            waiting=models.Case(
                models.When(status=EvidenceStatus.SUBMITTED, then=0),
                default=1,
                output_field=models.IntegerField(),
            )
        ).order_by("waiting", "created_at", "id")


class Evidence(models.Model):
    """A document a district presents for a requirement of kind `evidence`."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="evidence")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="evidence")
    doc_type = models.CharField(_("tipo de documento"), max_length=40)
    number = models.CharField(_("número"), max_length=80, validators=[no_control_characters])
    issued_on = models.DateField(
        _("fecha del documento"), validators=[NotBefore(dt.date(1990, 1, 1)), not_in_future]
    )
    file = UploadFileField(_("archivo"), upload_to=evidence_path)
    status = models.CharField(
        _("estado"), max_length=10, choices=EvidenceStatus.choices, default=EvidenceStatus.SUBMITTED
    )
    comment = models.TextField(
        _("observación del revisor"),
        blank=True,
        max_length=2000,
        validators=text_validators(2000),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidencia")
        verbose_name_plural = _("evidencias")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["doc_type", "status", "district"], name="evidence_lookup")]

    def __str__(self) -> str:
        return f"{self.doc_type} {self.number}"

    @property
    def reviewer_name(self) -> str | None:
        user = self.reviewed_by
        return (user.get_full_name() or user.username) if user else None


class EvidenceEvent(models.Model):
    """Every state change of an evidence item: who and when."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=10, choices=EvidenceStatus.choices)
    comment = models.TextField(blank=True, max_length=2000, validators=text_validators(2000))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.evidence_id} {self.status}"
