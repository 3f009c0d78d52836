"""The same outbox sent twice at the same moment (a retry while the first send is still in
flight, two tabs): one visit, every answer 200 or 201. PostgreSQL only: SQLite serialises
writers, so the race cannot happen there."""

import threading
import uuid as uuid_module

import pytest
from django.core.management import call_command
from django.db import connection

from territory.models import District, Role
from tests.conftest import CASCAS, api_client_for
from tests.factories import AtmOfficeFactory, JassFactory, UserFactory, WaterSystemFactory
from visits import services
from visits.models import Agreement, ChlorineReading, Visit

SENDERS = 8

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cascas_site(postgres):
    if not District.objects.filter(pk=CASCAS).exists():
        call_command("load_territory", verbosity=0)
    AtmOfficeFactory(district_id=CASCAS)
    user = UserFactory(username="campo.cascas", role=Role.ATM_HEAD, district_id=CASCAS)
    jass = JassFactory(district_id=CASCAS)
    return user, jass, WaterSystemFactory(jass=jass)


def payload(jass, system, key):
    return {
        "uuid": key,
        "jass": jass.pk,
        "date": "2026-01-05",
        "kind": "supervision",
        "readings": [
            {"water_system": system.pk, "point": point, "mg_per_l": "0.6"}
            for point in ("reservoir", "first_house", "last_house")
        ],
        "agreements": [
            {"task": "Clorar", "responsible": "Operador", "due_on": "2026-03-01"},
            {"task": "Limpiar", "responsible": "Presidente(a)", "due_on": "2026-03-15"},
        ],
    }


def run_together(count, work):
    """Call work(i) from `count` threads released at the same instant; its results."""
    barrier = threading.Barrier(count, timeout=30)
    results, errors = [None] * count, []

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_the_same_visit_sent_at_once_through_the_api_is_one_row(cascas_site):
    user, jass, system = cascas_site
    key = str(uuid_module.uuid4())
    body = payload(jass, system, key)
    clients = [api_client_for(user) for _ in range(SENDERS)]

    statuses = run_together(
        SENDERS, lambda i: clients[i].post("/api/v1/visits/", body, format="json").status_code
    )

    assert sorted(statuses) == [200] * (SENDERS - 1) + [201]
    assert Visit.objects.filter(uuid=key).count() == 1
    assert ChlorineReading.objects.count() == 3 and Agreement.objects.count() == 2


def test_the_same_visit_received_at_once_by_the_service_is_one_row(cascas_site):
    user, jass, system = cascas_site
    key = uuid_module.uuid4()
    content = {
        "data": {"date": "2026-01-05", "kind": "training"},
        "readings": [{"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.6"}],
    }

    received = run_together(
        SENDERS,
        lambda i: services.visit_receive(user=user, jass=jass, uuid=key, **content),
    )

    assert sum(r.created for r in received) == 1
    assert len({r.visit.pk for r in received}) == 1
    assert Visit.objects.count() == 1 and ChlorineReading.objects.count() == 1


def test_two_different_contents_at_once_store_one_and_answer_409_to_the_other(cascas_site):
    user, jass, system = cascas_site
    key = str(uuid_module.uuid4())
    bodies = [payload(jass, system, key), {**payload(jass, system, key), "findings": "otra"}]
    clients = [api_client_for(user) for _ in range(2)]

    statuses = run_together(
        2, lambda i: clients[i].post("/api/v1/visits/", bodies[i], format="json").status_code
    )

    assert sorted(statuses) == [201, 409]
    assert Visit.objects.count() == 1
