"""Who changed what in a district (issue 14, part 5): every write, newest first, read from the
history records the apps already keep, filterable and exportable.

Sources (`SOURCES`), each read through an index serving "this district, newest first" and merged
here (no table of its own, nothing copied):
- `jass_registry.ChangeRecord`: the registry (JASS, water systems, boards, import), the visits'
  edits and voids, the actas attached and removed (`visits.services` writes them there, so
  `VisitAttachment` is not read again), and the rectifications and erasures of personal data
  (filed under "Datos personales"); the district's JASS (`jass_id`), then a top-N sort;
- `visits.Visit`: a visit recorded (`created_at`, by its staff): `visit_district_created`;
- `communities.CentreChange`: populated centres and their services (`centre_id`);
- `incentives.EvidenceEvent`: evidence presented, approved or returned (`evidence_id`);
- `visits.AgreementNote`: a follow-up note on an agreement (`written_by`, `created_at`), through
  `agreement__district` (Agreement.district): `agreement_note_created` (created_at, id) walked
  backwards for a district with many notes, `agreement_district` then the notes' `agreement_id`
  and a sort for one with few (the planner chooses);
- `service_grades.ServiceAssessment`: a service assessment recorded at a visit (`created_by`,
  `created_at`), through `visit__district`: `assessment_created` (created_at, id) backwards, or
  `visit_district_created` for a district with few;
- `visits.ScheduledVisit`, twice: a visit planned (`created_by`, `created_at`; the month plan's
  rows too) and a planned visit cancelled (`cancelled_by`, `cancelled_at`, with the reason),
  through `jass__district`: `scheduled_created` (created_at, id) and the partial
  `scheduled_cancelled` (cancelled_at, id; only the cancelled ones), or the district's JASS
  (`scheduled_jass_date`) and a top-N sort for a district with few;
- `jass_registry.PersonalDataEvent` of kind access (Ley 29733: the head produced a person's
  file): `personal_data_event_recent` (district, -at). Shown as "Acceso a datos personales", who
  and when, to the head and the reviewers alike: never the DNI asked for (not even masked: the
  column is not read) nor the members found. Its rectifications and erasures are the
  ChangeRecords above, not read twice.
Not shown, for want of who or when: a planned visit's or an assessment's later edits (only
`updated_at`, no author) and an agreement marked done (`done_by`, but a day, `done_on`, not a
time).

Pagination is a keyset over (time, source, id), newest first: each source reads at most a page
and a row past the cursor (`ORDER BY at DESC, id DESC LIMIT 51`), so a page costs the same with
five years of records as with one week, and no COUNT(*) over years of history is ever run. The
export merges the same ordered streams row by row (`heapq.merge`).

Who reads it: the district's ATM head and the reviewers (`require_head_or_reviewer`); other ATM
staff of the district get 403, another district 404. Personal data (DNI, phone) in the
records' changes is shown only to the district's own staff (the head), masked for reviewers,
by the registry history's own rule (`jass_registry.history.change_lines`).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from common.exporting import export_response
from common.text import fold
from communities.models import CentreChange
from communities.views import change_lines as centre_change_lines
from incentives.models import EvidenceEvent, EvidenceStatus
from jass_registry.history import change_lines as registry_change_lines
from jass_registry.models import ChangeRecord, PersonalDataEvent
from service_grades.models import ServiceAssessment
from territory.access import district_for_read, require_head_or_reviewer
from territory.models import Role, User
from visits.models import AgreementNote, ScheduledVisit, Visit, VisitKind

PAGE_SIZE = 50
SEARCH_MAX = 100
REFUSAL = gettext_lazy(
    "La actividad del distrito es para el responsable del ATM y los revisores del sector."
)


class Kind:
    """The kinds of object a user may filter by; each source answers for one or two."""

    JASS = "jass"
    VISITS = "visits"
    CENTRES = "centres"
    EVIDENCE = "evidence"
    SCHEDULE = "schedule"
    PERSONAL_DATA = "personal_data"
    CHOICES = [
        (JASS, gettext_lazy("JASS, sistemas y consejos directivos")),
        (VISITS, gettext_lazy("Visitas")),
        (SCHEDULE, gettext_lazy("Agenda de visitas")),
        (CENTRES, gettext_lazy("Centros poblados")),
        (EVIDENCE, gettext_lazy("Evidencias")),
        (PERSONAL_DATA, gettext_lazy("Datos personales")),
    ]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ActivityFilterForm(forms.Form):
    """The page's and the export's filters. A Form rather than a FilterSet: a FilterSet filters
    one queryset, and the activity merges nine; each source applies the cleaned values below
    (`_sources`). Every input is bounded: dates, an id among the choices, 100 characters."""

    start = forms.DateField(label=gettext_lazy("Desde"), required=False, widget=DateInput())
    end = forms.DateField(label=gettext_lazy("Hasta"), required=False, widget=DateInput())
    user = forms.TypedChoiceField(
        label=gettext_lazy("Usuario"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(label=gettext_lazy("Objeto"), required=False)
    q = forms.CharField(label=gettext_lazy("Buscar"), required=False, max_length=SEARCH_MAX)

    def __init__(self, data, *, users: list[User]):
        super().__init__(data)
        self.fields["user"].choices = [("", _("Todos"))] + [
            (u.pk, u.get_full_name() or u.username) for u in users
        ]
        self.fields["kind"].choices = [("", _("Todos"))] + Kind.CHOICES
        self.fields["q"].widget.attrs["placeholder"] = _("JASS, sistema, centro poblado…")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("La fecha inicial es posterior a la final."))
        return data


@dataclass
class Entry:
    """One write, as the page and the export show it."""

    at: dt.datetime
    source: int  # the tie-breaker between sources at the same instant (see `SOURCES`)
    pk: int
    kind: str
    action: str
    user: User | None
    object_text: str
    url_name: str
    url_arg: object
    changes: list[tuple[str, object, object]] = field(default_factory=list)

    @property
    def url(self) -> str:
        # Reversed when shown: the export reads tens of thousands of rows and no link.
        return reverse(self.url_name, args=[self.url_arg])

    @property
    def sort_key(self) -> tuple:
        return (self.at, self.source, self.pk)

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}~{self.source}~{self.pk}"

    @property
    def user_name(self) -> str:
        if self.user is None:
            return _("(sistema)")
        return self.user.get_full_name() or self.user.username

    @property
    def kind_label(self) -> str:
        return str(dict(Kind.CHOICES).get(self.kind, self.kind))


def parse_cursor(text: str) -> tuple[dt.datetime, int, int] | None:
    """`antes=<time>~<source>~<id>`: None (first page) for anything that is not one."""
    try:
        at, source, pk = (text or "").split("~")
        when = dt.datetime.fromisoformat(at)
        source_n, pk_n = int(source), int(pk)
    except ValueError:
        return None
    if timezone.is_naive(when) or not (0 <= source_n < len(SOURCES)) or not 0 < pk_n < 2**63:
        return None
    return when, source_n, pk_n


def _after_cursor(cursor, source: int, at_field: str) -> Q:
    """Rows of source `source` older than the cursor in (time, source, id) descending order."""
    if cursor is None:
        return Q()
    at, c_source, c_pk = cursor
    if source < c_source:
        return Q(**{f"{at_field}__lte": at})
    if source > c_source:
        return Q(**{f"{at_field}__lt": at})
    return Q(**{f"{at_field}__lt": at}) | Q(**{at_field: at, "pk__lt": c_pk})


def _date_range(data: dict, at_field: str) -> Q:
    tz = timezone.get_current_timezone()
    q = Q()
    if data.get("start"):
        q &= Q(**{f"{at_field}__gte": dt.datetime.combine(data["start"], dt.time.min, tz)})
    if data.get("end"):
        after = data["end"] + dt.timedelta(days=1)
        q &= Q(**{f"{at_field}__lt": dt.datetime.combine(after, dt.time.min, tz)})
    return q


_LABELS: dict[tuple, str] = {}


def _label(choices, code: str) -> str:
    """The label of a choice in the active language, computed once per code: Django's
    `get_FOO_display` hashes the lazy choices on every row (a third of an export's time)."""
    key = (translation.get_language(), id(choices), code)
    if key not in _LABELS:
        labels = choices if isinstance(choices, dict) else dict(choices.choices)
        _LABELS[key] = str(labels.get(code, code))
    return _LABELS[key]


# --- the sources ------------------------------------------------------------------------------
# Each: a function building its queryset of one district's writes (filtered by kind and search)
# with the field holding the time of the write, and one building an entry from a row. `_sources`
# adds the user, dates and cursor filters and the order; `SOURCES` lists them.

VISIT_ACTIONS = [ChangeRecord.Action.VISIT_UPDATED, ChangeRecord.Action.VISIT_VOIDED]
# Ley 29733: a rectification or an erasure is in the JASS's history (personal values masked for
# reviewers) and also filed under "Datos personales", beside the access requests.
PERSONAL_ACTIONS = [ChangeRecord.Action.MEMBER_RECTIFIED, ChangeRecord.Action.DATA_ERASED]


def _registry_rows(district_id: str, data: dict):
    # Served by the index on jass_id (a district's JASS, then a top-N sort of their records):
    # the records of one district, not the country's.
    qs = ChangeRecord.objects.filter(jass__district_id=district_id)
    kind = data.get("kind")
    if kind == Kind.JASS:
        qs = qs.exclude(action__in=VISIT_ACTIONS + PERSONAL_ACTIONS)
    elif kind == Kind.VISITS:
        qs = qs.filter(action__in=VISIT_ACTIONS)
    elif kind == Kind.PERSONAL_DATA:
        qs = qs.filter(action__in=PERSONAL_ACTIONS)
    if data.get("q"):
        qs = qs.filter(
            Q(target__icontains=data["q"]) | Q(jass__name_search__contains=fold(data["q"]))
        )
    return qs.select_related("jass", "user"), "at"


def _registry_kind(action: str) -> str:
    if action in VISIT_ACTIONS:
        return Kind.VISITS
    return Kind.PERSONAL_DATA if action in PERSONAL_ACTIONS else Kind.JASS


def _registry_entry(record: ChangeRecord, source: int, sees_personal: bool) -> Entry:
    jass = record.jass
    target = record.target or jass.name
    return Entry(
        at=record.at,
        source=source,
        pk=record.pk,
        kind=_registry_kind(record.action),
        action=_label(ChangeRecord.Action, record.action),
        user=record.user,
        object_text=target if target == jass.name else f"{jass.name} · {target}",
        url_name="jass_registry:detail",
        url_arg=jass.pk,
        changes=registry_change_lines(record, sees_personal=sees_personal),
    )


def _visit_rows(district_id: str, data: dict):
    # `visit_district_created` (district, -created_at, -id): voided visits too, so not the
    # partial `visit_valid_district_date` (without it: a scan of every visit, 160 ms).
    qs = Visit.objects.filter(district_id=district_id)
    if data.get("q"):
        qs = qs.filter(jass__name_search__contains=fold(data["q"]))
    return qs.select_related("jass", "staff"), "created_at"


def _visit_entry(visit: Visit, source: int, sees_personal: bool) -> Entry:
    return Entry(
        at=visit.created_at,
        source=source,
        pk=visit.pk,
        kind=Kind.VISITS,
        action=_("Visita registrada"),
        user=visit.staff,
        object_text=f"{_label(VisitKind, visit.kind)} · {visit.jass.name} · {visit.date:%d/%m/%Y}",
        url_name="visits:detail",
        url_arg=visit.pk,
    )


def _centre_rows(district_id: str, data: dict):
    qs = CentreChange.objects.filter(centre__district_id=district_id)
    if data.get("q"):
        qs = qs.filter(
            Q(target__icontains=data["q"]) | Q(centre__name_search__contains=fold(data["q"]))
        )
    return qs.select_related("centre", "user"), "at"


def _centre_entry(change: CentreChange, source: int, sees_personal: bool) -> Entry:
    centre = change.centre
    target = change.target or centre.name
    return Entry(
        at=change.at,
        source=source,
        pk=change.pk,
        kind=Kind.CENTRES,
        action=_label(CentreChange.Action, change.action),
        user=change.user,
        object_text=target if target == centre.name else f"{centre.name} · {target}",
        url_name="communities:detail",
        url_arg=centre.code,
        changes=centre_change_lines(change),
    )


EVIDENCE_ACTIONS = {
    EvidenceStatus.SUBMITTED: gettext_lazy("Evidencia presentada"),
    EvidenceStatus.APPROVED: gettext_lazy("Evidencia aprobada"),
    EvidenceStatus.RETURNED: gettext_lazy("Evidencia observada"),
}


def _evidence_rows(district_id: str, data: dict):
    qs = EvidenceEvent.objects.filter(evidence__district_id=district_id)
    if data.get("q"):
        qs = qs.filter(
            Q(evidence__number__icontains=data["q"])
            | Q(evidence__doc_type__icontains=data["q"])
            | Q(evidence__requirement__goal__code__icontains=data["q"])
        )
    return qs.select_related("evidence__requirement__goal", "user"), "at"


def _evidence_entry(event: EvidenceEvent, source: int, sees_personal: bool) -> Entry:
    evidence = event.evidence
    goal = evidence.requirement.goal
    return Entry(
        at=event.at,
        source=source,
        pk=event.pk,
        kind=Kind.EVIDENCE,
        action=_label(EVIDENCE_ACTIONS, event.status),
        user=event.user,
        object_text=f"{goal.code} · {evidence.requirement.title} · {evidence.number}",
        url_name="incentives:evidence",
        url_arg=evidence.district_id,
        changes=[(_("observación"), "—", event.comment)] if event.comment else [],
    )


def _note_rows(district_id: str, data: dict):
    # The notes of the district's agreements (Agreement.district, copied from the visit), newest
    # first: read through `agreement_note_created` (created_at, id) backwards, each note's
    # agreement by its primary key, until a page of the district's is found; the planner may
    # instead take the district's agreements and their notes (`agreement_id`) and sort them.
    qs = AgreementNote.objects.filter(agreement__district_id=district_id)
    if data.get("q"):
        qs = qs.filter(
            Q(agreement__task__icontains=data["q"])
            | Q(agreement__visit__jass__name_search__contains=fold(data["q"]))
        )
    return qs.select_related("agreement__visit__jass", "written_by"), "created_at"


def _note_entry(note: AgreementNote, source: int, sees_personal: bool) -> Entry:
    agreement = note.agreement
    return Entry(
        at=note.created_at,
        source=source,
        pk=note.pk,
        kind=Kind.VISITS,
        action=_("Nota de seguimiento de un acuerdo"),
        user=note.written_by,
        object_text=f"{agreement.task} · {agreement.visit.jass.name}",
        url_name="visits:detail",
        url_arg=agreement.visit_id,
        changes=[(_("nota"), "—", note.text)],
    )


def _assessment_rows(district_id: str, data: dict):
    # Assessments of the district's visits (Visit.district), newest first: read through
    # `assessment_created` (created_at, id) backwards, each one's visit by its primary key.
    qs = ServiceAssessment.objects.filter(visit__district_id=district_id)
    if data.get("q"):
        qs = qs.filter(
            Q(water_system__name__icontains=data["q"])
            | Q(visit__jass__name_search__contains=fold(data["q"]))
        )
    return qs.select_related("visit__jass", "water_system", "created_by"), "created_at"


def _assessment_entry(assessment: ServiceAssessment, source: int, sees_personal: bool) -> Entry:
    visit = assessment.visit
    return Entry(
        at=assessment.created_at,
        source=source,
        pk=assessment.pk,
        kind=Kind.VISITS,
        action=_("Evaluación del servicio registrada"),
        user=assessment.created_by,
        object_text=(f"{assessment.water_system.name} · {visit.jass.name} · {visit.date:%d/%m/%Y}"),
        url_name="service_grades:visit",
        url_arg=visit.pk,
    )


def _scheduled_rows(district_id: str, data: dict):
    # A district's planned visits, by the time they were planned: `scheduled_created`
    # (created_at, id) backwards, each one's JASS by its primary key; or the district's JASS
    # and their rows (`scheduled_jass_date`), then a top-N sort.
    qs = ScheduledVisit.objects.filter(jass__district_id=district_id)
    if data.get("q"):
        qs = qs.filter(jass__name_search__contains=fold(data["q"]))
    return qs.select_related("jass", "created_by"), "created_at"


def _scheduled_text(scheduled: ScheduledVisit) -> str:
    text = f"{scheduled.jass.name} · {scheduled.date:%d/%m/%Y}"
    return f"{_label(VisitKind, scheduled.kind)} · {text}" if scheduled.kind else text


def _scheduled_entry(scheduled: ScheduledVisit, source: int, sees_personal: bool) -> Entry:
    return Entry(
        at=scheduled.created_at,
        source=source,
        pk=scheduled.pk,
        kind=Kind.SCHEDULE,
        action=_("Visita programada"),
        user=scheduled.created_by,
        object_text=_scheduled_text(scheduled),
        url_name="visits:schedule_detail",
        url_arg=scheduled.pk,
        changes=[(_("propósito"), "—", scheduled.purpose)] if scheduled.purpose else [],
    )


def _cancelled_rows(district_id: str, data: dict):
    # The cancelled ones, by the time they were cancelled: the partial index
    # `scheduled_cancelled` (cancelled_at, id) holds only those.
    qs, _at = _scheduled_rows(district_id, data)
    return qs.filter(cancelled_at__isnull=False).select_related("cancelled_by"), "cancelled_at"


def _cancelled_entry(scheduled: ScheduledVisit, source: int, sees_personal: bool) -> Entry:
    return Entry(
        at=scheduled.cancelled_at,
        source=source,
        pk=scheduled.pk,
        kind=Kind.SCHEDULE,
        action=_("Visita programada cancelada"),
        user=scheduled.cancelled_by,
        object_text=_scheduled_text(scheduled),
        url_name="visits:schedule_detail",
        url_arg=scheduled.pk,
        changes=[(_("motivo"), "—", scheduled.cancel_reason)],
    )


ACCESS_OUTPUTS = {
    "page": gettext_lazy("en pantalla"),
    "csv": gettext_lazy("descarga CSV"),
    "xlsx": gettext_lazy("descarga XLSX"),
}


def _access_rows(district_id: str, data: dict):
    # Access requests (Ley 29733) answered by the head, from the district's register of
    # personal-data events, through its index `personal_data_event_recent` (district, -at).
    # Rectifications and erasures are not read here: they also write a ChangeRecord, shown by
    # the registry source. The masked DNI (`subject`) and the members are never read: the entry
    # says who looked a person up and when, never whom. Nothing in it is searchable.
    if data.get("q"):
        return PersonalDataEvent.objects.none(), "at"
    qs = PersonalDataEvent.objects.filter(
        district_id=district_id, kind=PersonalDataEvent.Kind.ACCESS
    )
    return qs.only("at", "detail", "district_id", "user").select_related("user"), "at"


def _access_entry(event: PersonalDataEvent, source: int, sees_personal: bool) -> Entry:
    output = ACCESS_OUTPUTS.get(event.detail)
    text = _("Ficha de datos personales de una persona")
    return Entry(
        at=event.at,
        source=source,
        pk=event.pk,
        kind=Kind.PERSONAL_DATA,
        action=_("Acceso a datos personales"),
        user=event.user,
        object_text=f"{text} · {output}" if output else text,
        url_name="jass_registry:personal_data",
        url_arg=event.district_id,
    )


@dataclass(frozen=True)
class Source:
    kinds: set[str]
    rows: object  # (district_id, data) -> (queryset, the field with the write's time)
    entry: object  # (row, source number, sees_personal) -> Entry
    user_field: str = "user_id"  # who wrote it, for the user filter


# Their order is the tie-breaker between writes at the same instant, and a cursor carries a
# source's number: new sources go at the end (a bookmarked "Anteriores" link stays valid).
SOURCES = [
    Source({Kind.EVIDENCE}, _evidence_rows, _evidence_entry),
    Source({Kind.CENTRES}, _centre_rows, _centre_entry),
    Source({Kind.VISITS}, _visit_rows, _visit_entry, "staff_id"),
    Source({Kind.JASS, Kind.VISITS, Kind.PERSONAL_DATA}, _registry_rows, _registry_entry),
    Source({Kind.VISITS}, _note_rows, _note_entry, "written_by_id"),
    Source({Kind.VISITS}, _assessment_rows, _assessment_entry, "created_by_id"),
    Source({Kind.SCHEDULE}, _scheduled_rows, _scheduled_entry, "created_by_id"),
    Source({Kind.SCHEDULE}, _cancelled_rows, _cancelled_entry, "cancelled_by_id"),
    Source({Kind.PERSONAL_DATA}, _access_rows, _access_entry),
]


def _sources(district_id: str, data: dict, cursor=None):
    """(source number, its queryset ordered newest first, its entry builder) for the sources
    the filters leave, each filtered by user, dates, search and the cursor."""
    for number, source in enumerate(SOURCES):
        if data.get("kind") and data["kind"] not in source.kinds:
            continue
        qs, at_field = source.rows(district_id, data)
        if data.get("user"):
            qs = qs.filter(**{source.user_field: data["user"]})
        qs = qs.filter(_date_range(data, at_field) & _after_cursor(cursor, number, at_field))
        yield number, qs.order_by(f"-{at_field}", "-pk"), source.entry


def activity_page(
    district_id: str, data: dict, *, sees_personal: bool, cursor=None
) -> tuple[list[Entry], str | None]:
    """The page of entries after `cursor` and the cursor of the next page (None at the end):
    one query per source, each at most PAGE_SIZE + 1 rows."""
    entries = []
    for number, qs, build in _sources(district_id, data, cursor):
        entries += [build(row, number, sees_personal) for row in qs[: PAGE_SIZE + 1]]
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    return entries, (entries[-1].cursor if more else None)


def activity_stream(district_id: str, data: dict, *, sees_personal: bool) -> Iterator[Entry]:
    """Every entry the filters leave, newest first: the sources' ordered streams merged row
    by row, each read in chunks (memory does not grow with the years of history)."""

    def stream(number, qs, build):
        for row in qs.iterator(chunk_size=2000):
            yield build(row, number, sees_personal)

    streams = [stream(*source) for source in _sources(district_id, data)]
    return heapq.merge(*streams, key=lambda e: e.sort_key, reverse=True)


def activity_users(district_id: str) -> list[User]:
    """Who may appear in a district's activity: its staff, the reviewers and the admins."""
    return list(
        User.objects.filter(
            Q(district_id=district_id) | Q(role=Role.REVIEWER) | Q(is_superuser=True)
        ).order_by("first_name", "last_name", "username")
    )


# --- pages ------------------------------------------------------------------------------------


def _district_for_activity(user, ubigeo: str):
    district = district_for_read(user, ubigeo)  # another district: 404
    require_head_or_reviewer(user, district.ubigeo, REFUSAL)
    return district


def _filters(request: HttpRequest, district_id: str) -> tuple[ActivityFilterForm, dict]:
    form = ActivityFilterForm(request.GET or None, users=activity_users(district_id))
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, data


@login_required
@require_GET
def district_activity(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = _district_for_activity(request.user, ubigeo)
    form, data = _filters(request, district.ubigeo)
    cursor = parse_cursor(request.GET.get("antes", ""))
    entries, next_cursor = activity_page(
        district.ubigeo,
        data,
        sees_personal=request.user.is_staff_of(district.ubigeo),
        cursor=cursor,
    )
    query = urlencode(
        {k: v for k, v in request.GET.items() if k in form.fields and v and len(v) <= 100}
    )
    next_url = None
    if next_cursor:
        next_url = "?" + urlencode(
            {**{k: v for k, v in request.GET.items() if k in form.fields}, "antes": next_cursor}
        )
    return render(
        request,
        "ato/activity.html",
        {
            "district": district,
            "form": form,
            "entries": entries,
            "next_url": next_url,
            "first_page": cursor is None,
            "query": query,
        },
    )


@login_required
@require_GET
def district_activity_export(request: HttpRequest, ubigeo: str, fmt: str) -> HttpResponse:
    district = _district_for_activity(request.user, ubigeo)
    _form, data = _filters(request, district.ubigeo)
    entries = activity_stream(
        district.ubigeo, data, sees_personal=request.user.is_staff_of(district.ubigeo)
    )
    header = [_("Fecha y hora"), _("Usuario"), _("Objeto"), _("Tipo"), _("Acción"), _("Cambios")]
    rows = (
        [
            timezone.localtime(e.at).replace(tzinfo=None, microsecond=0),
            e.user_name,
            e.object_text,
            e.kind_label,
            e.action,
            "; ".join(f"{label}: {old} → {new}" for label, old, new in e.changes),
        ]
        for e in entries
    )
    return export_response(fmt, f"actividad-{district.ubigeo}", header, rows)
