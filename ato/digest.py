"""The weekly digest (issue 14, part 6): each Monday the ATM head of every district receives an
email with what changed in the week and what is coming.

Four sections, each for the district only:
- **new risk signals**: JASS whose signal fires today and did not fire seven days ago. Both
  sides come from the risk module's date-parametrised rules (`Jass.objects.with_risk(day)`), so
  "new" means a signal that crossed its threshold in the week (a board that expired, a visit
  gap that passed 180 days, a chlorine reading that left its window…). A signal whose facts
  changed and whose rule fired a week ago too (a bad reading replacing a bad reading) is not new;
- **agreements that fell overdue**: open agreements of valid visits whose deadline fell in the
  week (`today - 7 <= due_on < today`);
- **evidence returned** ("observada"): evidence events of status returned in the week, with the
  reviewer's comment;
- **goal deadlines within 30 days**: goals whose deadline is in [today, today + 30] and that
  apply to the district's PI category of the goal's year.

Who receives it: active users with role ATM head, an email address and `weekly_digest` on, not
yet sent today (`weekly_digest_sent_on`: a retried or repeated run sends nothing twice). An
empty digest (nothing in any section) is not sent: an email that says nothing teaches people to
ignore the ones that do.

Set-based: one query for the recipients, two for the signals (today and a week ago, every
recipient district at once), one each for agreements, evidence and goals (plus the categories)
— seven queries for the whole country, whatever the number of districts; then one email each.
No DNI or phone is ever read here: the sections hold names of JASS, tasks, responsibles'
names, documents and goals.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from incentives.models import EvidenceEvent, EvidenceStatus, Goal
from jass_registry.models import Jass, JassStatus
from jass_registry.risk import SIGNAL_CODES, Signal
from territory.models import District, DistrictCategory, Role, User
from visits.models import Agreement

logger = logging.getLogger(__name__)

WEEK_DAYS = 7
DEADLINE_DAYS = 30
SECTION_LIMIT = 25  # items listed per section; the rest are counted, with a link to the page


@dataclass
class Section:
    items: list[dict] = field(default_factory=list)

    @property
    def shown(self) -> list[dict]:
        return self.items[:SECTION_LIMIT]

    @property
    def more(self) -> int:
        return max(0, len(self.items) - SECTION_LIMIT)

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class DistrictDigest:
    district: District
    signals: Section = field(default_factory=Section)
    overdue: Section = field(default_factory=Section)
    returned: Section = field(default_factory=Section)
    deadlines: Section = field(default_factory=Section)

    @property
    def is_empty(self) -> bool:
        return not (self.signals or self.overdue or self.returned or self.deadlines)


def absolute(path: str) -> str:
    """A link that works from a mail program: ATO's address (`ATO_BASE_URL`) and the path."""
    return settings.ATO_BASE_URL + path


def recipients(today: dt.date):
    """The ATM heads to write to this week (see the module's docstring)."""
    return (
        User.objects.filter(
            role=Role.ATM_HEAD,
            is_active=True,
            weekly_digest=True,
            district__isnull=False,
        )
        .exclude(email="")
        .exclude(weekly_digest_sent_on=today)
        .select_related("district")
        .order_by("district_id", "pk")
    )


def _flags(district_ids: set[str], day: dt.date) -> dict[int, tuple[str, str, set[str]]]:
    """{JASS id: (district, name, signal codes firing on `day`)} of the active JASS at risk."""
    columns = [f"risk_{code}" for code in SIGNAL_CODES]
    rows = (
        Jass.objects.filter(district_id__in=district_ids, status=JassStatus.ACTIVE)
        .with_risk(day)
        .filter(at_risk=True)
        .values("pk", "district_id", "name", *columns)
        .order_by()
    )
    return {
        r["pk"]: (r["district_id"], r["name"], {c for c in SIGNAL_CODES if r[f"risk_{c}"]})
        for r in rows
    }


def _new_signals(digests: dict[str, DistrictDigest], today: dt.date) -> None:
    ids = set(digests)
    now = _flags(ids, today)
    before = _flags(ids, today - dt.timedelta(days=WEEK_DAYS))
    for pk, (district_id, name, codes) in sorted(now.items(), key=lambda kv: kv[1][1]):
        new = codes - (before[pk][2] if pk in before else set())
        if new:
            digests[district_id].signals.items.append(
                {
                    "name": name,
                    "url": absolute(reverse("jass_registry:detail", args=[pk])),
                    "signals": [str(Signal(code).label) for code in SIGNAL_CODES if code in new],
                }
            )


