"""Populated centres (centros poblados, INEI's 10-digit code), which JASS and water systems serve
them and with how many households, and the district's coverage kept per quarter.

Coverage ("everyone") is computed in `coverage.py` from these rows: households served over
households of the district's rural centres, a centre's served households capped at its own.
Nothing here is deleted: a centre is retired, a service ended.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.text import fold
from common.validators import (
    FieldConstraintErrorsMixin,
    latitude_in_peru,
    longitude_in_peru,
    no_control_characters,
    not_before_1900,
    not_in_future,
)
from jass_registry.models import MAX_HOUSEHOLDS, Jass, WaterSystem
from territory.access import scoped
from territory.models import District

# Bounds of what a form, the API or an import may write. INEI's largest centro poblado (Lima
# Metropolitana) counts some ten million people and three million dwellings; a service's
# households are bounded as a JASS's are (jass_registry.models.MAX_HOUSEHOLDS).
MAX_CENTRE_HOUSEHOLDS = 3_000_000
MAX_CENTRE_POPULATION = 12_000_000
MAX_SERVED_HOUSEHOLDS = MAX_HOUSEHOLDS

code_validator = RegexValidator(
    r"^[0-9]{10}\Z", _("El código de centro poblado (INEI) tiene 10 dígitos.")
)


class Area(models.TextChoices):
    RURAL = "rural", _("Rural")
    URBAN = "urban", _("Urbana")


def quarter_start(day: dt.date) -> dt.date:
    """The first day of the quarter holding `day` (how CoverageQuarter.quarter is stored)."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after `day` in Lima: rows created before it existed on `day`."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


class PopulatedCentreQuerySet(models.QuerySet):
    def visible_to(self, user) -> PopulatedCentreQuerySet:
        """ATM staff see their district's centres; reviewers and admins see all."""
        return scoped(self, user, "district_id")

    def active(self) -> PopulatedCentreQuerySet:
        return self.filter(retired_on__isnull=True)

    def in_district(self, district) -> PopulatedCentreQuerySet:
        return self.filter(district=district)

    def rural(self) -> PopulatedCentreQuerySet:
        return self.filter(area=Area.RURAL)

    def served(self, served: bool = True, *, country: bool = False) -> PopulatedCentreQuerySet:
        """Centres with (or without) a service that has not ended.

        For a district's centres, a subquery per centre (one index probe each): PostgreSQL
        plans NOT EXISTS as a hash anti-join over every service of the country, 20 ms for a
        district of 400 centres instead of 1 ms. For the whole country (`country=True`), one
        hashed list of the served centres instead of 85,000 probes (110 ms instead of 450)."""
        open_services = CentreService.objects.filter(ended_on__isnull=True)
        if country:
            served_ids = open_services.values("centre_id")
            return self.filter(pk__in=served_ids) if served else self.exclude(pk__in=served_ids)
        first_open = open_services.filter(centre=OuterRef("pk")).values("pk")[:1]
        return self.alias(open_service=Subquery(first_open)).filter(open_service__isnull=not served)

    def search(self, text: str) -> PopulatedCentreQuerySet:
        """Accent- and case-insensitive search on the name, or the exact code."""
        key = fold(text)
        if not key:
            return self
        text = text.strip()
        if text.isascii() and text.isdigit():
            return self.filter(Q(code__startswith=text) | Q(name_search__contains=key))
        return self.filter(name_search__contains=key)


