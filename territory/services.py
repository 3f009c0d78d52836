"""Writes that touch territory data: the PI category import, API tokens, deactivating a user,
notifications (in ATO and by email)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import spreadsheets

from .models import (
    ApiToken,
    AtmOffice,
    District,
    DistrictCategory,
    Notification,
    Role,
    TokenRevocation,
    User,
)

logger = logging.getLogger(__name__)

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


def user_digest_set(*, user: User, enabled: bool) -> None:
    """Turn the user's weekly digest email (ato/digest.py) on or off: their own choice only."""
    user.weekly_digest = enabled
    user.save(update_fields=["weekly_digest"])


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


# --- notifications ----------------------------------------------------------------------------


def district_staff(district_id: str) -> QuerySet[User]:
    """The active ATM staff of a district: whom a review of its evidence or results concerns."""
    return User.objects.filter(
        district_id=district_id, role__in=[Role.ATM_HEAD, Role.ATM_STAFF], is_active=True
    )


@transaction.atomic
def notification_send(
    *, users: QuerySet[User], kind: str, subject: str, message: str, url: str
) -> list[Notification]:
    """A notification for each user, their unread count raised in the same transaction, and an
    email to those with an address once the transaction commits (a rolled-back review sends
    nothing). `url` is a path inside ATO; the email makes it absolute with `ATO_BASE_URL`."""
    recipients = list(users.only("pk", "email", "first_name", "last_name", "username"))
    items = [Notification(user=u, kind=kind, message=message, url=url) for u in recipients]
    for item in items:
        item.full_clean(exclude=["user"])
    Notification.objects.bulk_create(items)
    User.objects.filter(pk__in=[u.pk for u in recipients]).update(
        unread_notifications=F("unread_notifications") + 1
    )
    emails = [u.email for u in recipients if u.email]
    if emails:
        transaction.on_commit(lambda: _notification_email(emails, subject, message, url))
    return items


def _notification_email(emails: list[str], subject: str, message: str, url: str) -> None:
    """One email per recipient (colleagues do not see each other's address), text and HTML.
    A mail server that fails is logged: the review is already committed and the notification
    is in ATO."""
    from django.core.mail import EmailMultiAlternatives, get_connection
    from django.template.loader import render_to_string

    with translation.override(settings.LANGUAGE_CODE):
        context = {"subject": subject, "message": message, "link": settings.ATO_BASE_URL + url}
        text = render_to_string("territory/email/notification.txt", context)
        html = render_to_string("territory/email/notification.html", context)
        subject = f"ATO · {subject}"
    try:
        with get_connection() as connection:
            for email in emails:
                mail = EmailMultiAlternatives(subject, text, to=[email], connection=connection)
                mail.attach_alternative(html, "text/html")
                mail.send()
    except OSError:  # smtplib.SMTPException is an OSError
        logger.exception("notification email not sent to %d recipients", len(emails))


def _unread_recount(user: User) -> None:
    """The stored unread count from the rows themselves, so it never drifts."""
    User.objects.filter(pk=user.pk).update(
        unread_notifications=Notification.objects.of(user).unread().count()
    )


@transaction.atomic
def notification_read(*, user: User, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise PermissionDenied(_("Esta notificación es de otra persona."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _unread_recount(user)
    return notification


@transaction.atomic
def notifications_read_all(*, user: User) -> int:
    marked = Notification.objects.of(user).unread().update(read_at=timezone.now())
    _unread_recount(user)
    return marked
