"""Peru's territory (INEI ubigeo), the municipality's PI category per year, the ATM office and
the users who work in it."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.text import SpanishOrder, fold
from common.validators import NotBefore, no_control_characters, not_in_future

from .access import scoped

ubigeo_validator = RegexValidator(r"^[0-9]{6}\Z", _("El ubigeo tiene 6 dígitos."))


class TerritoryQuerySet(models.QuerySet):
    def search(self, text: str):
        """Accent- and case-insensitive search on the name (and the code, for digits)."""
        text = (text or "").strip()
        if not text:
            return self
        if text.isdigit():
            return self.filter(pk__startswith=text)
        return self.filter(name_search__contains=fold(text))


class Department(models.Model):
    code = models.CharField(
        _("código"), max_length=2, primary_key=True, validators=[no_control_characters]
    )
    name = models.CharField(_("nombre"), max_length=80, validators=[no_control_characters])
    name_search = models.CharField(max_length=80, editable=False, db_index=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("departamento")
        verbose_name_plural = _("departamentos")
        ordering = [SpanishOrder("name")]

    def __str__(self) -> str:
        return self.name


class Province(models.Model):
    code = models.CharField(
        _("código"), max_length=4, primary_key=True, validators=[no_control_characters]
    )
    name = models.CharField(_("nombre"), max_length=80, validators=[no_control_characters])
    name_search = models.CharField(max_length=80, editable=False, db_index=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="provinces",
        verbose_name=_("departamento"),
    )

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("provincia")
        verbose_name_plural = _("provincias")
        ordering = [SpanishOrder("name")]

    def __str__(self) -> str:
        return self.name


class DistrictQuerySet(TerritoryQuerySet):
    def visible_to(self, user) -> DistrictQuerySet:
        """Territory is public reference data: every signed-in user reads every district.
        What is private is the district's workspace, scoped by AtmOffice.objects.visible_to."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self

    def workspaces_visible_to(self, user) -> DistrictQuerySet:
        """Districts whose workspace (office, registry, visits) the user may open: ATM staff
        their own, reviewers and admins every one."""
        return scoped(self, user, "pk")

    def with_place(self) -> DistrictQuerySet:
        return self.select_related("province", "department")


