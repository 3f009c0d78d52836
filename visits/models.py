"""The ATM's advisory visits to JASS, the chlorine readings taken, the agreements made and the
yearly work plan (plan de trabajo)."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.uploads import UploadFileField, UploadPath
from common.validators import (
    no_control_characters,
    not_after_2100,
    not_before_2000,
    not_in_future,
    text_validators,
)
from jass_registry.models import Jass, WaterSystem
from territory.access import scoped
from territory.models import District


class VisitKind(models.TextChoices):
    TECHNICAL_ASSISTANCE = "technical_assistance", _("Asistencia técnica")
    TRAINING = "training", _("Capacitación")
    SUPERVISION = "supervision", _("Supervisión")
    FOLLOW_UP = "follow_up", _("Seguimiento")


class Topic(models.TextChoices):
    MANAGEMENT = "management", _("Gestión")
    FINANCE = "finance", _("Finanzas")
    OPERATION_MAINTENANCE = "operation_maintenance", _("Operación y mantenimiento")
    CHLORINATION = "chlorination", _("Cloración")
    WATER_QUALITY = "water_quality", _("Calidad del agua")
    BOARD_RENEWAL = "board_renewal", _("Renovación de directiva")


def validate_topics(value) -> None:
    from django.core.exceptions import ValidationError

    if not isinstance(value, list) or any(t not in Topic.values for t in value):
        raise ValidationError(_("Temas no válidos."), code="invalid_topics")
    if len(set(value)) != len(value):
        raise ValidationError(_("Un tema figura dos veces."), code="repeated_topic")


def _fill_district(objs, parent: str, parent_model) -> None:
    """Copy the district onto new rows from their `parent` (a visit's JASS, an agreement's
    visit) before a bulk insert, which skips `save()`: from the parent instance when it is at
    hand, else in one query for all of them."""
    field = objs[0]._meta.get_field(parent) if objs else None
    missing = []
    for obj in objs:
        if obj.district_id is not None:
            continue
        if field.is_cached(obj):
            obj.district_id = getattr(obj, parent).district_id
        else:
            missing.append(obj)
    if missing:
        districts = dict(
            parent_model.objects.filter(
                pk__in={getattr(obj, field.attname) for obj in missing}
            ).values_list("pk", "district_id")
        )
        for obj in missing:
            obj.district_id = districts[getattr(obj, field.attname)]


class VisitQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        _fill_district(objs, "jass", Jass)
        return super().bulk_create(objs, *args, **kwargs)

    def visible_to(self, user) -> VisitQuerySet:
        """ATM staff see their district's visits; reviewers and admins see all."""
        return scoped(self, user, "district_id")

    def in_district(self, district_id: str) -> VisitQuerySet:
        return self.filter(district_id=district_id)

    def valid(self) -> VisitQuerySet:
        """Visits that count: not voided. Lists, exports, summaries, risk signals and the goal
        engine read only these; a voided visit stays in the database and in the history."""
        return self.filter(voided_at__isnull=True)

    def voided(self) -> VisitQuerySet:
        return self.filter(voided_at__isnull=False)


