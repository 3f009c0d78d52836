"""The visit list page: filters and the export that shares them."""

import datetime as dt

from django.urls import reverse

from tests.conftest import CASCAS
from visits.services import visit_record


def test_the_visit_list_filters_and_exports(client, staff_a, reviewer, jass_with_system):
    jass, _systems = jass_with_system
    visit_record(user=staff_a, jass=jass, data={"date": dt.date(2026, 1, 10), "kind": "training"})
    visit_record(
        user=staff_a, jass=jass, data={"date": dt.date(2026, 5, 10), "kind": "supervision"}
    )
    client.force_login(reviewer)
    url = reverse("visits:list", args=[CASCAS])
    kinds = lambda r: [v.kind for v in r.context["page"]]  # noqa: E731
    assert kinds(client.get(url)) == ["supervision", "training"]
    assert kinds(client.get(url, {"kind": "training"})) == ["training"]
    assert kinds(client.get(url, {"start": "2026-02-01", "end": "2026-12-31"})) == ["supervision"]
    bad = client.get(url, {"start": "2026-12-01", "end": "2026-01-01"})
    assert "debe ser anterior" in bad.content.decode()
    export = client.get(reverse("visits:export", args=[CASCAS, "csv"]), {"kind": "training"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Capacitación" in text and "Supervisión" not in text
