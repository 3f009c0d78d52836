"""Service assessments recorded at visits and the A–D service levels (grades) of water systems
and JASS, kept per quarter ("forever").

A `ServiceAssessment` holds what SIASAR records for one water system at one visit: the condition
of each component, the hours of service per day in the dry and rainy seasons, and for the
provider (the JASS) how many associates are up to date with their fee. A voided visit's
assessment never counts (`ServiceAssessment.objects.valid()`).

A `ServiceScore` is one subject's score (0–1), grade and components for one quarter, written by
`grading.compute_scores` (set-based for the whole country); recomputing within the quarter
updates the row in place. The formula and weights are in `grading.py`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from jass_registry.models import MAX_HOUSEHOLDS, Condition, Jass, SystemType, WaterSystem
from territory.access import scoped
from visits.models import Visit

# The condition of a system's component: bueno / regular / malo / no funciona (SIASAR's scale,
# the same words as the registry's WaterSystem.condition).
ComponentCondition = Condition

NOT_APPLICABLE = "not_applicable"
# Treatment may not apply: a system without treatment has none to judge.
TREATMENT_CHOICES = [*Condition.choices, (NOT_APPLICABLE, _("No aplica (sin tratamiento)"))]

# The components in the order a technician walks the system, with their field names.
COMPONENTS = ("source_intake", "conduction", "treatment", "storage", "distribution")

HOURS_VALIDATORS = [MinValueValidator(0), MaxValueValidator(24)]


class ServiceAssessmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> ServiceAssessmentQuerySet:
        """ATM staff see their district's assessments; reviewers and admins see all."""
        return scoped(self, user, "visit__district_id")

    def valid(self) -> ServiceAssessmentQuerySet:
        """Assessments that count: recorded at a visit that is not voided."""
        return self.filter(visit__voided_at__isnull=True)


class ServiceAssessment(models.Model):
    """The state of one water system's service, as seen at one visit (one per system and
    visit)."""

    visit = models.ForeignKey(
        Visit,
        on_delete=models.PROTECT,
        related_name="service_assessments",
        verbose_name=_("visita"),
    )
    water_system = models.ForeignKey(
        WaterSystem,
        on_delete=models.PROTECT,
        related_name="service_assessments",
        verbose_name=_("sistema de agua"),
    )
    source_intake = models.CharField(
        _("fuente y captación"), max_length=12, choices=Condition.choices
    )
    conduction = models.CharField(
        _("línea de conducción"), max_length=12, choices=Condition.choices
    )
    treatment = models.CharField(
        _("tratamiento"), max_length=14, choices=TREATMENT_CHOICES, default=NOT_APPLICABLE
    )
    storage = models.CharField(
        _("almacenamiento (reservorio)"), max_length=12, choices=Condition.choices
    )
    distribution = models.CharField(
        _("red de distribución"), max_length=12, choices=Condition.choices
    )
    hours_dry = models.PositiveSmallIntegerField(
        _("horas de servicio al día (época seca)"), validators=HOURS_VALIDATORS
    )
    hours_rainy = models.PositiveSmallIntegerField(
        _("horas de servicio al día (época de lluvias)"), validators=HOURS_VALIDATORS
    )
    associates = models.PositiveIntegerField(
        _("asociados (padrón)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_HOUSEHOLDS)],
    )
    associates_paid = models.PositiveIntegerField(
        _("asociados al día en su cuota"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_HOUSEHOLDS)],
    )
    created_at = models.DateTimeField(_("registrada"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrada por"),
    )
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    objects = ServiceAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluación del servicio")
        verbose_name_plural = _("evaluaciones del servicio")
        ordering = ["-visit__date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "water_system"],
                name="one_assessment_per_system_and_visit",
                violation_error_message=_(
                    "Este sistema de agua ya tiene una evaluación en esta visita."
                ),
            ),
            models.CheckConstraint(
                condition=Q(hours_dry__gte=0, hours_dry__lte=24)
                & Q(hours_rainy__gte=0, hours_rainy__lte=24),
                name="assessment_hours_0_24",
                violation_error_message=_("Las horas de servicio van de 0 a 24."),
            ),
            models.CheckConstraint(
                condition=Q(associates__isnull=True, associates_paid__isnull=True)
                | Q(
                    associates__isnull=False,
                    associates_paid__isnull=False,
                    associates_paid__lte=F("associates"),
                ),
                name="assessment_paid_within_associates",
                violation_error_message=_(
                    "Los asociados al día no pueden ser más que los asociados, y se registran "
                    "ambos o ninguno."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(source_intake=NOT_APPLICABLE)
                & ~Q(conduction=NOT_APPLICABLE)
                & ~Q(storage=NOT_APPLICABLE)
                & ~Q(distribution=NOT_APPLICABLE),
                name="assessment_only_treatment_not_applicable",
            ),
        ]
        indexes = [
            models.Index(fields=["water_system", "visit"], name="assessment_system_visit"),
            # The latest recorded first, on the district's activity page (ato.activity).
            models.Index(fields=["created_at", "id"], name="assessment_created"),
        ]

    def __str__(self) -> str:
        return f"{self.water_system} · {self.visit.date:%d/%m/%Y}"

    def clean(self) -> None:
        """Rules that read other rows: the system is one of the visited JASS's, and a treated
        system's treatment is judged."""
        super().clean()
        errors: dict[str, list] = {}
        if self.visit_id and self.water_system_id:
            if self.water_system.jass_id != self.visit.jass_id:
                errors.setdefault("water_system", []).append(
                    ValidationError(
                        _("El sistema de agua no pertenece a la JASS visitada."),
                        code="system_not_of_jass",
                    )
                )
            elif self.treatment == NOT_APPLICABLE and self.water_system.system_type in (
                SystemType.GRAVITY_TREATED,
                SystemType.PUMPED_TREATED,
            ):
                errors.setdefault("treatment", []).append(
                    ValidationError(
                        _("El sistema tiene tratamiento: indique su estado."),
                        code="treatment_required",
                    )
                )
        if (
            self.associates is not None
            and self.associates_paid is not None
            and self.associates_paid > self.associates
        ):
            errors.setdefault("associates_paid", []).append(
                ValidationError(
                    _("Los asociados al día no pueden ser más que los asociados."),
                    code="paid_above_associates",
                )
            )
        if (self.associates is None) != (self.associates_paid is None):
            field = "associates_paid" if self.associates_paid is None else "associates"
            errors.setdefault(field, []).append(
                ValidationError(
                    _("Registre los asociados y los asociados al día, o ninguno de los dos."),
                    code="associates_pair",
                )
            )
        if errors:
            raise ValidationError(errors)

    def conditions(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in COMPONENTS}


class Subject(models.TextChoices):
    SYSTEM = "system", _("Sistema de agua")
    JASS = "jass", _("JASS (prestador)")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


def quarter_of(day: dt.date) -> dt.date:
    """The first day of the quarter that holds `day` (the key of a ServiceScore)."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


class ServiceScoreQuerySet(models.QuerySet):
    def visible_to(self, user) -> ServiceScoreQuerySet:
        return scoped(self, user, "jass__district_id") | scoped(
            self, user, "water_system__jass__district_id"
        )

    def systems(self) -> ServiceScoreQuerySet:
        return self.filter(subject=Subject.SYSTEM)

    def providers(self) -> ServiceScoreQuerySet:
        return self.filter(subject=Subject.JASS)

    def latest_for_jass(self, asof: dt.date) -> ServiceScoreQuerySet:
        """Each JASS's score of the latest quarter on or before `asof` (one row per JASS that
        has one)."""
        latest = (
            ServiceScore.objects.filter(
                subject=Subject.JASS, jass=OuterRef("jass"), quarter__lte=asof
            )
            .order_by("-quarter")
            .values("quarter")[:1]
        )
        return self.filter(subject=Subject.JASS, quarter=Subquery(latest))

    def latest_for_systems(self, asof: dt.date) -> ServiceScoreQuerySet:
        """Each water system's score of the latest quarter on or before `asof`."""
        latest = (
            ServiceScore.objects.filter(
                subject=Subject.SYSTEM, water_system=OuterRef("water_system"), quarter__lte=asof
            )
            .order_by("-quarter")
            .values("quarter")[:1]
        )
        return self.filter(subject=Subject.SYSTEM, quarter=Subquery(latest))


