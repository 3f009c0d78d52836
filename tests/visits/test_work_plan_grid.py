"""The work-plan grid (WorkPlanForm): each refused cell names its JASS and month, in the grid's
order; nothing is saved while one cell is wrong, and what was typed is shown back."""

from django.urls import reverse

from tests.conftest import CASCAS
from tests.factories import JassFactory
from visits.models import PlannedVisit, WorkPlan


def test_refused_cells_are_listed_in_grid_order_and_nothing_is_saved(client, staff_a):
    first = JassFactory(district_id=CASCAS, name="JASS Alfa")
    second = JassFactory(district_id=CASCAS, name="JASS Beta")
    client.force_login(staff_a)
    url = reverse("visits:work_plan", args=[CASCAS, 2026])
    response = client.post(
        url,
        {
            f"c-{second.pk}-2": "32",
            f"c-{first.pk}-5": " x ",
            f"c-{first.pk}-1": "3",
            f"c-{first.pk}-3": "-1",
        },
    )
    assert response.status_code == 200
    assert response.context["errors"] == [
        "JASS Alfa, mes 3: «-1» no es un número de 0 a 31.",
        "JASS Alfa, mes 5: «x» no es un número de 0 a 31.",
        "JASS Beta, mes 2: «32» no es un número de 0 a 31.",
    ]
    assert not WorkPlan.objects.exists()
    cells = dict(response.context["rows"][0]["cells"])
    assert (cells[1], cells[5], cells[12]) == ("3", " x ", "")


def test_a_saved_grid_is_shown_and_an_emptied_cell_is_kept_at_zero(client, staff_a):
    jass = JassFactory(district_id=CASCAS)
    client.force_login(staff_a)
    url = reverse("visits:work_plan", args=[CASCAS, 2026])
    assert client.post(url, {f"c-{jass.pk}-1": "2", f"c-{jass.pk}-4": " 0 "}).status_code == 302
    cells = dict(client.get(url).context["rows"][0]["cells"])
    assert (cells[1], cells[4], cells[2]) == (2, "", "")
    assert client.post(url, {}).status_code == 302  # an empty grid empties the plan
    assert list(PlannedVisit.objects.values_list("month", "visits")) == [(1, 0)]
    assert dict(client.get(url).context["rows"][0]["cells"])[1] == ""
