import csv
import io

from django.urls import reverse

from tests.factories import CategoryFactory, JassFactory


def test_atm_staff_land_on_their_district(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("home"), follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("district", args=["131101"])
    assert "Cascas" in body and "Gran Chimú" in body and "La Libertad" in body


def test_the_district_page_counts_the_registry(client, staff_a):
    JassFactory.create_batch(3, district_id="131101")
    JassFactory(district_id="131101", status="inactive")
    JassFactory(district_id="131102")
    client.force_login(staff_a)
    response = client.get(reverse("district", args=["131101"]))
    assert response.context["counts"] == {"total": 4, "active": 3}


def test_reviewers_land_on_the_list_of_districts(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("district_list")
    assert response.context["page"].paginator.count == 1891


def test_a_user_without_a_role_is_told_so(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "no tiene un rol" in response.content.decode()


def test_atm_staff_asking_for_the_national_list_go_to_their_district(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("district_list"))
    assert response.status_code == 302 and response.url == reverse("district", args=["131101"])
    assert client.get(reverse("district_export")).status_code == 403


def test_reviewers_search_without_accents(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("district_list"), {"q": "nahuimpuquio"})
    assert [d.ubigeo for d in response.context["page"]] == ["090710"]


def test_reviewers_filter_by_department_and_province(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("district_list"), {"department": "13", "province": "1311"})
    assert [d.ubigeo for d in response.context["page"]] == ["131101", "131102", "131103", "131104"]
    provinces = [p.code for p in response.context["provinces"]]
    assert "1311" in provinces and all(code.startswith("13") for code in provinces)


def test_reviewers_filter_by_category_of_a_year(client, reviewer):
    CategoryFactory(district_id="131101", year=2017, category="C")
    CategoryFactory(district_id="131102", year=2017, category="D")
    CategoryFactory(district_id="131102", year=2016, category="C")
    client.force_login(reviewer)
    response = client.get(reverse("district_list"), {"category": "C", "year": "2017"})
    assert [d.ubigeo for d in response.context["page"]] == ["131101"]
    response = client.get(reverse("district_list"), {"category": "C", "year": "2016"})
    assert [d.ubigeo for d in response.context["page"]] == ["131102"]


def test_the_list_is_paginated(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("district_list"), {"page": "2"})
    page = response.context["page"]
    assert page.number == 2 and len(page.object_list) == 50
    assert "Página 2 de 38" in response.content.decode()


def test_the_export_has_the_filtered_rows(client, reviewer):
    JassFactory.create_batch(2, district_id="131101")
    client.force_login(reviewer)
    response = client.get(reverse("district_export"), {"province": "1311"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["Ubigeo", "Distrito"]
    assert [r[0] for r in rows[1:]] == ["131101", "131102", "131103", "131104"]
    assert rows[1][1:4] == ["Cascas", "Gran Chimú", "La Libertad"] and rows[1][5] == "2"


def test_a_bad_filter_shows_an_error_not_a_crash(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("district_list"), {"year": "dos mil"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "Revise los filtros" in response.content.decode()
