"""The printable acta of a visit."""

from django.urls import reverse

from tests.conftest import CASCAS
from tests.visits.conftest import page_data
from visits.models import Visit


def test_the_acta_has_what_a_signed_record_needs(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    client.post(reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}", page_data(systems))
    visit = Visit.objects.get()
    page = client.get(reverse("visits:acta", args=[visit.pk])).content.decode()
    for text in [
        "Acta de visita",
        jass.name,
        "Comprar hipoclorito",
        "0.80",
        "Presidente(a) de la JASS",
    ]:
        assert text in page
    assert "acta.css" in page  # the A4 layout (@page size: A4) and the signature lines
