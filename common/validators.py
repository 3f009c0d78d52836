"""Validators shared by forms, the API and imports (they sit on model fields)."""

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.deconstruct import deconstructible
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


# C0 controls except tab and newline, DEL, C1 controls, U+FFFE/U+FFFF and lone surrogates: none
# of them is typed by a person, XML (XLSX) cannot hold most of them, and a terminal or a
# spreadsheet may act on them. A carriage return is accepted only as part of "\r\n", which is
# how browsers send the line breaks of a <textarea>.
CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]|\r(?!\n)"
)


def no_control_characters(value) -> None:
    """Refuses text with a control character (see CONTROL_CHARACTERS); on every text field of
    the domain models, so forms, the API, the import and the services' full_clean() share it."""
    if not isinstance(value, str):
        return
    found = CONTROL_CHARACTERS.search(value)
    if found:
        raise ValidationError(
            _("El texto contiene un carácter no permitido (U+%(code)04X)."),
            code="control_character",
            params={"code": ord(found.group()[0])},
        )


@deconstructible
class NotBefore:
    """A date not before `limit` (a floor that keeps typing mistakes such as 0001-01-01 out of
    the data and of the summaries)."""

    def __init__(self, limit: dt.date):
        self.limit = limit

    def __call__(self, value) -> None:
        if value is not None and value < self.limit:
            raise ValidationError(
                _("La fecha no puede ser anterior al %(limit)s."),
                code="date_too_early",
                params={"limit": f"{self.limit:%d/%m/%Y}"},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, NotBefore) and other.limit == self.limit


@deconstructible
class NotAfter:
    """A date not after `limit`."""

    def __init__(self, limit: dt.date):
        self.limit = limit

    def __call__(self, value) -> None:
        if value is not None and value > self.limit:
            raise ValidationError(
                _("La fecha no puede ser posterior al %(limit)s."),
                code="date_too_late",
                params={"limit": f"{self.limit:%d/%m/%Y}"},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, NotAfter) and other.limit == self.limit


def text_validators(max_length: int | None = None) -> list:
    """The validators of a user-typed text field; a TextField also gets its max_length
    enforced here (Django enforces it on CharField only)."""
    validators = [no_control_characters]
    if max_length is not None:
        validators.append(MaxLengthValidator(max_length))
    return validators


# Date ranges: records of the ATM's own work (visits, readings, agreements, evidence) start in
# 2000; records about an organisation's history (recognition, boards, water systems) in 1900;
# nothing is planned past 2100.
not_before_1900 = NotBefore(dt.date(1900, 1, 1))
not_before_2000 = NotBefore(dt.date(2000, 1, 1))
not_after_2100 = NotAfter(dt.date(2100, 12, 31))
