"""A synthetic, repeatable country for benchmarks and load tests (`manage.py generate_dataset`).

National scale: every real district (1,891), about 30,000 JASS, 45,000 water systems, 150,000
board members, 300,000 visits, 600,000 chlorine readings and 100,000 agreements over the five
years up to `until`. District scale: one busy district with 500 JASS and its visits.

What makes it look like the field:
- JASS per district are skewed (log-normal): many districts with a handful, a few with hundreds;
  about one district in twenty, mostly urban, has none.
- Each ATM has its own activity level, and visits come in campaigns (a few busy months a year),
  so visits cluster in time; some ATMs hardly visit at all.
- Boards are elected for two years; the latest term of about 45 % of JASS has expired.
- Chlorination lapses: each water system switches between chlorinating and not from one visit to
  the next, and systems without a chlorinator read near zero.

Everything comes from one `random.Random(seed)` walked in ubigeo order, so the same seed and the
same `until` date give the same rows. Rows are written with `bulk_create` in batches of
districts; the summaries (last visit, last reading) are recomputed set-based at the end.

Safety: a generated database carries a `SyntheticDataset` row. A database that holds JASS,
visits, ATM offices or ATM users and has no such row (or has rows written by real users since)
is real data: `generate` refuses to touch it unless forced.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

from ato import synthetic_centres, synthetic_grades, synthetic_history
from ato.models import SyntheticDataset
from common.text import fold
from incentives.models import (
    DistrictResult,
    EvaluationRun,
    Evidence,
    EvidenceEvent,
    EvidenceStatus,
    Requirement,
    RequirementResult,
)
from jass_registry.models import (
    BoardMember,
    BoardRole,
    BoardTerm,
    ChangeRecord,
    Chlorination,
    Condition,
    Jass,
    JassKind,
    JassStatus,
    SystemType,
    WaterSystem,
)
from territory.models import AtmBudget, AtmOffice, District, DistrictCategory, Role, User
from visits.models import (
    Agreement,
    AgreementNote,
    ChlorineReading,
    PlannedVisit,
    ScheduledVisit,
    Visit,
    VisitAttachment,
    VisitKind,
    WorkPlan,
)
from visits.services import summaries_rebuild

USER_PREFIX = "sint."
EVIDENCE_FILE = "synthetic/evidencia-sintetica.pdf"
YEARS = 5  # the span of the current period; `--years N` adds N-1 years before it
MAX_YEARS = 10
DISTRICT_BATCH = 120

SCALES = {
    # JASS in all, the districts they go to (None: every district), visits per JASS.
    "national": {"jass": 30_000, "districts": None},
    "district": {"jass": 500, "districts": ["131101"]},
}
VISITS_PER_JASS = 11.5

COMMUNITY_WORDS = [
    "Huayllay",
    "Chuquimarca",
    "Ccollpa",
    "Ñahuinpuquio",
    "Antaccocha",
    "Pucará",
    "Quishuar",
    "Llacuash",
    "Cochapampa",
    "Huancapampa",
    "Uchcumarca",
    "Jancos",
    "Llamacancha",
    "Sañumayo",
    "Tinyacclla",
    "Ccaccasiri",
    "Yanama",
    "Huaripampa",
    "Collpacucho",
    "Rumichaca",
    "Ichu",
    "Potrero",
    "La Florida",
    "El Molino",
    "La Unión",
    "Los Álamos",
    "El Progreso",
    "Miraflores",
    "Chacapampa",
    "Huaylla",
    "Ayaorcco",
    "Muyurina",
    "Parcco",
    "Qochapata",
    "Sallcca",
    "Pichiu",
    "Chontabamba",
    "Cruzpampa",
    "Tambillo",
    "Ocopa",
    "Marcapata",
    "Quenuayoc",
]
COMMUNITY_PREFIXES = ["", "", "", "San Juan de ", "Santa Rosa de ", "San Pedro de ", "Nuevo "]
COMMUNITY_SUFFIXES = ["", "", "", " Alto", " Bajo", " Centro", " Grande", " Chico"]
GIVEN_F = ["Doris", "Elena", "Nelly", "Rosa", "Maribel", "Juana", "Flor", "Yolanda", "Lucía"]
GIVEN_M = ["Teodoro", "Segundo", "Julio", "Wilmer", "Fortunato", "Eusebio", "Santos", "Nilo"]
SURNAMES = [
    "Quispe",
    "Mamani",
    "Huamán",
    "Flores",
    "Rojas",
    "Vásquez",
    "Chávez",
    "Ramos",
    "Cruz",
    "Gamboa",
    "Alvarado",
    "Paredes",
    "Mendoza",
    "Ccahuana",
    "Yupanqui",
    "Ñaupari",
    "Huaccha",
]
TASKS = [
    "Reparar la tapa del reservorio",
    "Reponer el hipoclorito del clorador",
    "Presentar la rendición de cuentas del tesorero",
    "Convocar a asamblea para renovar el consejo directivo",
    "Limpiar y desinfectar la captación",
    "Cobrar las cuotas atrasadas",
]
# The seeded goals whose progress runs the earlier years carry (those `bench/national.py` runs).
HISTORY_GOALS = ["2015-M11", "2015-M40", "2016-M35", "2016-M42", "2017-M35", "2017-M41"]
EVIDENCE_TYPES = ["ordinance_atm", "designation_resolution", "rof_mof", "diagnostic", "work_plan"]
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# Tables emptied before a new generation, children first.
WIPED = [
    *synthetic_centres.WIPED,
    *synthetic_grades.WIPED,
    EvidenceEvent,
    Evidence,
    RequirementResult,
    DistrictResult,
    EvaluationRun,
    ChangeRecord,
    AgreementNote,  # protects its agreement
    VisitAttachment,  # protects its visit
    Agreement,
    ChlorineReading,
    ScheduledVisit,  # protects its visit and its JASS: emptied first
    PlannedVisit,
    WorkPlan,
    Visit,
    BoardMember,
    BoardTerm,
    WaterSystem,
    Jass,
    AtmBudget,
    AtmOffice,
    DistrictCategory,
    SyntheticDataset,
]


def real_data_reasons() -> list[str]:
    """Why this database looks real (empty when it is empty or wholly synthetic)."""
    reasons = []
    atm_users = User.objects.filter(district__isnull=False).exclude(
        username__startswith=USER_PREFIX
    )
    if atm_users.exists():
        reasons.append("usuarios de ATM que no son sintéticos")
    if ChangeRecord.objects.filter(user__isnull=False).exists():
        reasons.append("cambios en el registro hechos por usuarios")
    if Visit.objects.exclude(staff__username__startswith=USER_PREFIX).exists():
        reasons.append("visitas registradas por usuarios")
    if not SyntheticDataset.objects.exists():
        for model, label in ((Jass, "JASS"), (Visit, "visitas"), (AtmOffice, "oficinas de ATM")):
            if model.objects.exists():
                reasons.append(f"{label} sin marca de datos sintéticos")
    return reasons


def wipe() -> None:
    """Empty the synthetic tables (TRUNCATE on PostgreSQL) and the synthetic users."""
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in WIPED)
        with connection.cursor() as cursor:
            # Deferred foreign-key checks of rows written earlier in this transaction would
            # block TRUNCATE ("pending trigger events"): run them now, then defer again.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        for model in WIPED:
            model._base_manager.all()._raw_delete(connection.alias)
    User.objects.filter(username__startswith=USER_PREFIX).delete()


def write_visit_plan(plan: list, rng, agreement: Callable, counts: dict) -> None:
    """Write planned visits [(visit, [(system id, mg, point)])] with their readings, and an
    agreement (made by `agreement(visit)`) at a third of them, drawn from `rng` in the plan's
    order; shared by the current period and the earlier years (ato/synthetic_history.py)."""
    Visit.objects.bulk_create([visit for visit, _rows in plan], batch_size=5000)
    readings, agreements = [], []
    for visit, rows in plan:
        readings += [
            ChlorineReading(
                water_system_id=system_id,
                visit_id=visit.pk,
                taken_on=visit.date,
                point=point,
                mg_per_l=mg,
            )
            for system_id, mg, point in rows
        ]
        if rng.random() < 0.33:
            agreements.append(agreement(visit))
    ChlorineReading.objects.bulk_create(readings, batch_size=5000)
    Agreement.objects.bulk_create(agreements, batch_size=5000)
    counts["visits"] += len(plan)
    counts["chlorine_readings"] += len(readings)
    counts["agreements"] += len(agreements)


class Generator:
    def __init__(
        self,
        scale: str,
        seed: int,
        until: dt.date,
        jass_total: int | None = None,
        progress: Callable[[str], None] = lambda message: None,
        years: int = 1,
    ):
        if scale not in SCALES:
            raise ValueError(f"escala desconocida: {scale}")
        if not 1 <= years <= MAX_YEARS:
            raise ValueError(f"--years debe estar entre 1 y {MAX_YEARS}.")
        self.scale = scale
        self.seed = seed
        self.until = until
        self.start = until - dt.timedelta(days=365 * YEARS)
        self.jass_total = jass_total or SCALES[scale]["jass"]
        self.progress = progress
        self.rng = random.Random(seed)
        self.counts = dict.fromkeys(
            [
                "districts",
                "jass",
                "water_systems",
                "board_terms",
                "board_members",
                "visits",
                "chlorine_readings",
                "agreements",
                "atm_offices",
                "evidence",
            ],
            0,
        )
        self.dni = 10_000_000
        self.years = years
        # The earlier years (issue 14), from their own random stream: None with --years 1.
        self.history = synthetic_history.History(self, years) if years > 1 else None

    # --- helpers --------------------------------------------------------------------------
    def poisson(self, lam: float, rng: random.Random | None = None) -> int:
        """A Poisson draw from `rng` (by default the generator's stream)."""
        rng = rng or self.rng
        if lam <= 0:
            return 0
        if lam > 30:  # normal approximation, never negative
            return max(0, round(rng.gauss(lam, math.sqrt(lam))))
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        span = (last - first).days
        return first + dt.timedelta(days=self.rng.randint(0, max(span, 0)))

    def community(self) -> str:
        r = self.rng
        prefix, word = r.choice(COMMUNITY_PREFIXES), r.choice(COMMUNITY_WORDS)
        return f"{prefix}{word}{r.choice(COMMUNITY_SUFFIXES)}"

    def person(self) -> tuple[str, str]:
        sex = self.rng.choice("FM")
        given = self.rng.choice(GIVEN_F if sex == "F" else GIVEN_M)
        return f"{given} {self.rng.choice(SURNAMES)} {self.rng.choice(SURNAMES)}", sex

    # --- the country ----------------------------------------------------------------------
    def district_sizes(self, ubigeos: list[str]) -> dict[str, int]:
        """JASS per district: log-normal weights scaled to the total; ~5 % get none."""
        if len(ubigeos) == 1:
            return {ubigeos[0]: self.jass_total}
        weights = {
            u: 0.0 if self.rng.random() < 0.05 else self.rng.lognormvariate(0, 1.1) for u in ubigeos
        }
        total = sum(weights.values())
        sizes = {u: int(w / total * self.jass_total) for u, w in weights.items()}
        # Hand out what rounding left, largest remainders first, so the total is exact.
        short = self.jass_total - sum(sizes.values())
        by_remainder = sorted(
            ubigeos, key=lambda u: (weights[u] / total * self.jass_total) % 1, reverse=True
        )
        for u in by_remainder[:short]:
            sizes[u] += 1
        return sizes

    def generate(self) -> dict[str, int]:
        started = time.perf_counter()
        wanted = SCALES[self.scale]["districts"]
        districts = list(
            District.objects.filter(**({"pk__in": wanted} if wanted else {}))
            .order_by("pk")
            .values("pk", "latitude", "longitude")
        )
        if not districts:
            raise ValueError("No hay distritos: ejecute primero `manage.py load_territory`.")
        sizes = self.district_sizes([d["pk"] for d in districts])
        with transaction.atomic():
            wipe()
            users = self.users(districts)
            self.offices_and_categories(districts)
            self.evidence(districts, users)
            if self.history:
                self.history.evidence(districts, users)
            for first in range(0, len(districts), DISTRICT_BATCH):
                batch = districts[first : first + DISTRICT_BATCH]
                self.registry_and_visits(batch, sizes, users)
                self.progress(
                    f"Distritos {min(first + DISTRICT_BATCH, len(districts))}/{len(districts)}: "
                    f"{self.counts['jass']} JASS, {self.counts['visits']} visitas, "
                    f"{self.counts['chlorine_readings']} mediciones "
                    f"({time.perf_counter() - started:.0f} s)"
                )
            self.progress("Recalculando resúmenes (última visita, última medición)…")
            summaries_rebuild()
            self.counts.update(synthetic_centres.generate(self))
            self.counts.update(synthetic_grades.generate(self))
            if self.history:
                self.history.runs(HISTORY_GOALS, self.progress)
                self.counts["years"] = self.years
            self.counts["districts"] = len(districts)
            marker = SyntheticDataset.objects.create(
                scale=self.scale,
                seed=self.seed,
                until=self.until,
                counts=self.counts,
                seconds=round(time.perf_counter() - started, 1),
            )
        if connection.vendor == "postgresql":
            # Fresh statistics for the planner, and (outside a transaction: not in tests) the
            # visibility map autovacuum keeps in a running system, so index-only scans of the
            # freshly written tables read no heap pages, as they would in production.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        SyntheticDataset.objects.filter(pk=marker.pk).update(
            seconds=round(time.perf_counter() - started, 1)
        )
        return self.counts

    def users(self, districts) -> dict[str, User]:
        password = make_password(None)
        User.objects.bulk_create(
            User(
                username=f"{USER_PREFIX}{d['pk']}",
                first_name="Personal",
                last_name=f"sintético {d['pk']}",
                role=Role.ATM_STAFF,
                district_id=d["pk"],
                password=password,
            )
            for d in districts
        )
        return {u.district_id: u for u in User.objects.filter(username__startswith=USER_PREFIX)}

    def offices_and_categories(self, districts) -> None:
        r = self.rng
        categories, offices, budgets = [], [], []
        for d in districts:
            category = r.choices("ABCD", weights=[2, 11, 30, 57])[0]
            categories += [
                DistrictCategory(district_id=d["pk"], year=year, category=category)
                for year in (2015, 2016, 2017)
            ]
            if r.random() < 0.85:
                created = self.day_between(dt.date(2015, 1, 15), dt.date(2017, 6, 30))
                offices.append(
                    AtmOffice(
                        district_id=d["pk"],
                        ordinance_number=f"O.M. N.° {r.randint(1, 40):03d}-{created:%Y}",
                        ordinance_date=created,
                        in_rof=r.random() < 0.6,
                        in_mof=r.random() < 0.5,
                        head_name=self.person()[0] if r.random() < 0.8 else "",
                        address=f"Plaza de Armas s/n, {d['pk']}",
                    )
                )
        DistrictCategory.objects.bulk_create(categories, batch_size=2000)
        AtmOffice.objects.bulk_create(offices, batch_size=2000)
        for office in AtmOffice.objects.order_by("district_id"):
            for year in (2016, 2017):
                if r.random() < 0.6:
                    amount = Decimal(r.randrange(3_000, 60_000, 500))
                    budgets.append(AtmBudget(office=office, year=year, amount=amount))
        AtmBudget.objects.bulk_create(budgets, batch_size=2000)
        self.counts["atm_offices"] = len(offices)

    def evidence(self, districts, users) -> None:
        r = self.rng
        requirement_of = {}
        for requirement in Requirement.objects.filter(kind="evidence").order_by("goal__year", "pk"):
            requirement_of.setdefault(requirement.params.get("doc_type"), requirement.pk)
        if not default_storage.exists(EVIDENCE_FILE):
            default_storage.save(EVIDENCE_FILE, ContentFile(PDF_BYTES))
        rows = []
        for d in districts:
            for doc_type in EVIDENCE_TYPES:
                if doc_type not in requirement_of or r.random() > 0.8:
                    continue
                status = r.choices(
                    [EvidenceStatus.APPROVED, EvidenceStatus.SUBMITTED, EvidenceStatus.RETURNED],
                    weights=[80, 12, 8],
                )[0]
                issued = self.day_between(dt.date(2015, 2, 1), dt.date(2017, 11, 30))
                rows.append(
                    Evidence(
                        district_id=d["pk"],
                        requirement_id=requirement_of[doc_type],
                        doc_type=doc_type,
                        number=f"N.° {r.randint(1, 300):03d}-{issued:%Y}",
                        issued_on=issued,
                        file=EVIDENCE_FILE,
                        status=status,
                        uploaded_by=users[d["pk"]],
                        reviewed_at=None
                        if status == EvidenceStatus.SUBMITTED
                        else dt.datetime.combine(
                            issued + dt.timedelta(days=r.randint(5, 40)),
                            dt.time(12),
                            tzinfo=dt.UTC,
                        ),
                    )
                )
        Evidence.objects.bulk_create(rows, batch_size=2000)
        self.counts["evidence"] = len(rows)

    def registry_and_visits(self, batch, sizes, users) -> None:
        jass_rows = [self.jass(d, index) for d in batch for index in range(sizes[d["pk"]])]
        Jass.objects.bulk_create(jass_rows, batch_size=2000)
        self.counts["jass"] += len(jass_rows)
        systems_of = self.water_systems(jass_rows)
        self.boards(jass_rows)
        self.visits(batch, jass_rows, systems_of, users)
        if self.history:
            self.history.boards(jass_rows)
            self.history.visits(batch, jass_rows, systems_of, users)

    def jass(self, d, index: int) -> Jass:
        """The `index`-th JASS of district `d`, near the district's centre."""
        r = self.rng
        community = self.community()
        kind = r.choices(
            [JassKind.JASS, JassKind.COMMITTEE, JassKind.ASSOCIATION, JassKind.OTHER],
            weights=[80, 12, 5, 3],
        )[0]
        name = f"{'JASS' if kind == JassKind.JASS else 'Comité de agua'} {community}"
        registered = r.random() < 0.65
        recognized = self.day_between(dt.date(2000, 1, 1), self.until) if registered else None
        lat = lon = None
        if d["latitude"] is not None:
            lat = (d["latitude"] + Decimal(r.uniform(-0.08, 0.08))).quantize(Decimal("0.000001"))
            lon = (d["longitude"] + Decimal(r.uniform(-0.08, 0.08))).quantize(Decimal("0.000001"))
        households = r.randint(15, 320)
        return Jass(
            district_id=d["pk"],
            name=name,
            name_search=fold(name),
            kind=kind,
            communities=community,
            communities_search=fold(community),
            households=households,
            registry_number=f"{index + 1:03d}-{recognized:%Y}" if registered else "",
            recognition_resolution=(
                f"R.A. N.° {r.randint(1, 400):03d}-{recognized:%Y}" if registered else ""
            ),
            recognized_on=recognized,
            statute_approved=r.random() < 0.7,
            regulation_approved=r.random() < 0.5,
            associates=int(households * r.uniform(0.8, 1.1)),
            monthly_fee=Decimal(r.randrange(0, 60, 5)) / 10 if r.random() < 0.9 else None,
            status=r.choices(
                [JassStatus.ACTIVE, JassStatus.INACTIVE, JassStatus.DISSOLVED],
                weights=[90, 7, 3],
            )[0],
            latitude=lat,
            longitude=lon,
        )

    def water_systems(self, jass_rows) -> dict[int, list[WaterSystem]]:
        """One to three water systems per JASS, written; returned by JASS id."""
        systems_of: dict[int, list[WaterSystem]] = {}
        system_rows = []
        for jass in jass_rows:
            n = self.rng.choices([1, 2, 3], weights=[60, 30, 10])[0]
            for k in range(n):
                system = self.water_system(jass, k, n)
                system_rows.append(system)
                systems_of.setdefault(jass.pk, []).append(system)
        WaterSystem.objects.bulk_create(system_rows, batch_size=2000)
        self.counts["water_systems"] += len(system_rows)
        return systems_of

    def water_system(self, jass: Jass, k: int, n: int) -> WaterSystem:
        """The `k`-th of the JASS's `n` systems; a system without chlorination is untreated."""
        r = self.rng
        chlorination = r.choices(
            [Chlorination.DRIP, Chlorination.OTHER, Chlorination.NONE], weights=[60, 10, 30]
        )[0]
        treated = chlorination != Chlorination.NONE
        return WaterSystem(
            jass_id=jass.pk,
            name=f"Sistema {jass.communities}" + (f" {k + 1}" if n > 1 else ""),
            system_type=r.choice(
                [SystemType.GRAVITY_TREATED, SystemType.PUMPED_TREATED]
                if treated
                else [SystemType.GRAVITY_UNTREATED, SystemType.PUMPED_UNTREATED]
            ),
            built_year=r.randint(1985, self.until.year - 1),
            households=max(1, (jass.households or 30) // n),
            chlorination=chlorination,
            condition=r.choices(
                [Condition.GOOD, Condition.FAIR, Condition.POOR, Condition.NOT_WORKING],
                weights=[40, 35, 18, 7],
            )[0],
            retired_on=self.day_between(self.start, self.until) if r.random() < 0.03 else None,
            **self.system_point(jass, k),
        )

    @staticmethod
    def system_point(jass: Jass, k: int) -> dict:
        """Where the system stands: a few hundred metres south-west of its JASS, per system;
        about one in five left without coordinates (the district map lists those). Derived
        from the JASS, not drawn from the random stream, so every other row stays the same."""
        if jass.latitude is None or ((jass.households or 0) + k) % 5 == 0:
            return {"latitude": None, "longitude": None}
        step = Decimal("0.002") * (k + 1)
        return {"latitude": jass.latitude - step, "longitude": jass.longitude - step}

    def boards(self, jass_rows) -> None:
        r = self.rng
        terms = []
        for jass in jass_rows:
            if r.random() < 0.08:  # never elected a board ATO knows of
                continue
            starts = self.day_between(self.until - dt.timedelta(days=1300), self.until)
            terms.append(
                BoardTerm(
                    jass_id=jass.pk,
                    starts_on=starts,
                    ends_on=starts + dt.timedelta(days=729),
                    elected_on=starts - dt.timedelta(days=r.randint(3, 30)),
                    election_record=f"Acta de asamblea {starts:%d/%m/%Y}",
                )
            )
            if r.random() < 0.45:
                terms.append(
                    BoardTerm(
                        jass_id=jass.pk,
                        starts_on=starts - dt.timedelta(days=730),
                        ends_on=starts - dt.timedelta(days=1),
                        elected_on=starts - dt.timedelta(days=745),
                    )
                )
        BoardTerm.objects.bulk_create(terms, batch_size=2000)
        members = []
        for term in terms:
            for role in BoardRole.values:
                required = role in (BoardRole.PRESIDENT, BoardRole.TREASURER)
                if not required and r.random() > 0.6:
                    continue
                name, sex = self.person()
                self.dni += r.randint(1, 997)
                members.append(
                    BoardMember(
                        term_id=term.pk,
                        role=role,
                        full_name=name,
                        sex=sex,
                        dni=f"{self.dni:08d}" if r.random() < 0.9 else "",
                        phone=f"9{r.randint(10_000_000, 99_999_999)}" if r.random() < 0.7 else "",
                    )
                )
        BoardMember.objects.bulk_create(members, batch_size=5000)
        self.counts["board_terms"] += len(terms)
        self.counts["board_members"] += len(members)

    def campaign_months(self) -> list[dt.date]:
        """The months an ATM goes out (a few per year): visits cluster in them."""
        months = []
        day = self.start.replace(day=1)
        while day <= self.until:
            months.append(day)
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return sorted(self.rng.sample(months, k=min(len(months), self.rng.randint(10, 24))))

    def visits(self, batch, jass_rows, systems_of, users) -> None:
        """The batch's visits with their readings, then one agreement at a third of them."""
        r = self.rng
        by_district: dict[str, list[Jass]] = {}
        for jass in jass_rows:
            by_district.setdefault(jass.district_id, []).append(jass)
        plan = []  # (visit, [(system, mg, point)])
        for d in batch:
            rows = by_district.get(d["pk"], [])
            if not rows:
                continue
            activity = 0.1 if r.random() < 0.1 else r.lognormvariate(0, 0.5) / 1.13
            if self.scale == "district":
                activity = 1.0  # the one busy district visits at the national average rate
            months = self.campaign_months()
            staff = users[d["pk"]]
            for jass in rows:
                if jass.status != JassStatus.DISSOLVED:
                    plan += self.jass_visits(
                        jass, systems_of.get(jass.pk, []), staff, months, activity
                    )
        write_visit_plan(plan, r, self.agreement, self.counts)

    def jass_visits(self, jass: Jass, systems, staff, months, activity: float) -> list:
        """The JASS's visits on days of the campaign months, each with the readings planned
        for it: a list of (visit, [(system id, mg/L, point)])."""
        r = self.rng
        n = self.poisson(VISITS_PER_JASS * activity * r.uniform(0.3, 1.7))
        dates = sorted(
            min(self.until, m + dt.timedelta(days=r.randint(0, 27)))
            for m in (r.choice(months) for _ in range(n))
        )
        chlorinating = {s.pk: r.random() < 0.6 for s in systems}
        plan = []
        for day in dates:
            kind = r.choices(VisitKind.values, weights=[50, 20, 15, 15])[0]
            finances = r.random() < 0.3
            visit = Visit(
                jass_id=jass.pk,
                district_id=jass.district_id,
                date=day,
                staff=staff,
                kind=kind,
                topics=["chlorination"] if r.random() < 0.5 else ["management"],
                findings="Visita sintética.",
                finances_reviewed=finances,
                cash_balance=Decimal(r.randrange(0, 300_000)) / 100 if finances else None,
            )
            plan.append((visit, self.readings_on(day, systems, chlorinating)))
        return plan

    def readings_on(self, day: dt.date, systems, chlorinating: dict[int, bool]) -> list:
        """The readings of one visit, [(system id, mg/L, point)]. Each system in service may
        switch between chlorinating and not (`chlorinating` is updated), and the visit skips
        one system in ten and the last house half the time."""
        r = self.rng
        readings = []
        for system in systems:
            if system.retired_on and system.retired_on <= day:
                continue
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
        """An agreement of the visit, due in two weeks to three months; done in time or not."""
        r = self.rng
        due = visit.date + dt.timedelta(days=r.randint(15, 90))
        done = due <= self.until and r.random() < 0.6
        return Agreement(
            visit_id=visit.pk,
            district_id=visit.district_id,
            task=r.choice(TASKS),
            responsible=r.choice(["Presidente(a)", "Tesorero(a)", "Operador"]),
            due_on=due,
            done_on=min(due, self.until) if done else None,
        )