class ServiceScore(models.Model):
    """One subject's service level in one quarter: score 0–1, grade A–D and the components
    that made it (each value and weight), so a page can say why."""

    subject = models.CharField(_("sujeto"), max_length=6, choices=Subject.choices)
    # A system's row names the system, a JASS's row the JASS (never both): each pair of
    # (subject, quarter) is unique with plain unique indexes, which the bulk upsert targets.
    water_system = models.ForeignKey(
        WaterSystem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_scores",
        verbose_name=_("sistema de agua"),
    )
    jass = models.ForeignKey(
        Jass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_scores",
        verbose_name=_("JASS"),
    )
    quarter = models.DateField(_("trimestre"))
    score = models.DecimalField(
        _("puntaje"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    grade = models.CharField(_("nivel de servicio"), max_length=1, choices=Grade.choices)
    components = models.JSONField(_("componentes"), default=dict)
    computed_at = models.DateTimeField(_("calculado"))

    objects = ServiceScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("nivel de servicio")
        verbose_name_plural = _("niveles de servicio")
        ordering = ["-quarter", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["water_system", "quarter"], name="one_system_score_per_quarter"
            ),
            models.UniqueConstraint(fields=["jass", "quarter"], name="one_jass_score_per_quarter"),
            models.CheckConstraint(
                condition=Q(subject="system", water_system__isnull=False, jass__isnull=True)
                | Q(subject="jass", jass__isnull=False, water_system__isnull=True),
                name="score_names_its_subject",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1), name="score_between_0_and_1"
            ),
            models.CheckConstraint(
                condition=Q(grade__in=["A", "B", "C", "D"]), name="grade_a_to_d"
            ),
        ]
        indexes = [models.Index(fields=["quarter", "subject", "grade"], name="score_quarter_grade")]

    def __str__(self) -> str:
        subject = self.water_system_id or self.jass_id
        return f"{self.get_subject_display()} {subject} {self.quarter:%Y-%m}: {self.grade}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("En cola")
    RUNNING = "running", _("En curso")
    DONE = "done", _("Terminado")
    FAILED = "failed", _("Falló")


class GradeRunQuerySet(models.QuerySet):
    def in_progress(self) -> GradeRunQuerySet:
        return self.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])


class GradeRun(models.Model):
    """One recomputation of the country's grades for a quarter (nightly or on a reviewer's
    request), so the page can show it queued, running, done or failed."""

    quarter = models.DateField(_("trimestre"))
    status = models.CharField(
        _("estado"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("solicitado por"),
    )
    created_at = models.DateTimeField(_("solicitado"), auto_now_add=True)
    started_at = models.DateTimeField(_("iniciado"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminado"), null=True, blank=True)
    systems = models.PositiveIntegerField(_("sistemas calificados"), default=0)
    jass = models.PositiveIntegerField(_("JASS calificadas"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)

    objects = GradeRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("cálculo de niveles de servicio")
        verbose_name_plural = _("cálculos de niveles de servicio")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.quarter:%Y-%m} {self.get_status_display()}"

    @property
    def in_progress(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)
