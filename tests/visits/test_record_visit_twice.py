"""The web form sent twice (a double tap, a resend after a lost answer) is one visit, as a
phone's send is: the form carries the new visit's uuid from the moment it is shown."""

import re
import uuid

from django.urls import reverse

from tests.conftest import CASCAS
from tests.visits.conftest import page_data
from visits.models import Visit


def _form_uuid(html: str) -> str:
    return re.search(r'name="submission" value="([0-9a-f-]{36})"', html).group(1)


def test_the_same_form_sent_twice_records_one_visit(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    submission = _form_uuid(client.get(url).content.decode())
    first = client.post(url, page_data(systems, submission=submission))
    second = client.post(url, page_data(systems, submission=submission), follow=True)
    visit = Visit.objects.get()
    assert str(visit.uuid) == submission
    assert first.url == reverse("visits:detail", args=[visit.pk])
    assert second.redirect_chain[-1][0] == reverse("visits:detail", args=[visit.pk])
    assert "ya estaba registrada" in second.content.decode()
    assert visit.readings.count() == 2 and visit.agreements.count() == 1


def test_the_same_form_sent_again_with_other_data_is_refused_and_writes_nothing(
    client, staff_a, jass_with_system
):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    submission = str(uuid.uuid4())
    client.post(url, page_data(systems, submission=submission))
    response = client.post(url, page_data(systems, submission=submission, kind="training"))
    assert response.status_code == 200
    assert "ya se envió con otros datos" in response.content.decode()
    assert Visit.objects.count() == 1 and Visit.objects.get().kind == "supervision"


def test_each_new_form_is_a_new_visit(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    for _ in range(2):
        submission = _form_uuid(client.get(url).content.decode())
        client.post(url, page_data(systems, submission=submission))
    assert Visit.objects.count() == 2


def test_a_form_without_its_uuid_still_records_the_visit(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    assert client.post(url, page_data(systems)).status_code == 302
    assert Visit.objects.count() == 1
