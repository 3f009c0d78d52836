import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from territory.models import AtmBudget, AtmOffice

CASCAS = "131101"


def edit_data(**overrides):
    data = {
        "ordinance_number": "O.M. N.° 020-2016-MDC",
        "ordinance_date": "2016-03-01",
        "in_rof": "on",
        "head_name": "Rosa Quispe Vásquez",
        "head_resolution": "R.A. 10-2016",
        "head_designated_on": "2016-03-10",
        "address": "",
        "email": "",
        "budgets-TOTAL_FORMS": "1",
        "budgets-INITIAL_FORMS": "0",
        "budgets-MIN_NUM_FORMS": "0",
        "budgets-MAX_NUM_FORMS": "30",
        "budgets-0-year": "2017",
        "budgets-0-amount": "36000.50",
        "budgets-0-description": "Operación del ATM",
    }
    data.update(overrides)
    return data


def test_own_staff_see_the_office(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("territory:office", args=[CASCAS]))
    assert response.status_code == 200
    assert "O.M. N.° 012-2015-MDC" in response.content.decode()


def test_own_staff_edit_the_office_and_its_budget(client, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("territory:office_edit", args=[CASCAS]), edit_data())
    assert response.status_code == 302
    office = AtmOffice.objects.get(pk=CASCAS)
    assert office.ordinance_number == "O.M. N.° 020-2016-MDC" and office.in_rof
    assert AtmBudget.objects.get(office=office).amount == pytest.approx(36000.50)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ordinance_date", "2999-01-01", "no puede ser posterior a hoy"),
        ("budgets-0-amount", "-5", "mayor o igual a 0"),
        ("budgets-0-year", "2999", "no puede ser posterior"),
        ("email", "no-es-correo", "correo electrónico válida"),
    ],
)
def test_bad_input_is_explained_in_spanish_and_nothing_is_written(
    client, staff_a, field, value, message
):
    client.force_login(staff_a)
    before = AtmOffice.objects.get(pk=CASCAS).ordinance_number
    response = client.post(
        reverse("territory:office_edit", args=[CASCAS]), edit_data(**{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert AtmOffice.objects.get(pk=CASCAS).ordinance_number == before
    assert not AtmBudget.objects.exists()


def test_ordinance_number_without_date_is_refused(client, staff_a):
    client.force_login(staff_a)
    response = client.post(
        reverse("territory:office_edit", args=[CASCAS]), edit_data(ordinance_date="")
    )
    assert "número y la fecha de la ordenanza" in response.content.decode()


def test_staff_of_another_district_get_404_and_change_nothing(client, staff_a, staff_b):
    client.force_login(staff_b)
    assert client.get(reverse("territory:office", args=[CASCAS])).status_code == 404
    assert client.get(reverse("territory:office_edit", args=[CASCAS])).status_code == 404
    response = client.post(reverse("territory:office_edit", args=[CASCAS]), edit_data())
    assert response.status_code == 404
    assert AtmOffice.objects.get(pk=CASCAS).ordinance_number == "O.M. N.° 012-2015-MDC"


def test_reviewers_read_but_do_not_edit(client, staff_a, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("territory:office", args=[CASCAS])).status_code == 200
    response = client.post(reverse("territory:office_edit", args=[CASCAS]), edit_data())
    assert response.status_code == 403
    assert AtmOffice.objects.get(pk=CASCAS).ordinance_number == "O.M. N.° 012-2015-MDC"


def test_anonymous_users_are_sent_to_the_login_page(client, staff_a):
    response = client.get(reverse("territory:office", args=[CASCAS]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_staff_of_a_district_without_office_data_can_create_it(client, db):
    from tests.factories import UserFactory

    user = UserFactory(district_id="131103")
    client.force_login(user)
    assert client.get(reverse("territory:office", args=["131103"])).status_code == 200
    response = client.post(reverse("territory:office_edit", args=["131103"]), edit_data())
    assert response.status_code == 302
    assert AtmOffice.objects.get(pk="131103").is_created


def test_a_budget_line_is_never_deleted_from_the_office_page(client, staff_a):
    """The goal engine reads past years' budgets: a line is corrected, never deleted."""
    office = AtmOffice.objects.get(pk=CASCAS)
    line = AtmBudget.objects.create(office=office, year=2016, amount=1000)
    client.force_login(staff_a)
    data = edit_data(
        **{
            "budgets-TOTAL_FORMS": "1",
            "budgets-INITIAL_FORMS": "1",
            "budgets-0-id": str(line.pk),
            "budgets-0-year": "2016",
            "budgets-0-amount": "1000",
            "budgets-0-DELETE": "on",
        }
    )
    response = client.post(reverse("territory:office_edit", args=[CASCAS]), data)
    assert response.status_code == 302
    assert AtmBudget.objects.get(pk=line.pk).amount == 1000


def test_today_is_not_in_the_future(client, staff_a):
    client.force_login(staff_a)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("territory:office_edit", args=[CASCAS]),
        edit_data(ordinance_date=today, head_designated_on=str(dt.date(2016, 1, 1))),
    )
    assert response.status_code == 302
