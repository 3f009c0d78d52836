"""Earlier years of history for the synthetic country (`generate_dataset --years N`, issue 14).

`--years 1` is the dataset as it always was: its visits fall in the five years up to `until`
(about 300,000 of them nationally). Each further year adds, before those five, one year of the
national activity of a whole dataset: about 300,000 visits, 600,000 readings and 98,000
agreements, board terms of two years going back before each JASS's earliest term (their members
with DNI and phone, their terms long ended), evidence for the later goal years' requirements
and progress runs of the seeded goals at the end of each extra year. `--years 5` gives about
1.5 million visits and 3 million readings.

Everything here draws from its own random stream (`Random(f"{seed}-history")`), after the
current period's rows: the country (JASS, systems, users) and every row of the last five years
are the same as with `--years 1`, so a query reading a window that ends today reads the same
rows in both datasets and only older history grows. Agreements of the earlier years were all
closed (some late): what is open and overdue today is the current period's.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from incentives.models import Evidence, EvidenceStatus, Requirement
from jass_registry.models import BoardMember, BoardRole, BoardTerm, Chlorination, Jass, JassStatus
from territory.models import Role, User
from visits.models import Agreement, Visit, VisitKind

YEAR = dt.timedelta(days=365)
TERM_DAYS = 730


class History:
    """The extra years of one generation; `Generator` calls it per batch of districts."""

    def __init__(self, generator, years: int):
        from ato import synthetic  # the constants of the current period (imports this module)

        self.g = generator
        self.s = synthetic
        self.years = years
        self.rng = random.Random(f"{generator.seed}-history")
        # The current period's visits begin on the first of `start`'s month (its first campaign
        # month); year k (1 … years-1) is the k-th year of 365 days before that day.
        self.edge = generator.start.replace(day=1)
        self.first = self.edge - YEAR * (years - 1)
        self.dni = 1_000_000

    def year_span(self, k: int) -> tuple[dt.date, dt.date]:
        """The first and last day of the k-th extra year."""
        end = self.edge - YEAR * (k - 1) - dt.timedelta(days=1)
        return end - YEAR + dt.timedelta(days=1), end

    # --- visits, readings, agreements ---------------------------------------------------------
    def campaign_months(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Two to five campaign months in the year: visits cluster in them, as in the current
        period (where 10-24 months in five years are campaigns)."""
        months, day = [], first.replace(day=1)
        while day <= last:
            if day >= first.replace(day=1):
                months.append(day)
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return sorted(self.rng.sample(months, k=min(len(months), self.rng.randint(2, 5))))

    def visits(self, batch, jass_rows, systems_of, users) -> None:
        """The batch's earlier years: per year, as many visits as the whole current period
        (same per-JASS rate and activity level of the ATM), with readings and agreements."""
        r, g = self.rng, self.g
        by_district: dict[str, list[Jass]] = {}
        for jass in jass_rows:
            by_district.setdefault(jass.district_id, []).append(jass)
        for k in range(1, self.years):
            first, last = self.year_span(k)
            plan = []
            for d in batch:
                rows = by_district.get(d["pk"], [])
                if not rows:
                    continue
                activity = 0.1 if r.random() < 0.1 else r.lognormvariate(0, 0.5) / 1.13
                if g.scale != "national":
                    activity = 1.0
                months = self.campaign_months(first, last)
                for jass in rows:
                    if jass.status == JassStatus.DISSOLVED:
                        continue
                    plan += self.jass_visits(
                        jass, systems_of.get(jass.pk, []), users[d["pk"]], months, activity, last
                    )
            from ato.synthetic import write_visit_plan  # (ato.synthetic imports this module)

            write_visit_plan(plan, r, self.agreement, g.counts)

    def jass_visits(self, jass, systems, staff, months, activity: float, last: dt.date) -> list:
        r, g = self.rng, self.g
        n = g.poisson(self.s.VISITS_PER_JASS * activity * r.uniform(0.3, 1.7), rng=r)
        dates = sorted(
            min(last, m + dt.timedelta(days=r.randint(0, 27)))
            for m in (r.choice(months) for _ in range(n))
        )
        chlorinating = {s.pk: r.random() < 0.6 for s in systems}
        plan = []
        for day in dates:
            finances = r.random() < 0.3
            visit = Visit(
                jass_id=jass.pk,
                district_id=jass.district_id,
                date=day,
                staff=staff,
                kind=r.choices(VisitKind.values, weights=[50, 20, 15, 15])[0],
                topics=["chlorination"] if r.random() < 0.5 else ["management"],
                findings="Visita sintética.",
                finances_reviewed=finances,
                cash_balance=Decimal(r.randrange(0, 300_000)) / 100 if finances else None,
            )
            plan.append((visit, self.readings_on(day, systems, chlorinating)))
        return plan

    def readings_on(self, day, systems, chlorinating) -> list:
        """As `Generator.readings_on`, from this stream. A system retired later still had
        water then: it is read."""
        r = self.rng
        readings = []
        for system in systems:
            on = chlorinating[system.pk]
            chlorinating[system.pk] = (
                r.random() > 0.2 if on else r.random() < 0.3
            ) and system.chlorination != Chlorination.NONE
            if r.random() > 0.9:
                continue
            for point in ("reservoir", "last_house"):
                if point == "last_house" and r.random() > 0.5:
                    break
                mg = r.uniform(0.5, 1.4) if on else r.uniform(0.0, 0.35)
                if point == "last_house":
                    mg *= 0.7
                readings.append((system.pk, Decimal(f"{mg:.2f}"), point))
        return readings

    def agreement(self, visit: Visit) -> Agreement:
        """Due in two weeks to three months, and closed: in time or up to four months late."""
        r = self.rng
        due = visit.date + dt.timedelta(days=r.randint(15, 90))
        late = 0 if r.random() < 0.6 else r.randint(1, 120)
        return Agreement(
            visit_id=visit.pk,
            district_id=visit.district_id,
            task=r.choice(self.s.TASKS),
            responsible=r.choice(["Presidente(a)", "Tesorero(a)", "Operador"]),
            due_on=due,
            done_on=min(due + dt.timedelta(days=late), self.g.until),
        )

    # --- board terms turning over -------------------------------------------------------------
    def boards(self, jass_rows) -> None:
        """Terms of two years back from each JASS's earliest term to the first extra year, a
        gap of a few months between some of them; members as in the current period."""
        r, g = self.rng, self.g
        earliest = {}
        for jass_id, starts in BoardTerm.objects.filter(
            jass_id__in=[j.pk for j in jass_rows]
        ).values_list("jass_id", "starts_on"):
            earliest[jass_id] = min(starts, earliest.get(jass_id, starts))
        terms = []
        for jass in jass_rows:
            if jass.pk not in earliest:
                continue
            ends = earliest[jass.pk] - dt.timedelta(days=1)
            while ends >= self.first:
                if r.random() < 0.25:  # a lapse before the next election
                    ends -= dt.timedelta(days=r.randint(30, 240))
                starts = ends - dt.timedelta(days=TERM_DAYS - 1)
                terms.append(
                    BoardTerm(
                        jass_id=jass.pk,
                        starts_on=starts,
                        ends_on=ends,
                        elected_on=starts - dt.timedelta(days=r.randint(3, 30)),
                        election_record=f"Acta de asamblea {starts:%d/%m/%Y}",
                    )
                )
                ends = starts - dt.timedelta(days=1)
        BoardTerm.objects.bulk_create(terms, batch_size=2000)
        members, surnames = [], self.s.SURNAMES
        newer: dict[int, list[BoardMember]] = {}  # the members of the term after, per JASS
        for term in terms:
            kept = []
            for role in BoardRole.values:
                required = role in (BoardRole.PRESIDENT, BoardRole.TREASURER)
                if not required and r.random() > 0.6:
                    continue
                again = [m for m in newer.get(term.jass_id, []) if m.dni]
                if again and r.random() < 0.3:  # re-elected: the same person, another role
                    person = r.choice(again)
                    name, sex, dni, phone = person.full_name, person.sex, person.dni, person.phone
                else:
                    sex = r.choice("FM")
                    given = r.choice(self.s.GIVEN_F if sex == "F" else self.s.GIVEN_M)
                    name = f"{given} {r.choice(surnames)} {r.choice(surnames)}"
                    # DNIs of the earlier years below 10,000,000: the current period's begin
                    # there, so no two people share one.
                    self.dni += r.randint(1, 19)
                    dni = f"{self.dni:08d}" if r.random() < 0.9 else ""
                    phone = f"9{r.randint(10_000_000, 99_999_999)}" if r.random() < 0.7 else ""
                member = BoardMember(
                    term_id=term.pk, role=role, full_name=name, sex=sex, dni=dni, phone=phone
                )
                kept.append(member)
            members += kept
            newer[term.jass_id] = kept
        BoardMember.objects.bulk_create(members, batch_size=5000)
        g.counts["board_terms"] += len(terms)
        g.counts["board_members"] += len(members)

    # --- evidence and runs of several goal years ----------------------------------------------
    def evidence(self, districts, users) -> None:
        """Evidence for the requirements of the later goal years of each document type (the
        current period holds it for the earliest year's only); some returned once, then
        submitted again (two rows: the returned one stays)."""
        r = self.rng
        requirements: dict[str, list[tuple[int, int]]] = {}
        evidence = Requirement.objects.filter(kind="evidence").select_related("goal")
        for req in evidence.order_by("goal__year", "pk"):
            requirements.setdefault(req.params.get("doc_type"), []).append((req.pk, req.goal.year))
        # The current period answered the earliest requirement of each of its document types.
        later = {
            doc_type: reqs[1:] if doc_type in self.s.EVIDENCE_TYPES else reqs
            for doc_type, reqs in sorted(requirements.items(), key=lambda item: str(item[0]))
        }
        rows = []
        for d in districts:
            for doc_type, reqs in later.items():
                for req_id, year in reqs:
                    if r.random() > 0.75:
                        continue
                    issued = dt.date(year, 1, 1) + dt.timedelta(days=r.randint(15, 300))
                    issued = min(issued, self.g.until)
                    tries = [EvidenceStatus.RETURNED] if r.random() < 0.1 else []
                    tries.append(
                        r.choices(
                            [EvidenceStatus.APPROVED, EvidenceStatus.SUBMITTED], weights=[90, 10]
                        )[0]
                    )
                    for attempt, state in enumerate(tries):
                        on = issued + dt.timedelta(days=attempt * 20)
                        rows.append(
                            Evidence(
                                district_id=d["pk"],
                                requirement_id=req_id,
                                doc_type=doc_type,
                                number=f"N.° {r.randint(1, 300):03d}-{issued:%Y}",
                                issued_on=issued,
                                file=self.s.EVIDENCE_FILE,
                                status=state,
                                uploaded_by=users[d["pk"]],
                                reviewed_at=None
                                if state == EvidenceStatus.SUBMITTED
                                else dt.datetime.combine(
                                    min(on + dt.timedelta(days=10), self.g.until),
                                    dt.time(12),
                                    tzinfo=dt.UTC,
                                ),
                            )
                        )
        Evidence.objects.bulk_create(rows, batch_size=2000)
        self.g.counts["evidence"] += len(rows)

    def runs(self, goal_codes, progress: Callable[[str], None]) -> int:
        """A progress run of each seeded goal at the end of each extra year, computed by the
        engine in this process as a worker would (chunk by chunk), started by a synthetic
        reviewer."""
        from incentives import services
        from incentives.models import EvaluationRun, Goal, RunKind

        reviewer, _ = User.objects.get_or_create(
            username=f"{self.s.USER_PREFIX}revisor",
            defaults={"role": Role.REVIEWER, "first_name": "Revisor", "last_name": "sintético"},
        )
        made = 0
        for k in range(self.years - 1, 0, -1):
            _first, cutoff = self.year_span(k)
            for goal in Goal.objects.filter(code__in=goal_codes).order_by("code"):
                run = EvaluationRun.objects.create(
                    goal=goal, cutoff=cutoff, kind=RunKind.PROGRESS, started_by=reviewer
                )
                for chunk in services.run_split(run.pk):
                    services.chunk_evaluate(run.pk, chunk)
                made += 1
            progress(f"Evaluaciones al {cutoff:%d/%m/%Y}: {made}")
        self.g.counts["evaluation_runs"] = made
        return made
