"""The legal register of a district's community water organisations (JASS), their water
systems and boards.

The summary fields (last visit, last training, last finance review, last reading) are kept current
by the visits app's services, so that this app never imports `visits` and a list of thousands of
JASS can show its risk signals without a query per row.
"""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from common.text import fold
from common.validators import (
    FieldConstraintErrorsMixin,
    latitude_in_peru,
    longitude_in_peru,
    no_control_characters,
    not_after_2100,
    not_before_1900,
    not_in_future,
)
from territory.access import scoped
from territory.models import District

from .risk import with_risk

# Bounds of the counts a form, the API or an import may write: the largest JASS serve a few
# thousand households, and a cuota familiar is a few soles a month.
MAX_HOUSEHOLDS = 100_000
MAX_MONTHLY_FEE = 1_000


class JassKind(models.TextChoices):
    JASS = "jass", _("JASS")
    COMMITTEE = "comite", _("Comité")
    ASSOCIATION = "asociacion", _("Asociación")
    COOPERATIVE = "cooperativa", _("Cooperativa")
    OTHER = "otro", _("Otro")


class JassStatus(models.TextChoices):
    ACTIVE = "active", _("Activa")
    INACTIVE = "inactive", _("Inactiva")
    DISSOLVED = "dissolved", _("Disuelta")


class JassQuerySet(models.QuerySet):
    def visible_to(self, user) -> JassQuerySet:
        """ATM staff see their district's JASS; reviewers and admins see all."""
        return scoped(self, user, "district_id")

    def active(self) -> JassQuerySet:
        return self.filter(status=JassStatus.ACTIVE)

    def in_district(self, district) -> JassQuerySet:
        return self.filter(district=district)

    def with_risk(self, today: dt.date, *, flags: bool = True) -> JassQuerySet:
        """The risk signals' annotations; the rules are in `risk.with_risk`."""
        return with_risk(self, today, flags)

    def registered_per_district(self) -> models.QuerySet:
        """Rows of `district_id`, `registered` and `total`: one GROUP BY for every district in
        the queryset. Registered in law means inscribed in the Libro de Registro and recognised
        by resolution."""
        registered = ~Q(registry_number="") & ~Q(recognition_resolution="")
        return (
            self.values("district_id")
            .annotate(registered=Count("pk", filter=registered), total=Count("pk"))
            .order_by()
        )

    def search(self, text: str) -> JassQuerySet:
        """Accent- and case-insensitive search on the name, the communities served and the
        registry number."""
        key = fold(text)
        if not key:
            return self
        return self.filter(
            Q(name_search__contains=key)
            | Q(communities_search__contains=key)
            | Q(registry_number__iexact=text.strip())
        )


