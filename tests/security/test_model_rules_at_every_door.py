"""A rule the model owns (a date not in the future, a term that ends after it starts) is written
once, on the model, and answers with the same Spanish message at the page, the API and the
service: forms and serializers do not repeat it."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from jass_registry.models import BoardTerm
from territory.models import AtmOffice
from tests.conftest import CASCAS, api_client_for
from tests.factories import JassFactory
from tests.territory.test_office import edit_data

FUTURE_DATE = "La fecha no puede ser posterior a hoy."


def test_the_api_refuses_a_term_ending_before_it_starts_with_the_models_message(staff_a):
    jass = JassFactory(district_id=CASCAS)
    body = {
        "jass": jass.pk,
        "starts_on": "2026-01-15",
        "ends_on": "2026-01-15",
        "members": [
            {"role": "president", "full_name": "Doris Alvarado", "dni": "41234567"},
            {"role": "treasurer", "full_name": "Elena Cruz", "dni": "41234569"},
        ],
    }
    response = api_client_for(staff_a).post("/api/v1/board-terms/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"ends_on": ["El fin del periodo debe ser posterior a su inicio."]}
    assert not BoardTerm.objects.exists()


def test_the_office_page_shows_a_future_date_next_to_its_field_and_nothing_else(client, staff_a):
    """The model's validator, not a copy in the form: the date still counts as given, so the
    form no longer adds "Indique el número y la fecha de la ordenanza" when it is in the
    future."""
    client.force_login(staff_a)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    for field in ("ordinance_date", "head_designated_on"):
        response = client.post(
            reverse("territory:office_edit", args=[CASCAS]), edit_data(**{field: tomorrow})
        )
        assert response.status_code == 200
        assert response.context["form"].errors == {field: [FUTURE_DATE]}
    assert not AtmOffice.objects.filter(ordinance_number="O.M. N.° 020-2016-MDC").exists()