class Visit(models.Model):
    # The record's identity from the device that made it: a phone that recorded the visit
    # offline generates it, so a send retried after a lost answer finds the stored visit
    # instead of writing a second one (POST /api/v1/visits/ with `uuid`, shared/API.md).
    uuid = models.UUIDField(
        _("identificador del registro"), unique=True, default=uuid4, editable=False
    )
    # SHA-256 of the content first submitted under that uuid (services.submission_digest): a
    # repeat with the same digest is the same visit (200), another digest a conflict (409),
    # even after the stored visit was edited on the web.
    submission_digest = models.CharField(max_length=64, blank=True, editable=False)
    jass = models.ForeignKey(
        Jass, on_delete=models.PROTECT, related_name="visits", verbose_name=_("JASS")
    )
    # The JASS's district, copied when the visit is saved (a JASS never changes district): a
    # district's visits, newest first, are read from their own index (`visit_valid_district_date`)
    # instead of through every JASS of the district (issue 14: five years of history).
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
        verbose_name=_("distrito"),
    )
    # Not before 2000 (a 0001-01-01 typo would become the JASS's "last visit"), not in the future.
    date = models.DateField(_("fecha"), validators=[not_before_2000, not_in_future])
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("personal del ATM"),
    )
    kind = models.CharField(_("tipo de visita"), max_length=24, choices=VisitKind.choices)
    topics = models.JSONField(_("temas"), default=list, blank=True, validators=[validate_topics])
    findings = models.TextField(
        _("hallazgos"), blank=True, max_length=5000, validators=text_validators(5000)
    )
    attendees = models.CharField(
        _("asistentes (cargos del consejo directivo presentes)"),
        max_length=300,
        blank=True,
        validators=[no_control_characters],
    )
    finances_reviewed = models.BooleanField(
        _("revisión de cuentas (rendición del tesorero)"), default=False
    )
    cash_balance = models.DecimalField(
        _("saldo en caja (S/)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Voiding (anular) instead of deleting: set only by services.visit_void, with a reason.
    voided_at = models.DateTimeField(_("anulada el"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("anulada por"),
    )
    void_reason = models.CharField(
        _("motivo de la anulación"),
        max_length=300,
        blank=True,
        editable=False,
        validators=[no_control_characters],
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visita de asistencia técnica")
        verbose_name_plural = _("visitas de asistencia técnica")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["jass", "date"], name="visit_jass_date"),
            models.Index(fields=["date"], name="visit_date"),
            # Voided visits are few: the readings of voided visits are excluded through this
            # small partial index (ChlorineReading.objects.valid()).
            models.Index(fields=["id"], condition=Q(voided_at__isnull=False), name="visit_voided"),
            # A district's valid visits newest first: the visits page and /api/v1/visits/ read
            # their page of 50 from here and count the district's visits index-only (issue 14:
            # through the JASS, every visit of the district was read and sorted). It carries
            # what the goal checklist groups them by (incentives.explain._collapsed_visits), so
            # that reads no visit row either (PostgreSQL; SQLite ignores `include`).
            models.Index(
                fields=["district", "-date", "-id"],
                include=["jass", "kind", "created_at"],
                condition=Q(voided_at__isnull=True),
                name="visit_valid_district_date",
            ),
            # "Board trained since its term began" (the engine's board_trained_ratio probes it
            # once per JASS): the valid trainings alone, read index-only, stay a small index
            # however many years of other visits pile up beside them (issue 14).
            models.Index(
                fields=["jass", "date"],
                condition=Q(kind="training", voided_at__isnull=True),
                name="visit_valid_training",
            ),
            # A district's visits as recorded, the latest first, voided ones too: the district's
            # activity page (ato.activity) reads its page of 51 from here.
            models.Index(fields=["district", "-created_at", "-id"], name="visit_district_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cash_balance__isnull=True) | Q(finances_reviewed=True),
                name="cash_balance_only_when_finances_reviewed",
                violation_error_message=_(
                    "El saldo en caja se registra solo si se revisaron las cuentas."
                ),
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                name="voided_visit_has_reason",
                violation_error_message=_("Una visita se anula con un motivo."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.jass} · {self.date:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        jass_loaded = self._meta.get_field("jass").is_cached(self)
        if self.district_id is None or (jass_loaded and self.jass.district_id != self.district_id):
            self.district_id = self.jass.district_id
        super().save(*args, **kwargs)

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(t, t)) for t in self.topics or []]


class ReadingPoint(models.TextChoices):
    RESERVOIR = "reservoir", _("Reservorio")
    FIRST_HOUSE = "first_house", _("Primera vivienda")
    LAST_HOUSE = "last_house", _("Última vivienda")


class ChlorineReadingQuerySet(models.QuerySet):
    def visible_to(self, user) -> ChlorineReadingQuerySet:
        return scoped(self, user, "water_system__jass__district_id")

    def valid(self) -> ChlorineReadingQuerySet:
        """Readings that count: taken outside a visit or at a visit that is not voided. Written
        as "not in the (few) voided visits" so it adds no join to the reading queries."""
        return self.exclude(visit__in=Visit.objects.voided().values("pk"))


class ChlorineReading(models.Model):
    """Free residual chlorine (mg/L) at one point of a water system."""

    water_system = models.ForeignKey(
        WaterSystem,
        on_delete=models.PROTECT,
        related_name="readings",
        verbose_name=_("sistema de agua"),
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="readings",
        verbose_name=_("visita"),
    )
    taken_on = models.DateField(_("fecha de medición"), validators=[not_before_2000, not_in_future])
    point = models.CharField(_("punto"), max_length=12, choices=ReadingPoint.choices)
    mg_per_l = models.DecimalField(
        _("cloro residual libre (mg/L)"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )

    objects = ChlorineReadingQuerySet.as_manager()

    class Meta:
        verbose_name = _("medición de cloro residual libre")
        verbose_name_plural = _("mediciones de cloro residual libre")
        ordering = ["-taken_on", "-id"]
        indexes = [models.Index(fields=["water_system", "taken_on"], name="reading_system_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(mg_per_l__gte=0) & Q(mg_per_l__lte=5), name="reading_between_0_and_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.water_system} {self.taken_on}: {self.mg_per_l} mg/L"


class AgreementQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        _fill_district(objs, "visit", Visit)
        return super().bulk_create(objs, *args, **kwargs)

    def visible_to(self, user) -> AgreementQuerySet:
        return scoped(self, user, "district_id")

    def open(self) -> AgreementQuerySet:
        return self.filter(done_on__isnull=True)

    def valid(self) -> AgreementQuerySet:
        """Agreements of visits that are not voided."""
        return self.filter(visit__voided_at__isnull=True)


class Agreement(models.Model):
    """A task agreed at a visit (acuerdo / compromiso), with who does it and by when."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("visita")
    )
    # The visit's district, copied when saved: a district's open agreements are read from
    # their own small index (`agreement_open_district_due`), not through all its visits.
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
        verbose_name=_("distrito"),
    )
    task = models.CharField(
        _("acuerdo / compromiso"), max_length=300, validators=[no_control_characters]
    )
    responsible = models.CharField(
        _("responsable"), max_length=150, validators=[no_control_characters]
    )
    # At most five years after the visit: checked by services (it depends on the visit).
    due_on = models.DateField(_("fecha límite"), validators=[not_before_2000, not_after_2100])
    done_on = models.DateField(
        _("cumplido el"), null=True, blank=True, validators=[not_before_2000, not_in_future]
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marcado por"),
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("acuerdo")
        verbose_name_plural = _("acuerdos")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["done_on", "due_on"], name="agreement_open_due"),
            # The agreements page: a district's open agreements, overdue first (issue 14).
            models.Index(
                fields=["district", "due_on", "id"],
                condition=Q(done_on__isnull=True),
                name="agreement_open_district_due",
            ),
            # ... and with `done=1` its fulfilled ones, the latest first.
            models.Index(
                fields=["district", "-done_on"],
                condition=Q(done_on__isnull=False),
                name="agreement_done_district",
            ),
            # All of a district's agreements: their follow-up notes on the activity page of a
            # district with few of them (ato.activity; the busy ones read `agreement_note_created`).
            models.Index(fields=["district"], name="agreement_district"),
        ]

    def __str__(self) -> str:
        return self.task

    def save(self, *args, **kwargs):
        if self.district_id is None:
            self.district_id = self.visit.district_id
        super().save(*args, **kwargs)


class WorkPlan(models.Model):
    """The ATM's yearly plan of visits (plan de trabajo / POA)."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="work_plans", verbose_name=_("distrito")
    )
    year = models.PositiveSmallIntegerField(
        _("año"), validators=[MinValueValidator(2009), MaxValueValidator(2100)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan de trabajo")
        verbose_name_plural = _("planes de trabajo")
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="one_work_plan_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}"


# Visits planned for one JASS in one month: at most one a day. The grid, the service and the
# model read this bound.
MAX_PLANNED_VISITS = 31


class PlannedVisit(models.Model):
    plan = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan")
    )
    jass = models.ForeignKey(
        Jass, on_delete=models.CASCADE, related_name="planned_visits", verbose_name=_("JASS")
    )
    month = models.PositiveSmallIntegerField(
        _("mes"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    visits = models.PositiveSmallIntegerField(
        _("visitas previstas"), validators=[MaxValueValidator(MAX_PLANNED_VISITS)]
    )

    class Meta:
        verbose_name = _("visita prevista")
        verbose_name_plural = _("visitas previstas")
        constraints = [
            models.UniqueConstraint(fields=["plan", "jass", "month"], name="one_plan_cell"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="plan_month_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jass_id} {self.month}: {self.visits}"


class AgreementNote(models.Model):
    """A follow-up note on an agreement (seguimiento), kept in the order written; never edited
    or deleted."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="notes", verbose_name=_("acuerdo")
    )
    text = models.CharField(
        _("nota de seguimiento"), max_length=1000, validators=text_validators(1000)
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("escrita por"),
    )
    created_at = models.DateTimeField(_("escrita el"), auto_now_add=True)

    class Meta:
        verbose_name = _("nota de seguimiento")
        verbose_name_plural = _("notas de seguimiento")
        ordering = ["created_at", "id"]
        # The latest notes first, on the district's activity page (ato.activity).
        indexes = [models.Index(fields=["created_at", "id"], name="agreement_note_created")]

    def __str__(self) -> str:
        return self.text[:60]


acta_path = UploadPath("actas", by="district_id")


class VisitAttachment(models.Model):
    """A photo or scan of the visit's signed acta (PDF, JPEG or PNG, checked by content and
    served by common.uploads.serve). Removing one marks it removed; the file is kept."""

    # Made by the device that took the photo: an upload retried after a lost answer is found,
    # not stored twice (like Visit.uuid).
    uuid = models.UUIDField(
        _("identificador del archivo"), unique=True, default=uuid4, editable=False
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("visita")
    )
    # The owning district, copied from the visit's JASS: the file's folder and the access check.
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", verbose_name=_("distrito")
    )
    file = UploadFileField(_("acta firmada (foto o escaneo)"), upload_to=acta_path)
    original_name = models.CharField(
        _("nombre del archivo"), max_length=200, blank=True, validators=[no_control_characters]
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("subido por"),
    )
    uploaded_at = models.DateTimeField(_("subido el"), auto_now_add=True)
    removed_at = models.DateTimeField(_("quitado el"), null=True, blank=True, editable=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("quitado por"),
    )

    class Meta:
        verbose_name = _("acta adjunta")
        verbose_name_plural = _("actas adjuntas")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class ScheduledVisitQuerySet(models.QuerySet):
    def visible_to(self, user) -> ScheduledVisitQuerySet:
        return scoped(self, user, "jass__district_id")

    def in_district(self, district_id: str) -> ScheduledVisitQuerySet:
        return self.filter(jass__district_id=district_id)

    def active(self) -> ScheduledVisitQuerySet:
        """Not cancelled: what the calendar, "Mi semana", the plan grid and the comparison read."""
        return self.filter(cancelled_at__isnull=True)


class ScheduledVisit(models.Model):
    """A planned visit (agenda): a day, a staff member, a JASS and what the visit is for.
    Recording the visit links it (`visit`); cancelling keeps the row with a reason."""

    jass = models.ForeignKey(
        Jass, on_delete=models.PROTECT, related_name="scheduled_visits", verbose_name=_("JASS")
    )
    date = models.DateField(_("fecha prevista"), validators=[not_before_2000, not_after_2100])
    # Null: not assigned yet (rows carried over from the old count grid).
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scheduled_visits",
        verbose_name=_("personal del ATM"),
    )
    kind = models.CharField(
        _("tipo de visita"), max_length=24, choices=VisitKind.choices, blank=True
    )
    purpose = models.CharField(
        _("propósito"), max_length=300, blank=True, validators=[no_control_characters]
    )
    visit = models.OneToOneField(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scheduled",
        verbose_name=_("visita registrada"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelada el"), null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("cancelada por"),
    )
    cancel_reason = models.CharField(
        _("motivo de la cancelación"),
        max_length=300,
        blank=True,
        editable=False,
        validators=[no_control_characters],
    )

    objects = ScheduledVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visita programada")
        verbose_name_plural = _("visitas programadas")
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["jass", "date"], name="scheduled_jass_date"),
            models.Index(fields=["staff", "date"], name="scheduled_staff_date"),
            models.Index(fields=["date"], name="scheduled_date"),
            # The latest planned and the latest cancelled first, on the district's activity page
            # (ato.activity).
            models.Index(fields=["created_at", "id"], name="scheduled_created"),
            models.Index(
                fields=["cancelled_at", "id"],
                condition=Q(cancelled_at__isnull=False),
                name="scheduled_cancelled",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | ~Q(cancel_reason=""),
                name="cancelled_schedule_has_reason",
                violation_error_message=_("Una visita programada se cancela con un motivo."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jass} · {self.date:%d/%m/%Y}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_done(self) -> bool:
        return self.visit_id is not None
