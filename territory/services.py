"""Writes that touch territory data: the PI category import, API tokens, deactivating a user."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common import spreadsheets

from .models import ApiToken, AtmOffice, District, DistrictCategory, TokenRevocation, User

CATEGORY_COLUMNS = ("ubigeo", "year", "category")
CATEGORY_MAX_ROWS = 50_000  # 1,891 districts a year


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def categories_import(*, content: bytes) -> ImportResult:
    """Import `ubigeo,year,category` rows of a CSV (UTF-8). Every row is checked first; if any
    row is wrong, nothing is written and each wrong row is reported with its line number. The
    file is read through `common.spreadsheets` (size, row and cell limits)."""
    result = ImportResult()
    rows = spreadsheets.read_rows(content, filename="categorias.csv", max_rows=CATEGORY_MAX_ROWS)
    try:
        wanted = _category_rows(rows, result)
    except spreadsheets.SpreadsheetRefused as refused:
        result.errors = [str(refused)]
        return result
    finally:
        rows.close()
    if not wanted and not result.errors:
        result.errors.append(_("El archivo no tiene filas de datos."))
    if result.errors:
        return result
    _write_categories(wanted, result)
    return result


def _category_rows(rows: Iterator[spreadsheets.Row], result: ImportResult) -> dict:
    header_row = next(rows, None)
    header = [h.strip().lower() for h in (header_row.cells if header_row else [])]
    if tuple(header[:3]) != CATEGORY_COLUMNS:
        result.errors.append(
            _("La primera fila debe ser la cabecera: %(columns)s.")
            % {"columns": ",".join(CATEGORY_COLUMNS)}
        )
        return {}
    known = set(District.objects.values_list("ubigeo", flat=True))
    wanted: dict[tuple[str, int], str] = {}
    for row in rows:
        line = row.line
        cells = row.cells + [""] * (3 - len(row.cells))
        ubigeo, year, category = (c.strip() for c in cells[:3])
        problems = list(row.errors)
        if len(ubigeo) == 5 and ubigeo.isdigit():
            ubigeo = "0" + ubigeo  # spreadsheets drop the leading zero of Amazonas..Callao
        if not (len(ubigeo) == 6 and ubigeo.isdigit()):
            problems.append(_("el ubigeo «%(v)s» no tiene 6 dígitos") % {"v": ubigeo})
        elif ubigeo not in known:
            problems.append(_("el ubigeo %(v)s no es un distrito del INEI") % {"v": ubigeo})
        if not (year.isdigit() and 2009 <= int(year) <= 2100):
            problems.append(_("el año «%(v)s» no es válido (2009 a 2100)") % {"v": year})
        if not category or len(category) > 8:
            problems.append(_("el tipo de municipalidad está vacío o es demasiado largo"))
        if not problems and (ubigeo, int(year)) in wanted:
            problems.append(
                _("el distrito %(u)s ya figura para %(y)s en otra fila") % {"u": ubigeo, "y": year}
            )
        if problems:
            result.errors.append(
                _("Fila %(line)d: %(problems)s.") % {"line": line, "problems": "; ".join(problems)}
            )
            continue
        wanted[(ubigeo, int(year))] = category.upper()
    return wanted


@transaction.atomic
def _write_categories(wanted: dict[tuple[str, int], str], result: ImportResult) -> None:
    years = {year for _, year in wanted}
    existing = {
        (c.district_id, c.year): c
        for c in DistrictCategory.objects.filter(year__in=years).select_for_update()
    }
    new, changed = [], []
    for (ubigeo, year), category in wanted.items():
        current = existing.get((ubigeo, year))
        if current is None:
            new.append(DistrictCategory(district_id=ubigeo, year=year, category=category))
        elif current.category != category:
            current.category = category
            changed.append(current)
    DistrictCategory.objects.bulk_create(new, batch_size=1000)
    DistrictCategory.objects.bulk_update(changed, ["category"], batch_size=1000)
    result.created, result.updated = len(new), len(changed)


# --- API tokens ---------------------------------------------------------------------------------

# `last_used` is written at most this often, not on every request.
TOKEN_LAST_USED_EVERY = dt.timedelta(minutes=1)


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """A new token for the user and its key, which is returned here once and never stored."""
    key = secrets.token_hex(20)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        key_digest=api_token_digest(key),
        prefix=key[:8],
        created=now,
        expires=now + dt.timedelta(days=settings.ATO_TOKEN_TTL_DAYS),
        auth_hash=user.get_session_auth_hash(),
    )
    return token, key


def api_token_touch(*, token: ApiToken, now: dt.datetime) -> None:
    """Record a use, at most once a minute (a write per request would be a write per read)."""
    if token.last_used is None or now - token.last_used >= TOKEN_LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now


def api_token_revoke(*, token: ApiToken, reason: TokenRevocation) -> None:
    """The token stops working; the row is kept. Revoking twice keeps the first revocation."""
    now = timezone.now()
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason
    ):
        token.revoked_at, token.revoked_reason = now, reason


def api_tokens_revoke(*, tokens: QuerySet[ApiToken], reason: TokenRevocation) -> int:
    """Revoke the tokens of the queryset not revoked yet; the number revoked."""
    return tokens.unrevoked().update(revoked_at=timezone.now(), revoked_reason=reason)


def api_tokens_revoke_all(*, user: User, reason: TokenRevocation) -> int:
    return api_tokens_revoke(tokens=ApiToken.objects.of(user), reason=reason)


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """The user can no longer sign in, and every token they hold is revoked (a later
    reactivation does not bring the tokens back)."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    api_tokens_revoke_all(user=user, reason=TokenRevocation.DEACTIVATED)


# --- ATM office -------------------------------------------------------------------------------


@transaction.atomic
def office_save(*, user: User, office_form, budget_formset) -> AtmOffice:
    """Save the office and its PIA budget lines from validated forms (the page's edit).

    Budget lines are never deleted: the goal engine reads them for past years, so a wrong line
    is corrected by editing its amount (0 if there was no budget). The formset is built
    without `can_delete`; this is the one place the office is written from a page."""
    if not user.is_staff_of(office_form.instance.district_id):
        raise PermissionDenied(_("Solo el personal del ATM del distrito puede editar su ficha."))
    office = office_form.save()
    budget_formset.instance = office
    budget_formset.save()
    return office