class District(models.Model):
    ubigeo = models.CharField(
        _("ubigeo"), max_length=6, primary_key=True, validators=[ubigeo_validator]
    )
    name = models.CharField(_("nombre"), max_length=100, validators=[no_control_characters])
    name_search = models.CharField(max_length=100, editable=False, db_index=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("provincia")
    )
    # Denormalised from the province so that a department filter needs no join.
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="districts",
        verbose_name=_("departamento"),
    )
    capital = models.CharField(
        _("capital"), max_length=100, blank=True, validators=[no_control_characters]
    )
    altitude = models.IntegerField(
        _("altitud (m s. n. m.)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(7000)],
    )
    latitude = models.DecimalField(
        _("latitud"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitud"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    objects = DistrictQuerySet.as_manager()

    class Meta:
        verbose_name = _("distrito")
        verbose_name_plural = _("distritos")
        ordering = [SpanishOrder("name")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ubigeo__regex=r"^[0-9]{6}$"), name="district_ubigeo_six_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ubigeo})"


class DistrictCategory(models.Model):
    """The PI municipality type of a district in one year (A, B, C, D… as that year's decree
    names them)."""

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="categories", verbose_name=_("distrito")
    )
    year = models.PositiveSmallIntegerField(
        _("año"), validators=[MinValueValidator(2009), MaxValueValidator(2100)]
    )
    category = models.CharField(
        _("tipo de municipalidad"), max_length=8, validators=[no_control_characters]
    )

    class Meta:
        verbose_name = _("tipo de municipalidad")
        verbose_name_plural = _("tipos de municipalidad")
        ordering = ["district_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="one_category_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}: {self.category}"


class AtmOfficeQuerySet(models.QuerySet):
    def visible_to(self, user) -> AtmOfficeQuerySet:
        """ATM staff see their own district's office; reviewers and admins see every office."""
        return scoped(self, user, "district_id")

    def editable_by(self, user) -> AtmOfficeQuerySet:
        """Only the office's own staff edit it."""
        if not (user and user.is_authenticated and user.is_active and user.is_atm):
            return self.none()
        return self.filter(district_id=user.district_id)


class AtmOffice(models.Model):
    district = models.OneToOneField(
        District,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="atm_office",
        verbose_name=_("distrito"),
    )
    ordinance_number = models.CharField(
        _("ordenanza municipal de creación (N.°)"),
        max_length=60,
        blank=True,
        validators=[no_control_characters],
    )
    ordinance_date = models.DateField(
        _("fecha de la ordenanza"),
        null=True,
        blank=True,
        validators=[NotBefore(dt.date(1990, 1, 1)), not_in_future],
    )
    in_rof = models.BooleanField(_("incluida en el ROF"), default=False)
    in_mof = models.BooleanField(_("incluida en el MOF"), default=False)
    head_name = models.CharField(
        _("responsable del ATM"), max_length=150, blank=True, validators=[no_control_characters]
    )
    head_resolution = models.CharField(
        _("resolución de designación (N.°)"),
        max_length=60,
        blank=True,
        validators=[no_control_characters],
    )
    head_designated_on = models.DateField(
        _("fecha de designación"),
        null=True,
        blank=True,
        validators=[NotBefore(dt.date(1990, 1, 1)), not_in_future],
    )
    address = models.CharField(
        _("dirección"), max_length=200, blank=True, validators=[no_control_characters]
    )
    email = models.EmailField(
        _("correo electrónico institucional"), blank=True, validators=[no_control_characters]
    )
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = AtmOfficeQuerySet.as_manager()

    class Meta:
        verbose_name = _("Área Técnica Municipal (ATM)")
        verbose_name_plural = _("Áreas Técnicas Municipales (ATM)")
        ordering = ["district_id"]

    def __str__(self) -> str:
        return str(_("ATM de %(district)s") % {"district": self.district.name})

    @property
    def is_created(self) -> bool:
        """The ATM exists in law once an ordinance creates it."""
        return bool(self.ordinance_number and self.ordinance_date)


class AtmBudget(models.Model):
    """A PIA budget line of the office for one year."""

    office = models.ForeignKey(
        AtmOffice, on_delete=models.CASCADE, related_name="budgets", verbose_name=_("ATM")
    )
    year = models.PositiveSmallIntegerField(
        _("año"), validators=[MinValueValidator(2009), MaxValueValidator(2100)]
    )
    amount = models.DecimalField(
        _("monto PIA (S/)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    description = models.CharField(
        _("detalle"), max_length=200, blank=True, validators=[no_control_characters]
    )

    class Meta:
        verbose_name = _("presupuesto PIA")
        verbose_name_plural = _("presupuestos PIA")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="one_pia_line_per_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="pia_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: S/ {self.amount}"


class Role(models.TextChoices):
    ATM_HEAD = "atm_head", _("Responsable del ATM")
    ATM_STAFF = "atm_staff", _("Personal del ATM")
    REVIEWER = "reviewer", _("Revisor del sector")


class User(AbstractUser):
    """A person who signs in. ATM roles are bound to one district; reviewers to none.
    Superusers are the admins (catalogue, users, classifications)."""

    # AbstractUser's names, with the control-character rule: they are printed in exports.
    first_name = models.CharField(
        _("nombres"), max_length=150, blank=True, validators=[no_control_characters]
    )
    last_name = models.CharField(
        _("apellidos"), max_length=150, blank=True, validators=[no_control_characters]
    )
    role = models.CharField(_("rol"), max_length=16, choices=Role.choices, blank=True)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("distrito"),
    )
    # Kept by the notification services (territory/services.py) in the transaction that adds or
    # reads notifications: the header's bell reads it from the user row every request already
    # loads, so no page pays a query for it.
    unread_notifications = models.PositiveIntegerField(
        _("notificaciones sin leer"), default=0, editable=False
    )
    # The Monday email of the district's news (ato/digest.py), sent to ATM heads; each turns
    # it off in "Mi cuenta".
    weekly_digest = models.BooleanField(_("resumen semanal por correo"), default=True)
    # The day the last digest went out: a retried or repeated run sends nothing twice.
    weekly_digest_sent_on = models.DateField(
        _("último resumen semanal enviado"), null=True, blank=True, editable=False
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("usuario")
        verbose_name_plural = _("usuarios")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=[Role.ATM_HEAD, Role.ATM_STAFF], district__isnull=False)
                    | (~Q(role__in=[Role.ATM_HEAD, Role.ATM_STAFF]) & Q(district__isnull=True))
                ),
                name="atm_roles_have_exactly_one_district",
            ),
        ]

    @property
    def is_atm(self) -> bool:
        return self.role in (Role.ATM_HEAD, Role.ATM_STAFF) and self.district_id is not None

    @property
    def is_reviewer(self) -> bool:
        return self.role == Role.REVIEWER

    @property
    def can_review(self) -> bool:
        """Reviews evidence and goal results, starts evaluation runs: reviewers and admins."""
        return self.is_superuser or self.is_reviewer

    @property
    def sees_all_districts(self) -> bool:
        """Reads every district's workspace (scoping, `territory.access.scoped`). The same
        people as `can_review`, because the sector reads nationally what it reviews; a word of
        its own because scoping asks about reading, not reviewing."""
        return self.can_review

    def is_staff_of(self, district_id: str) -> bool:
        """Staff of this district: the only users who see its personal data (DNI, phone)."""
        return self.is_atm and self.district_id == district_id