def _overdue_agreements(digests: dict[str, DistrictDigest], today: dt.date) -> None:
    rows = (
        Agreement.objects.valid()
        .open()
        .filter(
            district_id__in=set(digests),
            due_on__gte=today - dt.timedelta(days=WEEK_DAYS),
            due_on__lt=today,
        )
        .select_related("visit__jass")
        .order_by("due_on", "pk")
    )
    for a in rows:
        digests[a.visit.jass.district_id].overdue.items.append(
            {
                "task": a.task,
                "responsible": a.responsible,
                "due_on": date_format(a.due_on, "SHORT_DATE_FORMAT"),
                "jass": a.visit.jass.name,
                "url": absolute(reverse("visits:detail", args=[a.visit_id])),
            }
        )


def _returned_evidence(digests: dict[str, DistrictDigest], today: dt.date) -> None:
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(today - dt.timedelta(days=WEEK_DAYS), dt.time.min, tz)
    until = dt.datetime.combine(today, dt.time.min, tz)
    rows = (
        EvidenceEvent.objects.filter(
            status=EvidenceStatus.RETURNED,
            at__gte=since,
            at__lt=until,
            evidence__district_id__in=set(digests),
        )
        .select_related("evidence__requirement__goal")
        .order_by("at", "pk")
    )
    for event in rows:
        evidence = event.evidence
        digests[evidence.district_id].returned.items.append(
            {
                "goal": evidence.requirement.goal.code,
                "document": evidence.number,
                "requirement": evidence.requirement.title,
                "comment": event.comment,
                "url": absolute(reverse("incentives:evidence", args=[evidence.district_id])),
            }
        )


def _goal_deadlines(digests: dict[str, DistrictDigest], today: dt.date) -> None:
    goals = list(
        Goal.objects.filter(
            deadline__gte=today, deadline__lte=today + dt.timedelta(days=DEADLINE_DAYS)
        ).order_by("deadline", "number")
    )
    if not goals:
        return
    category = {
        (c.district_id, c.year): c.category
        for c in DistrictCategory.objects.filter(
            district_id__in=set(digests), year__in={g.year for g in goals}
        )
    }
    for district_id, digest in digests.items():
        for goal in goals:
            if category.get((district_id, goal.year)) in goal.categories:
                digest.deadlines.items.append(
                    {
                        "code": goal.code,
                        "title": goal.title,
                        "deadline": date_format(goal.deadline, "SHORT_DATE_FORMAT"),
                        "days": (goal.deadline - today).days,
                        "url": absolute(reverse("incentives:goal", args=[goal.code])),
                    }
                )


def digests_for(districts: list[District], today: dt.date) -> dict[str, DistrictDigest]:
    """The digest of each district, built for all of them at once."""
    digests = {d.pk: DistrictDigest(district=d) for d in districts}
    if digests:
        _new_signals(digests, today)
        _overdue_agreements(digests, today)
        _returned_evidence(digests, today)
        _goal_deadlines(digests, today)
    return digests


def digest_email(
    user: User, digest: DistrictDigest, today: dt.date, connection=None
) -> EmailMultiAlternatives:
    """The email for one head: Spanish text with an HTML alternative."""
    district = digest.district
    context = {
        "user": user,
        "digest": digest,
        "district": district,
        "week_start": today - dt.timedelta(days=WEEK_DAYS),
        "week_end": today - dt.timedelta(days=1),
        "deadline_days": DEADLINE_DAYS,
        "agreements_url": absolute(reverse("visits:agreements", args=[district.pk])),
        "evidence_url": absolute(reverse("incentives:evidence", args=[district.pk])),
        "jass_url": absolute(reverse("jass_registry:list", args=[district.pk])),
        "account_url": absolute(reverse("territory:account")),
    }
    subject = _("ATO · Resumen semanal de %(district)s (%(date)s)") % {
        "district": district.name,
        "date": date_format(today, "SHORT_DATE_FORMAT"),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/weekly_digest.txt", context),
        to=[user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("emails/weekly_digest.html", context), "text/html")
    return message


@dataclass
class SendResult:
    recipients: int = 0
    sent: int = 0
    empty: int = 0
    failed: int = 0


def send_weekly_digests(*, today: dt.date | None = None) -> SendResult:
    """Build every recipient district's digest and send one email per head. A failed send is
    logged (user id only) and retried next week; the others go on."""
    today = today or timezone.localdate()
    users = list(recipients(today))
    result = SendResult(recipients=len(users))
    with translation.override(settings.LANGUAGE_CODE):
        digests = digests_for(list({u.district_id: u.district for u in users}.values()), today)
        connection = get_connection()
        for user in users:
            digest = digests[user.district_id]
            if digest.is_empty:
                result.empty += 1
                continue
            try:
                digest_email(user, digest, today, connection).send()
            except (smtplib.SMTPException, OSError):  # one bad address, a flaky server
                logger.exception("weekly digest not sent to user %s", user.pk)
                result.failed += 1
                continue
            User.objects.filter(pk=user.pk).update(weekly_digest_sent_on=today)
            result.sent += 1
    return result
