"""GET /api/v1/exports/wpdx.csv: the water systems as WPDx rows (README "Datos abiertos: WPDx y
DHIS2"): the columns, the mapping of a known system, formula safety, who reads which scope, and
a constant number of queries."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from ato.open_data import WPDX_COLUMNS
from jass_registry.models import Condition, SystemType
from service_grades.models import ServiceAssessment
from territory.models import District
from tests.conftest import CASCAS, LUCMA, api_client_for
from tests.factories import JassFactory, WaterSystemFactory
from tests.test_query_counts import count_queries
from visits.models import Visit
from visits.services import visit_record

URL = "/api/v1/exports/wpdx.csv"


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def body_of(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.fixture
def reviewer_api(reviewer):
    return api_client_for(reviewer)


def test_the_header_is_the_wpdx_columns_in_order_without_a_bom(reviewer_api):
    WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    response = reviewer_api.get(URL, {"district": CASCAS})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="wpdx-{CASCAS}.csv"'
    body = body_of(response)
    assert body.splitlines()[0] == ",".join(WPDX_COLUMNS)
    assert WPDX_COLUMNS == (
        "lat_deg",
        "lon_deg",
        "report_date",
        "status_id",
        "water_source",
        "water_tech",
        "management",
        "pay",
        "install_year",
        "clean_country_name",
        "clean_adm1",
        "clean_adm2",
        "clean_adm3",
        "ato_id",
    )


def test_a_known_system_maps_to_its_row(staff_a, reviewer_api):
    jass = JassFactory(
        district_id=CASCAS,
        latitude=Decimal("-7.481234"),
        longitude=Decimal("-78.824321"),
        monthly_fee=Decimal("3.50"),
    )
    system = WaterSystemFactory(
        jass=jass, system_type=SystemType.PUMPED_TREATED, built_year=2012, condition="fair"
    )
    visit_record(
        user=staff_a,
        jass=jass,
        data={"date": dt.date(2026, 1, 5), "kind": "supervision"},
        readings=[{"water_system": system.pk, "point": "last_house", "mg_per_l": "0.60"}],
    )
    [row] = read_csv(reviewer_api.get(URL, {"district": CASCAS}))
    assert row == {
        "lat_deg": "-7.481234",
        "lon_deg": "-78.824321",
        "report_date": "2026-01-05",
        "status_id": "Yes",
        "water_source": "Piped Water",
        "water_tech": "Motorized",
        "management": "Community Management",
        "pay": "Yes",
        "install_year": "2012",
        "clean_country_name": "Peru",
        "clean_adm1": "La Libertad",
        "clean_adm2": "Gran Chimú",
        "clean_adm3": "Cascas",
        "ato_id": f"ATO-WS-{system.pk}",
    }


def test_what_is_not_known_is_blank_or_unknown(reviewer_api):
    jass = JassFactory(district_id=CASCAS, monthly_fee=None)
    system = WaterSystemFactory(jass=jass, system_type=SystemType.GRAVITY_UNTREATED)
    [row] = read_csv(reviewer_api.get(URL, {"district": CASCAS}))
    # No coordinates on its JASS, never visited, read or assessed, no fee recorded.
    assert (row["lat_deg"], row["lon_deg"], row["report_date"]) == ("", "", "")
    assert (row["status_id"], row["pay"], row["install_year"]) == ("Unknown", "Unknown", "")
    assert row["water_tech"] == "Gravity"
    assert row["ato_id"] == f"ATO-WS-{system.pk}"


def test_a_free_service_pays_no_and_a_system_that_does_not_work_is_no(reviewer_api):
    jass = JassFactory(district_id=CASCAS, monthly_fee=Decimal("0"))
    WaterSystemFactory(jass=jass, condition=Condition.NOT_WORKING, system_type=SystemType.OTHER)
    [row] = read_csv(reviewer_api.get(URL, {"district": CASCAS}))
    assert (row["pay"], row["status_id"], row["water_tech"]) == ("No", "No", "Other")


def _assess(staff, system, day, **conditions):
    visit = visit_record(user=staff, jass=system.jass, data={"date": day, "kind": "supervision"})
    fields = {
        "source_intake": "good",
        "conduction": "good",
        "storage": "good",
        "distribution": "good",
        "hours_dry": 24,
        "hours_rainy": 24,
        **conditions,
    }
    return ServiceAssessment.objects.create(
        visit=visit, water_system=system, created_by=staff, **fields
    )


@pytest.mark.parametrize(
    ("conditions", "status"),
    [
        ({}, "Yes"),
        ({"distribution": "not_working"}, "No"),
        ({"source_intake": "not_working"}, "No"),
        ({"hours_dry": 0, "hours_rainy": 0}, "No"),
        # Untreated water still reaches the taps; a dry season alone is not "not working".
        ({"treatment": "not_working"}, "Yes"),
        ({"hours_dry": 0, "hours_rainy": 12}, "Yes"),
    ],
)
def test_the_latest_assessment_decides_whether_the_service_works(
    staff_a, reviewer_api, conditions, status
):
    system = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    _assess(staff_a, system, dt.date(2025, 6, 1), distribution="not_working")
    _assess(staff_a, system, dt.date(2026, 1, 10), **conditions)
    [row] = read_csv(reviewer_api.get(URL, {"district": CASCAS}))
    assert row["status_id"] == status
    assert row["report_date"] == "2026-01-10"


def test_a_voided_visit_s_assessment_does_not_count(staff_a, reviewer_api):
    from visits.services import visit_void

    system = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    assessment = _assess(staff_a, system, dt.date(2026, 1, 10), distribution="not_working")
    visit_void(user=staff_a, visit=assessment.visit, reason="Registrada dos veces")
    [row] = read_csv(reviewer_api.get(URL, {"district": CASCAS}))
    assert (row["status_id"], row["report_date"]) == ("Unknown", "")


def test_retired_systems_and_other_districts_are_left_out(reviewer_api):
    kept = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    WaterSystemFactory(jass=kept.jass, retired_on=dt.date(2025, 1, 1))
    WaterSystemFactory(jass=JassFactory(district_id=LUCMA))
    rows = read_csv(reviewer_api.get(URL, {"district": CASCAS}))
    assert [r["ato_id"] for r in rows] == [f"ATO-WS-{kept.pk}"]


def test_a_department_or_the_country_for_reviewers(reviewer_api):
    cascas = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    lucma = WaterSystemFactory(jass=JassFactory(district_id=LUCMA))
    lima = WaterSystemFactory(jass=JassFactory(district_id="150101"))
    ids = lambda rows: {r["ato_id"] for r in rows}  # noqa: E731
    department = reviewer_api.get(URL, {"department": "13"})
    assert department["Content-Disposition"] == 'attachment; filename="wpdx-13.csv"'
    assert ids(read_csv(department)) == {f"ATO-WS-{cascas.pk}", f"ATO-WS-{lucma.pk}"}
    country = read_csv(reviewer_api.get(URL))
    assert ids(country) == {f"ATO-WS-{s.pk}" for s in (cascas, lucma, lima)}


def test_formulas_in_names_are_neutralised(reviewer_api):
    District.objects.filter(pk=CASCAS).update(name='=HYPERLINK("http://x.test","clic")')
    WaterSystemFactory(
        name="=cmd|' /C calc'!A0", jass=JassFactory(district_id=CASCAS, name="+SUM(A1)")
    )
    body = body_of(reviewer_api.get(URL, {"district": CASCAS}))
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert row["clean_adm3"] == '\'=HYPERLINK("http://x.test","clic")'
    # The system's and the JASS's names are not WPDx columns: they are not in the file at all.
    assert "cmd" not in body and "SUM" not in body
    assert not any(cell.startswith(("=", "+", "@")) for cell in row.values())


def test_staff_read_their_own_district_only(staff_a, staff_b):
    WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    WaterSystemFactory(jass=JassFactory(district_id=LUCMA))
    own = api_client_for(staff_a)
    assert len(read_csv(own.get(URL, {"district": CASCAS}))) == 1
    # Without a parameter: their own district, not the country.
    response = own.get(URL)
    assert response["Content-Disposition"] == f'attachment; filename="wpdx-{CASCAS}.csv"'
    assert len(read_csv(response)) == 1
    other = api_client_for(staff_b)
    assert other.get(URL, {"district": CASCAS}).status_code == 404
    assert other.get(URL, {"district": "999999"}).status_code == 404
    # A department is for reviewers, even the staff's own.
    assert own.get(URL, {"department": "13"}).status_code == 403


def test_someone_without_a_role_reads_nothing(outsider):
    api = api_client_for(outsider)
    assert api.get(URL, {"district": CASCAS}).status_code == 404
    assert api.get(URL, {"department": "13"}).status_code == 403
    assert api.get(URL).status_code == 403
    assert api_client_for(None).get(URL).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"district": "13110"}, "district"),
        ({"district": "13110\x00"}, "district"),
        ({"district": "١٣١١٠١"}, "district"),
        ({"department": "131"}, "department"),
        ({"district": CASCAS, "department": "13"}, "non_field_errors"),
    ],
)
def test_bad_parameters_are_400_in_spanish(reviewer_api, query, field):
    response = reviewer_api.get(URL, query)
    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_department_is_404(reviewer_api):
    assert reviewer_api.get(URL, {"department": "99"}).status_code == 404


def test_a_csv_client_gets_the_csv(reviewer_api):
    WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    response = reviewer_api.get(URL, {"district": CASCAS}, HTTP_ACCEPT="text/csv")
    assert len(read_csv(response)) == 1
    refused = reviewer_api.get(URL, {"district": "x"}, HTTP_ACCEPT="text/csv")
    assert refused.status_code == 400 and "district" in refused.json()


def test_the_page_session_reads_it_too(client, staff_a):
    client.force_login(staff_a)
    WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    assert len(read_csv(client.get(URL, {"district": CASCAS}))) == 1


def test_the_number_of_queries_does_not_grow_with_the_systems(staff_a, reviewer):
    api = api_client_for(reviewer)

    def systems(n):
        for _ in range(n):
            jass = JassFactory(district_id=CASCAS, latitude=Decimal("-7.5"))
            system = WaterSystemFactory(jass=jass)
            _assess(staff_a, system, dt.date(2026, 1, 10))

    systems(1)
    one = count_queries(lambda: api.get(URL, {"department": "13"}))
    systems(30)
    assert Visit.objects.count() == 31
    many = count_queries(lambda: api.get(URL, {"department": "13"}))
    # token and user, the department, the systems (one statement read in chunks)
    assert one == many == 3


def test_the_district_page_links_to_its_csv(client, staff_a):
    WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    client.force_login(staff_a)
    page = client.get(f"/distritos/{CASCAS}/").content.decode()
    link = f"{URL}?district={CASCAS}"
    assert f'href="{link}"' in page
    assert len(read_csv(client.get(link))) == 1


def test_the_reviewers_district_list_links_to_the_open_data(client, reviewer):
    client.force_login(reviewer)
    page = client.get("/distritos/", {"department": "13"}).content.decode()
    assert f'href="{URL}?department=13"' in page
    period = timezone.localdate().strftime("%Y%m")
    assert f"/api/v1/exports/dhis2/datavalues.json?period={period}&amp;department=13" in page
    national = client.get("/distritos/").content.decode()
    assert f'href="{URL}"' in national
    assert client.get(f"/api/v1/exports/dhis2/datavalues.json?period={period}").status_code == 200
