"""Demo data of shared/API.md: Gran Chimú (La Libertad), its four districts, their ATM offices,
a few JASS with water systems and boards, and the demo users. Idempotent: running it again
updates the same rows and never duplicates them. Never for production."""

import datetime as dt
import itertools
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from ato.synthetic_grades import demo as demo_assessments
from communities.coverage import coverage_snapshot
from communities.models import CentreService, PopulatedCentre, quarter_start
from jass_registry.models import (
    BoardMember,
    BoardRole,
    BoardTerm,
    Chlorination,
    Condition,
    Jass,
    JassKind,
    JassStatus,
    SystemType,
    WaterSystem,
)
from territory.models import AtmBudget, AtmOffice, DistrictCategory, Role, User

DEMO_PASSWORD = "ato-demo-2026"
FINDINGS = "Visita de demostración: sistema operativo, se revisó la cloración."

OFFICES = {
    "131101": dict(
        ordinance_number="O.M. N.° 012-2015-MDC",
        ordinance_date=dt.date(2015, 6, 18),
        in_rof=True,
        in_mof=True,
        head_name="Rosa Elvira Quispe Vásquez",
        head_resolution="R.A. N.° 145-2015-MDC",
        head_designated_on=dt.date(2015, 7, 1),
        address="Jr. Bolognesi 350, Cascas",
        budgets=[(2016, "18000.00"), (2017, "36000.00"), (2026, "42000.00")],
    ),
    "131102": dict(
        ordinance_number="O.M. N.° 007-2016-MDL",
        ordinance_date=dt.date(2016, 5, 20),
        in_rof=True,
        in_mof=False,
        head_name="Julio César Rodríguez Alayo",
        head_resolution="R.A. N.° 088-2016-MDL",
        head_designated_on=dt.date(2016, 6, 2),
        budgets=[(2017, "12000.00"), (2026, "8000.00")],
    ),
    "131103": dict(head_name="", budgets=[]),
    "131104": dict(
        ordinance_number="O.M. N.° 004-2016-MDS",
        ordinance_date=dt.date(2016, 9, 9),
        head_name="María Luz Castillo Ruiz",
        budgets=[],
    ),
}

# PI municipality types of the demo districts (demo data; the real ones come from each year's
# decree through `import_categories`).
CATEGORIES = {"131101": "C", "131102": "D", "131103": "D", "131104": "D"}

JASS = {
    "131101": [
        ("JASS Casmiche", "001-2015", "Casmiche", 120, "3.00"),
        ("JASS Chuquimango", "002-2015", "Chuquimango, El Molino", 85, "2.50"),
        ("JASS Jolluco", "003-2016", "Jolluco", 64, "2.00"),
        ("Comité de agua La Pampa", "", "La Pampa", 40, "1.50"),
        ("JASS San Antonio de Cascas", "004-2016", "San Antonio", 150, "3.50"),
    ],
    "131102": [
        ("JASS Lucma Alto", "001-2016", "Lucma Alto", 90, "2.00"),
        ("JASS Huacamochal", "002-2016", "Huacamochal", 70, "2.00"),
        ("JASS Collasgón", "", "Collasgón", 55, "1.00"),
    ],
    "131103": [
        ("JASS Marmot Centro", "001-2017", "Marmot", 110, "2.50"),
        ("JASS Chuquillanqui", "", "Chuquillanqui", 48, "1.50"),
    ],
    "131104": [
        ("JASS Sayapullo", "001-2016", "Sayapullo", 130, "3.00"),
        ("JASS Huaranchal Bajo", "", "Huaranchal Bajo", 38, None),
    ],
}