class NotificationKind(models.TextChoices):
    EVIDENCE_APPROVED = "evidence_approved", _("Evidencia aprobada")
    EVIDENCE_RETURNED = "evidence_returned", _("Evidencia observada")
    RESULT_APPROVED = "result_approved", _("Resultado aprobado")
    RESULT_RETURNED = "result_returned", _("Resultado observado")


class NotificationQuerySet(models.QuerySet):
    def of(self, user) -> NotificationQuerySet:
        """A user's own notifications: nobody reads another's, whatever their role."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(user=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message in ATO (and by email) when a review changes. Marked read, never deleted."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="notifications")
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=NotificationKind.choices)
    message = models.CharField(_("mensaje"), max_length=2500, validators=[no_control_characters])
    url = models.CharField(_("enlace"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("leída el"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notificación")
        verbose_name_plural = _("notificaciones")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class TokenRevocation(models.TextChoices):
    BY_USER = "by_user", _("revocado por el usuario")
    DEACTIVATED = "deactivated", _("usuario desactivado")
    BY_ADMIN = "by_admin", _("revocado por un administrador")


class ApiTokenQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(user=user)

    def unrevoked(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A key for `Authorization: Token <key>`. Only the SHA-256 of the key is stored (it is
    shown once, when issued). A token works until it expires or is revoked, and only while the
    user's password is the one it was issued under (`auth_hash`, as Django's sessions do).
    Revoked tokens are kept, with when and why."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("usuario")
    )
    key_digest = models.CharField(_("SHA-256 de la clave"), max_length=64, unique=True)
    prefix = models.CharField(_("inicio de la clave"), max_length=8)
    created = models.DateTimeField(_("creado"))
    last_used = models.DateTimeField(_("último uso"), null=True, blank=True)
    expires = models.DateTimeField(_("vence"))
    auth_hash = models.CharField(max_length=128, editable=False)
    revoked_at = models.DateTimeField(_("revocado el"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("motivo de la revocación"), max_length=16, choices=TokenRevocation.choices, blank=True
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("token de la API")
        verbose_name_plural = _("tokens de la API")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_reason="")
                | Q(revoked_at__isnull=False) & ~Q(revoked_reason=""),
                name="api_token_revoked_with_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def password_changed(self) -> bool:
        """The user's password changed after the token was issued."""
        from django.utils.crypto import constant_time_compare

        return not constant_time_compare(self.auth_hash, self.user.get_session_auth_hash())

    def state(self, now) -> str:
        """Why the token no longer works, in the user's words, or "" while it works."""
        if self.revoked_at:
            return self.get_revoked_reason_display()
        if not self.user.is_active:
            return str(TokenRevocation.DEACTIVATED.label)
        if self.password_changed():
            return str(_("la contraseña cambió"))
        if self.expires <= now:
            return str(_("vencido"))
        return ""