class PopulatedCentre(FieldConstraintErrorsMixin, models.Model):
    """A centro poblado of INEI's directory: its code is the district's ubigeo and four digits."""

    code = models.CharField(
        _("código INEI"), max_length=10, unique=True, validators=[code_validator]
    )
    name = models.CharField(_("nombre"), max_length=150, validators=[no_control_characters])
    # Folded copy (no accents, lower case) that search reads on any database.
    name_search = models.CharField(max_length=150, editable=False, default="")
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="populated_centres",
        verbose_name=_("distrito"),
    )
    area = models.CharField(_("área"), max_length=5, choices=Area.choices, default=Area.RURAL)
    households = models.PositiveIntegerField(
        _("viviendas (hogares)"),
        validators=[MinValueValidator(0), MaxValueValidator(MAX_CENTRE_HOUSEHOLDS)],
    )
    population = models.PositiveIntegerField(
        _("población"),
        validators=[MinValueValidator(0), MaxValueValidator(MAX_CENTRE_POPULATION)],
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
    # A default rather than auto_now_add: the national dataset and an import may date a
    # centre's registration, which coverage "as of" a past quarter reads.
    created_at = models.DateTimeField(_("registrado"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)
    retired_on = models.DateField(
        _("dado de baja"), null=True, blank=True, validators=[not_before_1900, not_in_future]
    )

    objects = PopulatedCentreQuerySet.as_manager()

    class Meta:
        verbose_name = _("centro poblado")
        verbose_name_plural = _("centros poblados")
        ordering = ["district_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{10}$"), name="centre_code_ten_digits"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "area"], name="centre_district_area"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        # Derived search key, not a business rule: kept in step with the name it indexes.
        self.name_search = fold(self.name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_search"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.code and self.district_id and not self.code.startswith(self.district_id):
            raise ValidationError(
                {
                    "code": _(
                        "El código debe empezar con el ubigeo del distrito (%(ubigeo)s) "
                        "y seguir con 4 dígitos."
                    )
                    % {"ubigeo": self.district_id}
                }
            )


class CentreServiceQuerySet(models.QuerySet):
    def visible_to(self, user) -> CentreServiceQuerySet:
        return scoped(self, user, "centre__district_id")

    def current(self) -> CentreServiceQuerySet:
        return self.filter(ended_on__isnull=True)


class CentreService(FieldConstraintErrorsMixin, models.Model):
    """A JASS (and, when known, one of its water systems) serving a centre."""

    centre = models.ForeignKey(
        PopulatedCentre,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("centro poblado"),
    )
    jass = models.ForeignKey(
        Jass, on_delete=models.PROTECT, related_name="centre_services", verbose_name=_("JASS")
    )
    water_system = models.ForeignKey(
        WaterSystem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="centre_services",
        verbose_name=_("sistema de agua potable"),
    )
    households_served = models.PositiveIntegerField(
        _("viviendas atendidas"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SERVED_HOUSEHOLDS)],
    )
    created_at = models.DateTimeField(_("registrado"), default=timezone.now, editable=False)
    ended_on = models.DateField(
        _("fin del servicio"),
        null=True,
        blank=True,
        validators=[not_before_1900, not_in_future],
    )

    objects = CentreServiceQuerySet.as_manager()

    constraint_fields = {"duplicate_service": "jass"}

    class Meta:
        verbose_name = _("servicio a un centro poblado")
        verbose_name_plural = _("servicios a centros poblados")
        ordering = ["centre_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "jass"],
                condition=Q(ended_on__isnull=True),
                name="one_open_service_per_jass_and_centre",
                violation_error_code="duplicate_service",
                violation_error_message=_(
                    "Esta JASS ya atiende al centro poblado; edite o termine ese servicio."
                ),
            ),
            models.CheckConstraint(
                condition=Q(households_served__gte=1), name="service_households_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jass} → {self.centre}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}
        centre = self.centre if self.centre_id else None
        jass = self.jass if self.jass_id else None
        if centre is not None and jass is not None and jass.district_id != centre.district_id:
            errors["jass"] = [_("La JASS debe ser del mismo distrito que el centro poblado.")]
        if self.water_system_id and jass is not None and self.water_system.jass_id != jass.pk:
            errors["water_system"] = [_("El sistema de agua debe pertenecer a la JASS elegida.")]
        started = timezone.localdate(self.created_at) if self.created_at else None
        if self.ended_on and started and self.ended_on < started:
            errors["ended_on"] = [_("El fin del servicio no puede ser anterior a su registro.")]
        if errors:
            raise ValidationError(errors)


class CoverageQuarter(models.Model):
    """A district's coverage as of the end of a quarter (or today, for the current quarter),
    stored by `coverage.coverage_snapshot` so the trend shows."""

    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="coverage_quarters",
        verbose_name=_("distrito"),
    )
    quarter = models.DateField(_("trimestre"))
    households = models.PositiveIntegerField(_("viviendas de centros rurales"))
    households_served = models.PositiveIntegerField(_("viviendas con servicio"))
    computed_at = models.DateTimeField(_("calculado"), default=timezone.now)

    class Meta:
        verbose_name = _("cobertura trimestral")
        verbose_name_plural = _("coberturas trimestrales")
        ordering = ["district_id", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "quarter"], name="one_coverage_per_district_quarter"
            ),
            models.CheckConstraint(
                condition=Q(households_served__lte=models.F("households")),
                name="coverage_served_within_households",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.quarter:%Y-%m}"

    @property
    def ratio(self):
        from .coverage import ratio_of

        return ratio_of(self.households_served, self.households)

    @property
    def percent(self) -> str:
        from .coverage import percent_text

        return percent_text(self.ratio)


class CentreChange(models.Model):
    """Who changed what in a centre and its services, and when (as the registry's
    ChangeRecord does for a JASS). Written by the services and the import."""

    class Action(models.TextChoices):
        CREATED = "created", _("Registro")
        UPDATED = "updated", _("Modificación")
        RETIRED = "retired", _("Baja")
        IMPORTED = "imported", _("Importación")
        SERVICE_ADDED = "service_added", _("Servicio registrado")
        SERVICE_ENDED = "service_ended", _("Servicio terminado")

    centre = models.ForeignKey(
        PopulatedCentre,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("centro poblado"),
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
        verbose_name = _("cambio de centro poblado")
        verbose_name_plural = _("cambios de centros poblados")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target}"
