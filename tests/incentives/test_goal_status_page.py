"""The district page tells the ATM what is missing to meet a goal."""

import datetime as dt

from django.urls import reverse

from incentives.models import EvaluationRun, Goal
from tests.conftest import CASCAS
from tests.incentives.conftest import compute


def test_the_atm_home_says_what_is_missing(client, scope, staff_a):
    compute(
        EvaluationRun.objects.create(
            goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2026, 11, 20)
        )
    )
    client.force_login(staff_a)
    page = client.get(reverse("district", args=[CASCAS])).content.decode()
    assert (
        "2017-M35" in page and "Lo que falta" in page and "JASS activas visitadas en el año" in page
    )