class Jass(FieldConstraintErrorsMixin, models.Model):
    """An organización comunal that runs a drinking-water service."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="jass", verbose_name=_("distrito")
    )
    name = models.CharField(_("nombre"), max_length=200, validators=[no_control_characters])
    # Folded copies (no accents, lower case) that search reads on any database.
    name_search = models.CharField(max_length=200, editable=False, default="")
    communities_search = models.CharField(max_length=300, editable=False, default="")
    kind = models.CharField(
        _("tipo de organización"), max_length=12, choices=JassKind.choices, default=JassKind.JASS
    )
    communities = models.CharField(
        _("centros poblados / comunidades atendidas"),
        max_length=300,
        blank=True,
        validators=[no_control_characters],
    )
    households = models.PositiveIntegerField(
        _("viviendas atendidas"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_HOUSEHOLDS)],
    )
    registry_number = models.CharField(
        _("N.° de inscripción en el Libro de Registro"),
        max_length=30,
        blank=True,
        validators=[no_control_characters],
    )
    recognition_resolution = models.CharField(
        _("resolución de reconocimiento"),
        max_length=60,
        blank=True,
        validators=[no_control_characters],
    )
    recognized_on = models.DateField(
        _("fecha de reconocimiento"),
        null=True,
        blank=True,
        validators=[not_before_1900, not_in_future],
    )
    statute_approved = models.BooleanField(_("estatuto aprobado"), default=False)
    regulation_approved = models.BooleanField(
        _("reglamento de prestación del servicio aprobado"), default=False
    )
    associates = models.PositiveIntegerField(
        _("asociados (padrón)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_HOUSEHOLDS)],
    )
    monthly_fee = models.DecimalField(
        _("cuota familiar (S/ al mes)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_MONTHLY_FEE)],
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=JassStatus.choices, default=JassStatus.ACTIVE
    )
    latitude = models.DecimalField(
        _("latitud"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[latitude_in_peru],
    )
    longitude = models.DecimalField(
        _("longitud"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[longitude_in_peru],
    )

    constraint_fields = {"duplicate_registry_number": "registry_number"}

    # Summaries kept by visits.services (never edited by hand).
    last_visit_on = models.DateField(_("última visita"), null=True, blank=True, editable=False)
    last_training_on = models.DateField(
        _("última capacitación"), null=True, blank=True, editable=False
    )
    last_finance_review_on = models.DateField(
        _("última revisión de cuentas"), null=True, blank=True, editable=False
    )

    # The latest quarter's service level, kept by service_grades.grading.compute_scores (never
    # edited by hand): a copy, so that lists filter and sort by grade without reaching upward
    # into service_grades. Null, like the score: never assessed (the API's null).
    grade = models.CharField(  # noqa: DJ001
        _("nivel de servicio"), max_length=1, null=True, blank=True, editable=False
    )
    score = models.DecimalField(
        _("puntaje de servicio"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        editable=False,
    )

    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = JassQuerySet.as_manager()

    class Meta:
        verbose_name = _("organización comunal (JASS)")
        verbose_name_plural = _("organizaciones comunales (JASS)")
        ordering = ["district_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "registry_number"],
                condition=~Q(registry_number=""),
                name="registry_number_unique_in_district",
                violation_error_code="duplicate_registry_number",
                violation_error_message=_(
                    "Ya existe una organización con este N.° de inscripción en el distrito."
                ),
            ),
            models.CheckConstraint(
                condition=Q(monthly_fee__isnull=True) | Q(monthly_fee__gte=0),
                name="monthly_fee_not_negative",
            ),
        ]
        indexes = [
            # A district's JASS by status with `id` and `grade` in the index (PostgreSQL's
            # INCLUDE), so these read no table row: the district page's JASS counts; its
            # active JASS joined to their systems by `water_system_in_service` (indicators,
            # grades); the reviewers' JASS and systems by grade per department or province
            # (ato/everyone_forever.py: 14 ms instead of 28 nationally, 2 instead of 17 for Lima).
            models.Index(
                fields=["district", "status"],
                include=["id", "grade"],
                name="jass_district_status",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Derived search keys, not business rules: kept in step with the text they index.
        self.name_search = fold(self.name)
        self.communities_search = fold(self.communities)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "name_search",
                "communities_search",
            }
        super().save(*args, **kwargs)


class SystemType(models.TextChoices):
    GRAVITY_UNTREATED = "gravity_untreated", _("Por gravedad sin tratamiento")
    GRAVITY_TREATED = "gravity_treated", _("Por gravedad con tratamiento")
    PUMPED_UNTREATED = "pumped_untreated", _("Por bombeo sin tratamiento")
    PUMPED_TREATED = "pumped_treated", _("Por bombeo con tratamiento")
    OTHER = "other", _("Otro")


class Chlorination(models.TextChoices):
    NONE = "none", _("Sin sistema de cloración")
    DRIP = "drip", _("Cloración por goteo")
    OTHER = "other", _("Otro sistema de cloración")


class Condition(models.TextChoices):
    GOOD = "good", _("Bueno")
    FAIR = "fair", _("Regular")
    POOR = "poor", _("Malo")
    NOT_WORKING = "not_working", _("No funciona")


class WaterSystem(models.Model):
    jass = models.ForeignKey(
        Jass, on_delete=models.PROTECT, related_name="water_systems", verbose_name=_("JASS")
    )
    name = models.CharField(_("nombre"), max_length=200, validators=[no_control_characters])
    system_type = models.CharField(
        _("tipo de sistema"),
        max_length=20,
        choices=SystemType.choices,
        default=SystemType.GRAVITY_UNTREATED,
    )
    built_year = models.PositiveSmallIntegerField(
        _("año de construcción"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    households = models.PositiveIntegerField(
        _("viviendas conectadas"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_HOUSEHOLDS)],
    )
    chlorination = models.CharField(
        _("sistema de cloración"),
        max_length=8,
        choices=Chlorination.choices,
        default=Chlorination.NONE,
    )
    condition = models.CharField(
        _("estado"), max_length=12, choices=Condition.choices, default=Condition.GOOD
    )
    retired_on = models.DateField(
        _("dado de baja"), null=True, blank=True, validators=[not_before_1900, not_in_future]
    )
    # Where the system is (its intake or reservoir), for the district map; optional like the
    # JASS's point. A system without one is listed beside the map, never dropped from it.
    latitude = models.DecimalField(
        _("latitud"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[latitude_in_peru],
    )
    longitude = models.DecimalField(
        _("longitud"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[longitude_in_peru],
    )

    # Summary kept by visits.services: the latest chlorine reading of this system.
    last_reading_on = models.DateField(
        _("última medición de cloro"), null=True, blank=True, editable=False
    )
    last_reading_mg_l = models.DecimalField(
        _("último cloro residual (mg/L)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    # Summary kept by visits.services: the reading that decides the system's chlorine, from the
    # network (first or last house; see visits/chlorine.py, the one definition). Adequate when
    # it is recent enough and at least the standard: the risk signal and the district indicator
    # read these two.
    network_reading_on = models.DateField(
        _("última medición de cloro en la red"), null=True, blank=True, editable=False
    )
    network_reading_mg_l = models.DecimalField(
        _("cloro residual en la red (mg/L)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )

    # The latest quarter's service level, kept by service_grades.grading.compute_scores (never
    # edited by hand): a copy, so that lists filter and sort by grade without reaching upward
    # into service_grades. Null, like the score: never assessed (the API's null).
    grade = models.CharField(  # noqa: DJ001
        _("nivel de servicio"), max_length=1, null=True, blank=True, editable=False
    )
    score = models.DecimalField(
        _("puntaje de servicio"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        verbose_name = _("sistema de agua potable")
        verbose_name_plural = _("sistemas de agua potable")
        ordering = ["jass_id", "name"]
        indexes = [
            # A district's systems in service, counted by chlorine (district_indicators) and by
            # grade (service_grades.queries.district_grades) from its active JASS: a probe per
            # JASS that reads only the index (PostgreSQL; 1 ms instead of a 15 ms scan of the
            # country's 45,000 systems for the district with the most JASS).
            models.Index(
                fields=["jass"],
                include=["id", "grade", "network_reading_on", "network_reading_mg_l"],
                condition=Q(retired_on__isnull=True),
                name="water_system_in_service",
            )
        ]

    def __str__(self) -> str:
        return self.name


class BoardTerm(FieldConstraintErrorsMixin, models.Model):
    """A term of office of a JASS's consejo directivo."""

    jass = models.ForeignKey(
        Jass, on_delete=models.PROTECT, related_name="board_terms", verbose_name=_("JASS")
    )
    starts_on = models.DateField(
        _("inicio del periodo"), validators=[not_before_1900, not_after_2100]
    )
    ends_on = models.DateField(_("fin del periodo"), validators=[not_before_1900, not_after_2100])
    elected_on = models.DateField(
        _("fecha de elección"),
        null=True,
        blank=True,
        validators=[not_before_1900, not_in_future],
    )
    election_record = models.CharField(
        _("acta de elección en asamblea general"),
        max_length=120,
        blank=True,
        validators=[no_control_characters],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    constraint_fields = {"ends_before_start": "ends_on"}

    class Meta:
        verbose_name = _("periodo del consejo directivo")
        verbose_name_plural = _("periodos del consejo directivo")
        ordering = ["jass_id", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")),
                name="board_term_ends_after_start",
                violation_error_code="ends_before_start",
                violation_error_message=_("El fin del periodo debe ser posterior a su inicio."),
            ),
        ]
        indexes = [
            models.Index(fields=["jass", "starts_on", "ends_on"], name="board_term_span"),
            # The terms in force at a cutoff, for many districts at once (the goal engine's
            # board_current_ratio): only the terms ending on or after the cutoff are read, a
            # board's worth per JASS however many past boards it had (issue 14: with five years
            # of terms, scanning them all took 1.6x the one-year time).
            models.Index(
                fields=["ends_on"], include=["starts_on", "jass"], name="board_term_in_force"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jass} {self.starts_on:%Y}–{self.ends_on:%Y}"


class BoardRole(models.TextChoices):
    PRESIDENT = "president", _("Presidente(a)")
    SECRETARY = "secretary", _("Secretario(a)")
    TREASURER = "treasurer", _("Tesorero(a)")
    VOCAL = "vocal", _("Vocal")
    FISCAL = "fiscal", _("Fiscal")


class Sex(models.TextChoices):
    FEMALE = "F", _("Femenino")
    MALE = "M", _("Masculino")


# ASCII digits: `\d` would also accept other scripts' digits.
dni_validator = RegexValidator(r"^[0-9]{8}\Z", _("El DNI tiene 8 dígitos."))


def role_order() -> models.Case:
    """Board roles in the order people list them: presidente first, fiscal last."""
    return models.Case(
        *[models.When(role=role, then=index) for index, role in enumerate(BoardRole.values)],
        output_field=models.IntegerField(),
    )


class BoardMember(models.Model):
    term = models.ForeignKey(
        BoardTerm, on_delete=models.CASCADE, related_name="members", verbose_name=_("periodo")
    )
    role = models.CharField(_("cargo"), max_length=10, choices=BoardRole.choices)
    full_name = models.CharField(
        _("nombres y apellidos"), max_length=150, validators=[no_control_characters]
    )
    dni = models.CharField(_("DNI"), max_length=8, blank=True, validators=[dni_validator])
    sex = models.CharField(_("sexo"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(
        _("teléfono"), max_length=20, blank=True, validators=[no_control_characters]
    )
    starts_on = models.DateField(
        _("inicio (si difiere)"),
        null=True,
        blank=True,
        validators=[not_before_1900, not_after_2100],
    )
    ends_on = models.DateField(
        _("fin (si difiere)"), null=True, blank=True, validators=[not_before_1900, not_after_2100]
    )
    # Set by the retention task (personal_data.personal_data_erase_expired) when it blanked the
    # DNI and phone of a former member: the name stays in the historical record, and pages say
    # "eliminado" instead of "not registered".
    personal_data_erased_on = models.DateField(
        _("DNI y teléfono eliminados el"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("miembro del consejo directivo")
        verbose_name_plural = _("miembros del consejo directivo")
        ordering = ["term_id", "role"]
        indexes = [
            # A person by DNI: the access request (within a district) and the retention task's
            # "has this DNI a membership still within the period?" probe. Partial: members
            # without a DNI (or erased ones) are not indexed.
            models.Index(fields=["dni"], condition=~Q(dni=""), name="board_member_dni"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["term"],
                condition=Q(role="president"),
                name="one_president_per_term",
            ),
            models.UniqueConstraint(
                fields=["term"], condition=Q(role="treasurer"), name="one_treasurer_per_term"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.full_name}"


class ChangeRecord(models.Model):
    """Who changed what in the registry, and when. Written by the services, for every write
    from the pages, the API and the import. Personal data in `changes` (DNI, phone) is masked
    when shown to anyone but the district's staff."""

    class Action(models.TextChoices):
        CREATED = "created", _("Registro")
        UPDATED = "updated", _("Modificación")
        DISSOLVED = "dissolved", _("Disolución")
        IMPORTED = "imported", _("Importación")
        SYSTEM_ADDED = "system_added", _("Sistema de agua registrado")
        SYSTEM_UPDATED = "system_updated", _("Sistema de agua modificado")
        SYSTEM_RETIRED = "system_retired", _("Sistema de agua dado de baja")
        BOARD_STARTED = "board_started", _("Nuevo consejo directivo")
        BOARD_CLOSED = "board_closed", _("Cierre de periodo del consejo directivo")
        # Written by visits.services (the registry never imports visits).
        VISIT_UPDATED = "visit_updated", _("Visita modificada")
        VISIT_VOIDED = "visit_voided", _("Visita anulada")
        # Ley 29733 (jass_registry/personal_data.py): personal data shown masked in `changes`.
        MEMBER_RECTIFIED = "member_rectified", _("Rectificación de datos personales")
        DATA_ERASED = "data_erased", _("Eliminación de DNI y teléfono (plazo de conservación)")

    jass = models.ForeignKey(
        Jass, on_delete=models.CASCADE, related_name="changes", verbose_name=_("JASS")
    )
    action = models.CharField(_("acción"), max_length=16, choices=Action.choices)
    target = models.CharField(_("objeto"), max_length=200, blank=True)
    changes = models.JSONField(_("cambios"), default=dict, blank=True)
    user = models.ForeignKey(
        "territory.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("usuario"),
    )
    at = models.DateTimeField(_("fecha y hora"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("cambio en el registro")
        verbose_name_plural = _("cambios en el registro")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target}"


class PersonalDataEvent(models.Model):
    """The district's register of what was done with personal data under Ley 29733: each access
    request (who asked, when, for which DNI, masked), each rectification and each run of the
    retention task that erased something. Never holds a DNI in clear."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Acceso (consulta de datos de una persona)")
        RECTIFICATION = "rectification", _("Rectificación")
        ERASURE = "erasure", _("Eliminación por plazo de conservación")

    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="personal_data_events",
        verbose_name=_("distrito"),
    )
    kind = models.CharField(_("tipo"), max_length=16, choices=Kind.choices)
    # The DNI asked for or rectified, masked (history.mask): never in clear.
    subject = models.CharField(_("DNI (enmascarado)"), max_length=20, blank=True)
    members = models.PositiveIntegerField(_("registros de miembros"), default=0)
    member_ids = models.JSONField(_("miembros"), default=list, blank=True)
    detail = models.CharField(_("detalle"), max_length=300, blank=True)
    user = models.ForeignKey(
        "territory.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("usuario"),
    )
    at = models.DateTimeField(_("fecha y hora"), auto_now_add=True)

    class Meta:
        verbose_name = _("tratamiento de datos personales")
        verbose_name_plural = _("tratamientos de datos personales")
        ordering = ["-at", "-id"]
        # The district's latest events, on the access page.
        indexes = [models.Index(fields=["district", "-at"], name="personal_data_event_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}"
