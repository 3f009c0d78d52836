"""Personal data of board members under Ley 29733 (Ley de Protección de Datos Personales) and
its regulation (D.S. 016-2024-JUS): access, rectification and erasure after the retention period.

What ATO holds about a person is their board memberships (`BoardMember`: name, DNI, sex, phone,
role, own dates) and the registry's history records that mention them. The purpose is the legal
register of JASS boards kept by the district (RM of MVCS on the Libro de Registro); the data is
kept while the person serves and `ATO_PERSONAL_DATA_RETENTION_YEARS` (default 5) after the end
of their last term, then the DNI and phone are blanked by the daily Celery beat task
(`tasks.erase_expired_personal_data`). Names stay: the historical record of who governed a JASS
is part of the register.

- Access: the district's ATM head asks by DNI (a POST form: the DNI never travels in a URL) and
  gets everything held in their district, as a page to print and a CSV/XLSX download.
- Rectification: the ATM head corrects a member's name, DNI or phone, with a reason.
- Erasure: set-based, one UPDATE per batch of members, the records written in bulk.

Every access, rectification and erasure leaves a `PersonalDataEvent` (the district's register,
DNI masked); rectifications and erasures also leave a `ChangeRecord` in the JASS's history, with
personal values masked. A DNI erased from a member is also masked in the history record of the
board's start, which is the only other place it was kept in clear.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from territory.access import require_head_of
from territory.models import District

from .history import change_lines, mask
from .models import (
    BoardMember,
    BoardRole,
    ChangeRecord,
    PersonalDataEvent,
    dni_validator,
)
from .services import REASON_MAX_LENGTH

RECTIFIABLE_FIELDS = ["full_name", "dni", "phone"]
# What the history keeps of an erased value: that there was one, not a digit of it.
ERASED = "••••"
# Members erased per UPDATE: bounds the transaction, the IN list and the records in memory.
ERASE_BATCH = 5_000
# History records of a person's JASS read for the access file (their JASS's board records).
PERSON_HISTORY_ACTIONS = [
    ChangeRecord.Action.BOARD_STARTED,
    ChangeRecord.Action.MEMBER_RECTIFIED,
    ChangeRecord.Action.DATA_ERASED,
]


def retention_years() -> int:
    return settings.ATO_PERSONAL_DATA_RETENTION_YEARS


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` years earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def clean_dni(text: str) -> str:
    dni = (text or "").strip()
    dni_validator(dni)
    return dni


def member_end():
    """When a member's service ended: their own end if it differs, else their term's."""
    return Coalesce("ends_on", "term__ends_on")


# --- access -----------------------------------------------------------------------------------


@dataclass
class PersonFile:
    """Everything ATO holds in one district about the person with one DNI."""

    district: District
    dni: str
    members: list[BoardMember]
    history: list[ChangeRecord] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return sorted({m.full_name for m in self.members})

    @property
    def phones(self) -> list[str]:
        return sorted({m.phone for m in self.members if m.phone})

    @property
    def kept_until(self) -> dt.date | None:
        """The day after which the retention task erases the DNI and phone (the end of the
        person's last term in the district plus the retention period)."""
        ends = [m.ends_on or m.term.ends_on for m in self.members]
        if not ends:
            return None
        last = max(ends)
        return years_before(last, -retention_years())


def _mentions(record: ChangeRecord, dni: str, member_ids: set[int]) -> bool:
    changes = record.changes or {}
    if changes.get("_member") in member_ids:
        return True
    members = changes.get("members")
    if isinstance(members, list) and len(members) == 2 and isinstance(members[1], list):
        return any(isinstance(m, dict) and m.get("dni") == dni for m in members[1])
    return False


def person_file(*, district: District, dni: str) -> PersonFile:
    """Read only: the person's memberships in the district (through the `board_member_dni`
    index) and the history records of their JASS that name them (board starts listing their
    DNI, rectifications of their rows). Two queries."""
    members = list(
        BoardMember.objects.filter(dni=dni, term__jass__district=district)
        .select_related("term", "term__jass")
        .order_by("-term__starts_on", "pk")
    )
    member_ids = {m.pk for m in members}
    jass_ids = {m.term.jass_id for m in members}
    history = []
    if jass_ids:
        records = (
            ChangeRecord.objects.filter(jass_id__in=jass_ids, action__in=PERSON_HISTORY_ACTIONS)
            .select_related("user", "jass")
            .order_by("-at", "-id")
        )
        history = [r for r in records if _mentions(r, dni, member_ids)]
    return PersonFile(district=district, dni=dni, members=members, history=history)


@transaction.atomic
def personal_data_access(*, user, district: District, dni: str, output: str) -> PersonFile:
    """The ATM head's answer to an access request (derecho de acceso): the person's file, and
    a `PersonalDataEvent` saying who asked, when, for which DNI (masked) and in which form
    (`output`: page, csv or xlsx). Another district's data is never read: the query is bound to
    `district`, which the caller fetched through the user's scope."""
    require_head_of(user, district.ubigeo)
    dni = clean_dni(dni)
    person = person_file(district=district, dni=dni)
    PersonalDataEvent.objects.create(
        district=district,
        kind=PersonalDataEvent.Kind.ACCESS,
        subject=mask(dni),
        members=len(person.members),
        member_ids=[m.pk for m in person.members],
        detail=output[:300],
        user=user,
    )
    return person


def person_file_rows(person: PersonFile) -> list[list[Any]]:
    """The file as rows of (section, JASS, item, value) for the CSV/XLSX download; every text
    goes through common.exporting, which makes it formula-safe."""
    personal = _("Datos personales")
    rows: list[list[Any]] = [
        [personal, "", _("DNI"), person.dni],
        *[[personal, "", _("Nombres y apellidos"), name] for name in person.names],
        *[[personal, "", _("Teléfono"), phone] for phone in person.phones],
    ]
    for m in person.members:
        section = _("Consejo directivo")
        jass = m.term.jass.name
        rows += [
            [section, jass, _("Cargo"), m.get_role_display()],
            [section, jass, _("Periodo"), f"{m.term.starts_on} – {m.term.ends_on}"],
            [section, jass, _("Periodo propio"), f"{m.starts_on or ''} – {m.ends_on or ''}"],
            [section, jass, _("Sexo"), m.get_sex_display()],
            [section, jass, _("Teléfono"), m.phone],
        ]
    for record in person.history:
        lines = change_lines(record, sees_personal=True)
        rows.append(
            [
                _("Historial"),
                record.jass.name,
                f"{timezone.localtime(record.at):%Y-%m-%d %H:%M} {record.get_action_display()}",
                "; ".join(f"{label}: {old} → {new}" for label, old, new in lines),
            ]
        )
    rows.append(
        [
            _("Conservación"),
            "",
            _("Se conserva hasta"),
            str(person.kept_until or ""),
        ]
    )
    return rows


# --- rectification ----------------------------------------------------------------------------


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Indique el motivo de la rectificación.")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("El motivo tiene como máximo %(n)d caracteres.") % {"n": REASON_MAX_LENGTH}
                ]
            }
        )
    return reason


