"""Validators shared by forms, the API and imports (they sit on model fields)."""

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Peru's bounding box (with a small margin): latitude -18.4 .. -0.03, longitude -81.4 .. -68.6.
PERU_LATITUDE = (Decimal("-18.40"), Decimal("0.00"))
PERU_LONGITUDE = (Decimal("-81.40"), Decimal("-68.60"))


def not_in_future(value) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("La fecha no puede ser posterior a hoy."), code="future_date")


def latitude_in_peru(value) -> None:
    if value is not None and not (PERU_LATITUDE[0] <= value <= PERU_LATITUDE[1]):
        raise ValidationError(
            _("La latitud debe estar dentro del Perú (entre -18.4 y 0)."), code="outside_peru"
        )


def longitude_in_peru(value) -> None:
    if value is not None and not (PERU_LONGITUDE[0] <= value <= PERU_LONGITUDE[1]):
        raise ValidationError(
            _("La longitud debe estar dentro del Perú (entre -81.4 y -68.6)."),
            code="outside_peru",
        )


class FieldConstraintErrorsMixin:
    """Shows a constraint's violation on the field it is about, not at the top of the form.

    `constraint_fields` maps a constraint's violation_error_code to a field name."""

    constraint_fields: dict[str, str] = {}

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            moved = []
            for err in errors.get(NON_FIELD_ERRORS, []):
                field = self.constraint_fields.get(getattr(err, "code", None))
                if field:
                    errors.setdefault(field, []).append(err)
                    moved.append(err)
            if moved:
                errors[NON_FIELD_ERRORS] = [e for e in errors[NON_FIELD_ERRORS] if e not in moved]
                if not errors[NON_FIELD_ERRORS]:
                    del errors[NON_FIELD_ERRORS]
            raise ValidationError(errors) from error