# Where each demo JASS and its water system are (latitude, longitude inside the district's
# outline), for the district map. None: not yet located, so the map's "sin coordenadas" lists
# show a JASS (Jolluco) and a system (La Pampa's) of Cascas.
POINTS = {
    "JASS Casmiche": ("-7.435252", "-78.725941"),
    "JASS Chuquimango": ("-7.571816", "-78.885017"),
    "JASS Jolluco": None,
    "Comité de agua La Pampa": ("-7.488426", "-78.676920"),
    "JASS San Antonio de Cascas": ("-7.444805", "-78.685831"),
    "JASS Lucma Alto": ("-7.574981", "-78.643710"),
    "JASS Huacamochal": ("-7.591860", "-78.596038"),
    "JASS Collasgón": ("-7.649721", "-78.580010"),
    "JASS Marmot Centro": ("-7.629893", "-78.779119"),
    "JASS Chuquillanqui": ("-7.699288", "-78.679719"),
    "JASS Sayapullo": ("-7.563966", "-78.527115"),
    "JASS Huaranchal Bajo": ("-7.510171", "-78.378478"),
}
SYSTEM_POINTS = {
    "JASS Jolluco": ("-7.573007", "-78.897327"),
    "Comité de agua La Pampa": None,
}
# A system stands uphill of its JASS's community (about 1.4 km): both markers show.
SYSTEM_OFFSET = (Decimal("0.009"), Decimal("-0.009"))


def _point(text):
    return (Decimal(text[0]), Decimal(text[1])) if text else (None, None)


def _system_point(jass_name):
    if jass_name in SYSTEM_POINTS:
        return _point(SYSTEM_POINTS[jass_name])
    lat, lon = _point(POINTS.get(jass_name))
    if lat is None:
        return None, None
    return lat + SYSTEM_OFFSET[0], lon + SYSTEM_OFFSET[1]


BOARD_NAMES = [
    (BoardRole.PRESIDENT, "Doris Alvarado Rojas", "F"),
    (BoardRole.SECRETARY, "Teodoro Paredes León", "M"),
    (BoardRole.TREASURER, "Elena Cruz Gamboa", "F"),
    (BoardRole.VOCAL, "Segundo Vera Pérez", "M"),
    (BoardRole.FISCAL, "Nelly Ramos Mendoza", "F"),
]

# Populated centres of Cascas and Lucma (demo figures in INEI's layout): code suffix, name,
# area, households, population, the JASS that serves it (None: without service) and the
# households it serves, and the quarter the service began (so the coverage trend rises).
CENTRES = {
    "131101": [
        ("0001", "Cascas", "urban", 1450, 4870, None, 0, 0),
        ("0002", "Casmiche", "rural", 130, 452, "JASS Casmiche", 120, 0),
        ("0003", "Chuquimango", "rural", 58, 201, "JASS Chuquimango", 50, 0),
        ("0004", "El Molino", "rural", 40, 133, "JASS Chuquimango", 35, 1),
        ("0005", "Jolluco", "rural", 70, 240, "JASS Jolluco", 64, 2),
        ("0006", "La Pampa", "rural", 45, 151, "Comité de agua La Pampa", 40, 3),
        ("0007", "San Antonio", "rural", 160, 548, "JASS San Antonio de Cascas", 150, 0),
        ("0008", "Pampas de Jagüey", "rural", 64, 231, None, 0, 0),
        ("0009", "Cerro Blanco", "rural", 38, 122, None, 0, 0),
        ("0010", "Santa Ana", "rural", 22, 70, None, 0, 0),
    ],
    "131102": [
        ("0001", "Lucma", "urban", 620, 2140, None, 0, 0),
        ("0002", "Lucma Alto", "rural", 95, 330, "JASS Lucma Alto", 90, 0),
        ("0003", "Huacamochal", "rural", 80, 270, "JASS Huacamochal", 70, 1),
        ("0004", "Collasgón", "rural", 60, 205, "JASS Collasgón", 55, 2),
        ("0005", "Mollepampa", "rural", 75, 262, None, 0, 0),
        ("0006", "La Cuesta", "rural", 18, 59, None, 0, 0),
    ],
}
CENTRES_SINCE_QUARTERS = 4  # the register dates from a year ago; one snapshot per quarter

USERS = [
    ("atm.cascas", Role.ATM_HEAD, "131101", "Rosa", "Quispe"),
    ("atm.lucma", Role.ATM_STAFF, "131102", "Julio", "Rodríguez"),
    ("revisor", Role.REVIEWER, None, "Carmen", "Salazar"),
]