def _shown(key: str, value: str) -> str | None:
    """A value as the history keeps it: names in clear, DNI and phone masked."""
    if not value:
        return None
    return mask(value) if key in ("dni", "phone") else value


@transaction.atomic
def board_member_rectify(
    *, user, member: BoardMember, data: dict[str, Any], reason: str
) -> BoardMember:
    """Correct a member's name, DNI or phone (derecho de rectificación), by the district's ATM
    head, with a reason. Allowed on a dissolved JASS too: correcting personal data is the
    person's right, not an edit of the register. The history keeps the old and new DNI and
    phone masked, and a replaced DNI is masked in the board's start record as well."""
    locked = (
        BoardMember.objects.select_for_update(of=("self",))
        .select_related("term__jass")
        .get(pk=member.pk)
    )
    jass = locked.term.jass
    require_head_of(user, jass.district_id)
    reason = _check_reason(reason)
    before = {f: getattr(locked, f) for f in RECTIFIABLE_FIELDS}
    for key in RECTIFIABLE_FIELDS:
        if key in data:
            setattr(locked, key, (data[key] or "").strip())
    changed = [f for f in RECTIFIABLE_FIELDS if getattr(locked, f) != before[f]]
    if not changed:
        raise ValidationError(
            _("Los datos son iguales a los registrados: no hay nada que rectificar.")
        )
    locked.full_clean(exclude=["term"])
    if (
        "dni" in changed
        and locked.dni
        and BoardMember.objects.filter(term_id=locked.term_id, dni=locked.dni)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError({"dni": [_("Un mismo DNI figura en más de un cargo.")]})
    if locked.dni or locked.phone:
        locked.personal_data_erased_on = None
    locked.save(update_fields=[*changed, "personal_data_erased_on"])
    changes: dict[str, Any] = {
        f: [_shown(f, before[f]), _shown(f, getattr(locked, f))] for f in changed
    }
    changes["reason"] = [None, reason]
    changes["_member"] = locked.pk
    ChangeRecord.objects.create(
        jass=jass,
        user=user,
        action=ChangeRecord.Action.MEMBER_RECTIFIED,
        target=f"{locked.get_role_display()}: {locked.full_name}"[:200],
        changes=changes,
    )
    if "dni" in changed and before["dni"]:
        _mask_in_board_records({jass.pk: {before["dni"]}}, lambda dni: mask(dni))
    PersonalDataEvent.objects.create(
        district_id=jass.district_id,
        kind=PersonalDataEvent.Kind.RECTIFICATION,
        subject=mask(before["dni"] or locked.dni),
        members=1,
        member_ids=[locked.pk],
        detail=reason,
        user=user,
    )
    member.__dict__.update({f: getattr(locked, f) for f in RECTIFIABLE_FIELDS})
    return locked


def _mask_in_board_records(dnis_by_jass: dict[int, set[str]], masked) -> int:
    """Replace these DNI in the member lists of their JASS's board-start records (the one place
    the history keeps a DNI in clear). One SELECT and one bulk UPDATE."""
    if not dnis_by_jass:
        return 0
    records = ChangeRecord.objects.filter(
        jass_id__in=list(dnis_by_jass), action=ChangeRecord.Action.BOARD_STARTED
    ).only("pk", "jass_id", "changes")
    changed = []
    for record in records:
        dnis = dnis_by_jass[record.jass_id]
        members = (record.changes or {}).get("members")
        if not (isinstance(members, list) and len(members) == 2 and isinstance(members[1], list)):
            continue
        touched = False
        for entry in members[1]:
            if isinstance(entry, dict) and entry.get("dni") in dnis:
                entry["dni"] = masked(entry["dni"])
                touched = True
        if touched:
            changed.append(record)
    ChangeRecord.objects.bulk_update(changed, ["changes"], batch_size=1_000)
    return len(changed)


# --- erasure ----------------------------------------------------------------------------------


def erasure_candidates(cutoff: dt.date) -> tuple[QuerySet[BoardMember], QuerySet[BoardMember]]:
    """Members whose service ended before `cutoff` (the day `retention_years()` ago), in two
    sets: those with a DNI that has no membership ending on or after `cutoff`, anywhere
    (re-elected or serving another JASS: the period runs from the end of the person's last
    term); and those without a DNI but with a phone, judged on their own row.

    Two sets, not one `dni = '' OR NOT EXISTS (…)`: under an OR PostgreSQL runs the subquery
    once per member (a sequential scan each: 490 s for 5,000 of the national 5-year dataset);
    `dni <> '' AND NOT EXISTS (…)` becomes one hash anti-join, and the subquery's own
    `dni <> ''` lets it probe the partial `board_member_dni` index when it is nested."""
    still_kept = (
        BoardMember.objects.exclude(dni="")
        .filter(dni=OuterRef("dni"))
        .annotate(end=member_end())
        .filter(end__gte=cutoff)
    )
    ended = BoardMember.objects.annotate(end=member_end()).filter(end__lt=cutoff).order_by()
    with_dni = ended.exclude(dni="").filter(~Exists(still_kept))
    phone_only = ended.filter(dni="").exclude(phone="")
    return with_dni, phone_only


@dataclass
class ErasureResult:
    cutoff: dt.date
    members: int = 0
    districts: int = 0
    history_masked: int = 0
    dry_run: bool = False


def personal_data_erase_expired(
    *, today: dt.date | None = None, dry_run: bool = False, batch: int = ERASE_BATCH
) -> ErasureResult:
    """Blank the DNI and phone of former members past the retention period; names stay.
    Idempotent: an erased row has neither, so it is never a candidate again.

    Per batch of `batch` members, in one transaction: one SELECT of the candidates (locked),
    one UPDATE of their rows, one INSERT of their history records (one per member, DNI and
    phone shown as erased, no digit kept), the board-start records' DNI masked (one SELECT,
    one bulk UPDATE), and one `PersonalDataEvent` per district (one INSERT)."""
    today = today or timezone.localdate()
    cutoff = years_before(today, retention_years())
    result = ErasureResult(cutoff=cutoff, dry_run=dry_run)
    sets = erasure_candidates(cutoff)
    if dry_run:
        result.members = sum(candidates.count() for candidates in sets)
        with_dni, phone_only = (c.values("term__jass__district_id") for c in sets)
        result.districts = with_dni.union(phone_only).count()  # UNION: distinct districts
        return result
    districts: set[str] = set()
    for candidates in sets:
        while True:
            done, touched, masked = _erase_batch(
                candidates=candidates, today=today, cutoff=cutoff, batch=batch
            )
            result.members += done
            result.history_masked += masked
            districts |= touched
            if done < batch:
                break
    result.districts = len(districts)
    return result


@transaction.atomic
def _erase_batch(
    *, candidates: QuerySet[BoardMember], today: dt.date, cutoff: dt.date, batch: int
) -> tuple[int, set[str], int]:
    # No ORDER BY: any `batch` candidates will do, and the next batch takes the rest.
    rows = list(
        candidates.select_for_update(of=("self",)).values(
            "pk", "dni", "phone", "role", "full_name", "term__jass_id", "term__jass__district_id"
        )[:batch]
    )
    if not rows:
        return 0, set(), 0
    ids = [r["pk"] for r in rows]
    BoardMember.objects.filter(pk__in=ids).update(dni="", phone="", personal_data_erased_on=today)
    roles = dict(BoardRole.choices)
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                jass_id=r["term__jass_id"],
                user=None,
                action=ChangeRecord.Action.DATA_ERASED,
                target=f"{roles.get(r['role'], r['role'])}: {r['full_name']}"[:200],
                changes={
                    **{k: [ERASED, None] for k in ("dni", "phone") if r[k]},
                    "_member": r["pk"],
                },
            )
            for r in rows
        ],
        batch_size=1_000,
    )
    dnis_by_jass: dict[int, set[str]] = defaultdict(set)
    by_district: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if r["dni"]:
            dnis_by_jass[r["term__jass_id"]].add(r["dni"])
        by_district[r["term__jass__district_id"]].append(r["pk"])
    masked = _mask_in_board_records(dnis_by_jass, lambda _dni: ERASED)
    years = retention_years()
    PersonalDataEvent.objects.bulk_create(
        [
            PersonalDataEvent(
                district_id=district_id,
                kind=PersonalDataEvent.Kind.ERASURE,
                members=len(member_ids),
                member_ids=member_ids,
                detail=_("Periodo terminado antes del %(date)s (%(years)d años)")
                % {"date": cutoff.strftime("%d/%m/%Y"), "years": years},
            )
            for district_id, member_ids in by_district.items()
        ]
    )
    return len(rows), set(by_district), masked
