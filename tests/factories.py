import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from jass_registry.models import BoardMember, BoardRole, BoardTerm, Jass, JassStatus, WaterSystem
from territory.models import AtmBudget, AtmOffice, DistrictCategory, Role, User

PASSWORD = "una-clave-de-prueba-2026"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"usuario{n}")
    first_name = "Ana"
    last_name = "Pérez"
    role = Role.ATM_STAFF
    district_id = "131101"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AtmOfficeFactory(DjangoModelFactory):
    class Meta:
        model = AtmOffice
        django_get_or_create = ["district_id"]

    district_id = "131101"
    ordinance_number = "O.M. N.° 012-2015-MDC"
    ordinance_date = dt.date(2015, 6, 18)
    head_name = "Rosa Quispe"


class AtmBudgetFactory(DjangoModelFactory):
    class Meta:
        model = AtmBudget

    office = factory.SubFactory(AtmOfficeFactory)
    year = 2017
    amount = Decimal("36000.00")


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = DistrictCategory

    district_id = "131101"
    year = 2017
    category = "C"


class JassFactory(DjangoModelFactory):
    class Meta:
        model = Jass

    district_id = "131101"
    name = factory.Sequence(lambda n: f"JASS Caserío {n}")
    registry_number = factory.Sequence(lambda n: f"{n:03d}-2016")
    recognition_resolution = factory.Sequence(lambda n: f"R.A. N.° {n:03d}-2016")
    status = JassStatus.ACTIVE


class WaterSystemFactory(DjangoModelFactory):
    class Meta:
        model = WaterSystem

    jass = factory.SubFactory(JassFactory)
    name = factory.Sequence(lambda n: f"Sistema {n}")


def days_from_today(days: int):
    return factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=days))


class BoardTermFactory(DjangoModelFactory):
    """A current term by default (started 200 days ago, ends in 500 days)."""

    class Meta:
        model = BoardTerm

    jass = factory.SubFactory(JassFactory)
    starts_on = days_from_today(-200)
    ends_on = days_from_today(500)


class BoardMemberFactory(DjangoModelFactory):
    class Meta:
        model = BoardMember

    term = factory.SubFactory(BoardTermFactory)
    role = BoardRole.PRESIDENT
    full_name = "Doris Alvarado Rojas"
    dni = factory.Sequence(lambda n: f"{40000000 + n}")


def atm_ordinance_evidence(*, district_id: str, uploaded_by: User):
    """The ATM's creating ordinance (2015-M11, requirement 1) presented as a small PDF: the
    evidence item the access, fuzz and cache tests act on."""
    from django.core.files.base import ContentFile

    from incentives.models import Evidence, Goal

    item = Evidence(
        district_id=district_id,
        requirement=Goal.objects.get(code="2015-M11").requirements.get(code="1"),
        doc_type="ordinance_atm",
        number="O.M. 012-2015",
        issued_on=dt.date(2015, 6, 18),
        uploaded_by=uploaded_by,
    )
    item.file.save("ordenanza.pdf", ContentFile(b"%PDF-1.4 ordenanza"), save=True)
    return item


class PopulatedCentreFactory(DjangoModelFactory):
    """A rural centro poblado of Cascas; its code is the district's ubigeo and 4 digits."""

    class Meta:
        model = "communities.PopulatedCentre"

    district_id = "131101"
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.district_id}{(n % 9999) + 1:04d}")
    name = factory.Sequence(lambda n: f"Caserío {n}")
    area = "rural"
    households = 40
    population = 150


class CentreServiceFactory(DjangoModelFactory):
    class Meta:
        model = "communities.CentreService"

    centre = factory.SubFactory(PopulatedCentreFactory)
    jass = factory.SubFactory(
        JassFactory, district_id=factory.SelfAttribute("..centre.district_id")
    )
    households_served = 30


class VisitFactory(DjangoModelFactory):
    """A valid visit of a Cascas JASS, three days ago, by one of its staff (written directly:
    tests of the visit rules go through visits.services)."""

    class Meta:
        model = "visits.Visit"

    jass = factory.SubFactory(JassFactory)
    date = days_from_today(-3)
    staff = factory.SubFactory(UserFactory, district_id=factory.SelfAttribute("..jass.district_id"))
    kind = "supervision"


class ServiceAssessmentFactory(DjangoModelFactory):
    """A service assessment of one of the visited JASS's systems: all in good condition,
    24 hours a day (written directly: tests of its rules go through service_grades.services)."""

    class Meta:
        model = "service_grades.ServiceAssessment"

    visit = factory.SubFactory(VisitFactory)
    water_system = factory.SubFactory(
        WaterSystemFactory, jass=factory.SelfAttribute("..visit.jass")
    )
    source_intake = conduction = storage = distribution = "good"
    treatment = "not_applicable"
    hours_dry = hours_rainy = 24
    created_by = factory.SelfAttribute("visit.staff")