class Command(BaseCommand):
    help = "Carga los datos de demostración de Gran Chimú (La Libertad). Nunca en producción."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Cargar aunque la configuración sea de producción."
        )

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if settings.HTTPS and not force:
            raise CommandError(
                "Configuración de producción (DJANGO_HTTPS=1): no se cargan datos de demostración."
            )
        today = timezone.localdate()
        self._offices()
        self._registry(today)
        self._centres(today)
        self._users()
        self._visits(today)
        self._schedule(today)
        demo_assessments(today, list(JASS))  # service assessments and A–D grades
        self.stdout.write(self.style.SUCCESS("Datos de demostración de Gran Chimú cargados."))

    def _offices(self):
        """Each district's ATM office with its budgets, and its PI category for every year that has
        a seeded goal (2015–2017, 2019 and 2026)."""
        for ubigeo, data in OFFICES.items():
            data = dict(data)
            budgets = data.pop("budgets")
            office, _ = AtmOffice.objects.update_or_create(district_id=ubigeo, defaults=data)
            for year, amount in budgets:
                AtmBudget.objects.update_or_create(
                    office=office, year=year, defaults={"amount": Decimal(amount)}
                )
            for year in (2015, 2016, 2017, 2019, 2026):
                DistrictCategory.objects.update_or_create(
                    district_id=ubigeo, year=year, defaults={"category": CATEGORIES[ubigeo]}
                )

    def _registry(self, today):
        """The JASS of each district, each with one water system and a board."""
        dnis = itertools.count(40000001)
        for ubigeo, rows in JASS.items():
            for index, row in enumerate(rows):
                jass = self._jass(ubigeo, index, row, last=index == len(rows) - 1)
                self._water_system(jass, index, row)
                self._board(jass, index, today, dnis)

    def _jass(self, ubigeo, index, row, *, last):
        """One JASS of `JASS`; the last of a district without a registry number is inactive."""
        name, number, communities, associates, fee = row
        jass, _ = Jass.objects.update_or_create(
            district_id=ubigeo,
            name=name,
            defaults=dict(
                kind=JassKind.COMMITTEE if name.startswith("Comité") else JassKind.JASS,
                registry_number=number,
                recognition_resolution=f"R.A. N.° {number}" if number else "",
                recognized_on=dt.date(2000 + int(number[-2:]), 3, 1) if number else None,
                communities=communities,
                households=associates,
                associates=associates,
                monthly_fee=Decimal(fee) if fee else None,
                statute_approved=bool(number),
                regulation_approved=bool(number),
                status=JassStatus.ACTIVE if not last or number else JassStatus.INACTIVE,
                latitude=_point(POINTS.get(name))[0],
                longitude=_point(POINTS.get(name))[1],
            ),
        )
        return jass

    def _centres(self, today):
        """Populated centres of Cascas and Lucma, most served by their JASS and some without
        service, registered a year ago with services added quarter by quarter; then a coverage
        snapshot of each of those quarters, so the Everyone Forever page shows a trend."""
        first = quarter_start(today)
        quarters = []
        for _ in range(CENTRES_SINCE_QUARTERS):
            first = quarter_start(first - dt.timedelta(days=1))
            quarters.append(first)
        quarters.reverse()  # oldest first
        for ubigeo, rows in CENTRES.items():
            for suffix, name, area, households, population, jass_name, served, q in rows:
                since = timezone.make_aware(
                    dt.datetime.combine(quarters[0] + dt.timedelta(days=5), dt.time(9))
                )
                centre, _ = PopulatedCentre.objects.update_or_create(
                    code=f"{ubigeo}{suffix}",
                    defaults=dict(
                        district_id=ubigeo,
                        name=name,
                        area=area,
                        households=households,
                        population=population,
                        created_at=since,
                    ),
                )
                if jass_name is None:
                    continue
                jass = Jass.objects.get(district_id=ubigeo, name=jass_name)
                CentreService.objects.update_or_create(
                    centre=centre,
                    jass=jass,
                    ended_on=None,
                    defaults=dict(
                        water_system=jass.water_systems.order_by("pk").first(),
                        households_served=served,
                        created_at=since + dt.timedelta(days=91 * q),
                    ),
                )
        for quarter in [*quarters, quarter_start(today)]:
            coverage_snapshot(quarter, today=today)

    def _water_system(self, jass, index, row):
        """The JASS's one water system, named after its first community."""
        _name, _number, communities, associates, _fee = row
        WaterSystem.objects.update_or_create(
            jass=jass,
            name=f"Sistema {communities.split(',')[0]}",
            defaults=dict(
                system_type=SystemType.GRAVITY_UNTREATED,
                built_year=1998 + index * 3,
                households=associates,
                chlorination=Chlorination.DRIP if index % 2 == 0 else Chlorination.NONE,
                condition=[Condition.GOOD, Condition.FAIR, Condition.POOR][index % 3],
                latitude=_system_point(jass.name)[0],
                longitude=_system_point(jass.name)[1],
            ),
        )

    def _board(self, jass, index, today, dnis):
        """A two-year board term with its five members, whose DNI come from `dnis` in turn."""
        # Two-year boards: most are current; every third one expired months ago.
        if not jass.board_terms.exists():
            ago = 900 if index % 3 == 2 else 240 + 70 * index
            starts = today - dt.timedelta(days=ago)
        else:
            starts = jass.board_terms.order_by("starts_on").first().starts_on
        term, _ = BoardTerm.objects.update_or_create(
            jass=jass,
            starts_on=starts,
            defaults=dict(
                ends_on=starts + dt.timedelta(days=729),
                elected_on=starts - dt.timedelta(days=20),
                election_record=f"Acta de asamblea general {starts:%d/%m/%Y}",
            ),
        )
        for role, full_name, sex in BOARD_NAMES:
            BoardMember.objects.update_or_create(
                term=term,
                role=role,
                defaults=dict(full_name=full_name, sex=sex, dni=str(next(dnis))),
            )

    def _users(self):
        """The demo users of `USERS` and an administrator; an existing user keeps its password."""
        for username, role, ubigeo, first, last in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults=dict(role=role, district_id=ubigeo, first_name=first, last_name=last),
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
        admin, created = User.objects.get_or_create(
            username="admin", defaults=dict(is_staff=True, is_superuser=True)
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()

    def _visits(self, today):
        """A year of visits with chlorine readings and agreements, through the visits service
        (so the registry summaries are kept as in real use). JASS that already have visits are
        left as they are, so running the command again adds nothing."""
        import random

        from visits.models import Visit

        rng = random.Random(2026)
        staff = {
            u.district_id: u for u in User.objects.filter(username__in=["atm.cascas", "atm.lucma"])
        }
        for ubigeo, user in staff.items():
            jass_list = list(Jass.objects.filter(district_id=ubigeo, status=JassStatus.ACTIVE))
            for index, jass in enumerate(jass_list):
                if Visit.objects.filter(jass=jass).exists():
                    continue
                self._jass_visits(
                    rng,
                    user,
                    jass,
                    today,
                    left_behind=index == len(jass_list) - 1,
                    chlorinated=index % 3 != 1,
                )

    def _schedule(self, today):
        """The agenda (issue 13 part 4) of each demo district, left as it is once it has one:
        this year's visits planned and done (each linked to its visit), one unassigned visit
        per JASS next month, and for atm.cascas a few visits this week (from today on) and next
        week, and one overdue from last week."""
        from visits.models import ScheduledVisit, Visit
        from visits.schedule import (
            last_plannable_day,
            scheduled_visit_create,
            scheduled_visit_link,
            scheduled_visits_plan_month,
        )

        monday = today - dt.timedelta(days=today.weekday())
        next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        for user in User.objects.filter(username__in=["atm.cascas", "atm.lucma"]):
            if ScheduledVisit.objects.in_district(user.district_id).exists():
                continue
            jass_list = list(
                Jass.objects.filter(
                    district_id=user.district_id, status=JassStatus.ACTIVE
                ).order_by("name")
            )
            done = Visit.objects.valid().filter(
                jass__in=jass_list, staff=user, date__year=today.year
            )
            for visit in done.select_related("jass"):
                scheduled = scheduled_visit_create(
                    user=user, jass=visit.jass, date=visit.date, staff=user, kind=visit.kind
                )
                scheduled_visit_link(user=user, scheduled=scheduled, visit=visit)
            if next_month <= last_plannable_day(today):
                for jass in jass_list:
                    scheduled_visits_plan_month(
                        user=user, jass=jass, year=next_month.year, month=next_month.month, count=1
                    )
            if user.username != "atm.cascas" or len(jass_list) < 4:
                continue
            this_week = [d for d in (monday + dt.timedelta(days=i) for i in range(7)) if d >= today]
            next_week = [monday + dt.timedelta(days=i) for i in (7, 9, 10)]
            purposes = [
                ("training", "Capacitación en cloración al operador"),
                ("follow_up", "Seguimiento de acuerdos de la última visita"),
                ("supervision", "Supervisión del reservorio y la línea de conducción"),
            ]
            for i, day in enumerate([*this_week[:3], *next_week]):
                kind, purpose = purposes[i % len(purposes)]
                scheduled_visit_create(
                    user=user,
                    jass=jass_list[i % len(jass_list)],
                    date=day,
                    staff=user,
                    kind=kind,
                    purpose=purpose,
                )
            scheduled_visit_create(
                user=user,
                jass=jass_list[1],
                date=monday - dt.timedelta(days=4),
                staff=user,
                kind="technical_assistance",
                purpose="Revisión de cuentas del tesorero",
            )

    def _jass_visits(self, rng, user, jass, today, *, left_behind, chlorinated):
        """One JASS's visits every 45 to 80 days of the last year, the first one a training.
        Draws from `rng` in the order the demo has always drawn (gap, then per visit: day,
        kind, readings, agreement, visit data), so the same demo comes out every time."""
        from visits.models import Visit, VisitKind
        from visits.services import visit_record

        systems = list(jass.water_systems.filter(retired_on__isnull=True))
        # The last JASS of each district is left behind: its signals show on the home page.
        last_gap = 240 if left_behind else rng.randint(10, 60)
        day = today - dt.timedelta(days=365)
        while True:
            day += dt.timedelta(days=rng.randint(45, 80))
            if day > today - dt.timedelta(days=last_gap):
                break
            # The new board's training comes first, as an ATM should do it.
            first = not Visit.objects.filter(jass=jass).exists()
            kind = VisitKind.TRAINING if first else rng.choice(list(VisitKind.values))
            readings = self._readings(rng, systems, chlorinated)
            agreements = self._agreements(rng, day)
            visit_record(
                user=user,
                jass=jass,
                data=self._visit_data(rng, day, kind),
                readings=readings,
                agreements=agreements,
            )

    def _readings(self, rng, systems, chlorinated):
        """Residual chlorine at the reservoir and the last house of each system."""
        return [
            {
                "water_system": s.pk,
                "point": point,
                "mg_per_l": Decimal(
                    str(
                        round(
                            rng.uniform(0.5, 1.2) if chlorinated else rng.uniform(0.0, 0.3),
                            2,
                        )
                    )
                ),
            }
            for s in systems
            for point in ("reservoir", "last_house")
        ]

    def _agreements(self, rng, day):
        """An agreement at six visits in ten."""
        agreements = []
        if rng.random() < 0.6:
            agreements.append(
                {
                    "task": rng.choice(
                        [
                            "Comprar hipoclorito de calcio para tres meses",
                            "Limpiar y desinfectar el reservorio",
                            "Actualizar el padrón de asociados",
                            "Presentar la rendición de cuentas en asamblea",
                            "Reparar la válvula de purga",
                        ]
                    ),
                    "responsible": rng.choice(["Presidente(a)", "Tesorero(a)", "Operador"]),
                    "due_on": day + dt.timedelta(days=rng.randint(15, 60)),
                }
            )
        return agreements

    def _visit_data(self, rng, day, kind):
        """The visit's own fields; supervisions and follow-ups review the accounts."""
        from visits.models import Topic, VisitKind

        return {
            "date": day,
            "kind": kind,
            "topics": rng.sample(list(Topic.values), 2),
            "findings": FINDINGS,
            "finances_reviewed": kind in (VisitKind.SUPERVISION, VisitKind.FOLLOW_UP),
            "cash_balance": Decimal(rng.randint(50, 900))
            if kind in (VisitKind.SUPERVISION, VisitKind.FOLLOW_UP)
            else None,
            "attendees": "Presidente(a), Tesorero(a)",
        }
