"""The district's activity page (ato/activity.py): who changed what, from the history records
the apps keep, newest first; the ATM head and the reviewers read it, DNI masked for reviewers."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from communities.models import CentreChange
from communities.services import centre_update
from incentives.models import EvidenceEvent
from incentives.services import evidence_review
from jass_registry.models import ChangeRecord
from jass_registry.services import board_term_start, jass_update
from territory.models import Role
from tests.conftest import CASCAS, LUCMA
from tests.factories import (
    JassFactory,
    PopulatedCentreFactory,
    UserFactory,
    VisitFactory,
    atm_ordinance_evidence,
)

URL = f"/distritos/{CASCAS}/actividad/"
DNI = "41234567"


@pytest.fixture
def cascas_activity(staff_a, reviewer):
    """One write of each kind in Cascas, and a JASS edit in Lucma that must never show."""
    jass = JassFactory(district_id=CASCAS, name="JASS Santa Rosa")
    jass_update(user=staff_a, jass=jass, data={"associates": 99})
    board_term_start(
        user=staff_a,
        jass=jass,
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        members=[
            {"role": "president", "full_name": "Doris Alvarado", "dni": DNI, "phone": ""},
            {"role": "treasurer", "full_name": "Juan Rojas", "dni": "", "phone": ""},
        ],
    )
    VisitFactory(jass=jass, staff=staff_a)
    centre = PopulatedCentreFactory(district_id=CASCAS, name="Chuquimango")
    centre_update(user=staff_a, centre=centre, data={"households": 77})
    evidence = atm_ordinance_evidence(district_id=CASCAS, uploaded_by=staff_a)
    EvidenceEvent.objects.create(evidence=evidence, status="submitted", user=staff_a)
    evidence_review(user=reviewer, evidence=evidence, approve=False, comment="Falta la firma")
    lucma = JassFactory(district_id=LUCMA, name="JASS de Lucma")
    jass_update(user=staff_a, jass=lucma, data={"associates": 5})
    return jass


def test_the_head_sees_every_kind_of_write_newest_first(client, staff_a, cascas_activity):
    client.force_login(staff_a)
    response = client.get(URL)
    assert response.status_code == 200
    entries = response.context["entries"]
    actions = [e.action for e in entries]
    assert "Evidencia observada" in actions
    assert "Evidencia presentada" in actions
    assert "Visita registrada" in actions
    assert "Nuevo consejo directivo" in actions
    assert "Modificación" in actions  # the JASS and the centre edits
    assert {e.kind for e in entries} == {"jass", "visits", "centres", "evidence"}
    times = [e.sort_key for e in entries]
    assert times == sorted(times, reverse=True)
    assert "JASS de Lucma" not in response.content.decode()
    # The head is staff of the district: the DNI is shown in full.
    assert DNI in response.content.decode()
    assert "Falta la firma" in response.content.decode()


def test_the_reviewer_reads_it_with_dni_masked(client, reviewer, cascas_activity):
    client.force_login(reviewer)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nuevo consejo directivo" in body
    assert DNI not in body
    assert "••••••67" in body


def test_other_staff_of_the_district_are_refused_and_other_districts_404(
    client, staff_a, staff_b, cascas_activity
):
    colleague = UserFactory(username="tecnico.cascas", role=Role.ATM_STAFF, district_id=CASCAS)
    client.force_login(colleague)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "exportar.csv").status_code == 403
    client.force_login(staff_b)
    assert client.get(URL).status_code == 404
    assert client.get(URL + "exportar.csv").status_code == 404


def test_filters_by_kind_user_dates_and_search(client, staff_a, reviewer, cascas_activity):
    client.force_login(staff_a)

    def actions(**params):
        return [e.action for e in client.get(URL, params).context["entries"]]

    assert set(actions(kind="evidence")) == {"Evidencia presentada", "Evidencia observada"}
    assert actions(kind="visits") == ["Visita registrada"]
    assert set(actions(kind="centres")) == {"Modificación"}
    assert actions(user=reviewer.pk) == ["Evidencia observada"]
    assert "Chuquimango" in client.get(URL, {"q": "chuquimango"}).content.decode()
    assert set(actions(q="chuquimango")) == {"Modificación"}
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert actions(start=tomorrow.isoformat()) == []
    assert len(actions(end=timezone.localdate().isoformat())) >= 6


def test_odd_filters_are_ignored_never_a_500(client, staff_a, cascas_activity):
    client.force_login(staff_a)
    everything = len(client.get(URL).context["entries"])
    for params in (
        {"start": "2026-13-45"},
        {"start": "2026-05-01", "end": "2026-01-01"},
        {"user": "999999"},
        {"user": "abc"},
        {"kind": "payroll"},
        {"q": "x" * 500},
        {"antes": "not-a-cursor"},
        {"antes": "2026-01-01T00:00:00~9~1"},
        {"antes": "2026-01-01T00:00:00~1~-5"},
        {"antes": "2026-01-01T00:00:00~1~99999999999999999999999"},
    ):
        response = client.get(URL, params)
        assert response.status_code == 200, params
        assert len(response.context["entries"]) == everything, params


def test_pages_follow_the_cursor_without_gaps_or_repeats(client, staff_a):
    jass = JassFactory(district_id=CASCAS)
    # 120 records, many at the very same instant, across two sources.
    now = timezone.now()
    ChangeRecord.objects.bulk_create(
        ChangeRecord(jass=jass, action="updated", target=f"r{i}", user=staff_a) for i in range(70)
    )
    centre = PopulatedCentreFactory(district_id=CASCAS)
    CentreChange.objects.bulk_create(
        CentreChange(centre=centre, action="updated", target=f"c{i}", user=staff_a)
        for i in range(50)
    )
    ChangeRecord.objects.update(at=now)
    CentreChange.objects.filter(target__in=["c1", "c2", "c3"]).update(at=now)
    client.force_login(staff_a)
    seen, url, pages = [], URL, 0
    while url:
        response = client.get(url if url.startswith("/") else URL + url)
        seen += [(e.kind, e.pk) for e in response.context["entries"]]
        url = response.context["next_url"]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 120


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_carries_the_filtered_rows(client, staff_a, reviewer, cascas_activity, fmt):
    client.force_login(reviewer)
    response = client.get(f"{URL}exportar.{fmt}", {"kind": "jass"})
    assert response.status_code == 200
    if fmt == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
    else:
        sheet = load_workbook(io.BytesIO(b"".join(response)), read_only=True).active
        rows = [
            [str(c) if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)
        ]
    assert rows[0] == ["Fecha y hora", "Usuario", "Objeto", "Tipo", "Acción", "Cambios"]
    body = "\n".join(",".join(r) for r in rows[1:])
    assert "Nuevo consejo directivo" in body
    assert "Visita registrada" not in body  # kind=jass
    assert DNI not in body  # the reviewer's export is masked too
    assert "JASS de Lucma" not in body


def test_a_formula_in_a_name_is_exported_as_text(client, staff_a):
    jass = JassFactory(district_id=CASCAS, name="=HYPERLINK(1)")
    jass_update(user=staff_a, jass=jass, data={"associates": 3})
    client.force_login(staff_a)
    text = b"".join(client.get(URL + "exportar.csv").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_unfiltered_export_merges_every_source(client, staff_a, cascas_activity):
    client.force_login(staff_a)
    text = b"".join(client.get(URL + "exportar.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert {r[4] for r in rows} >= {
        "Visita registrada",
        "Evidencia observada",
        "Evidencia presentada",
        "Nuevo consejo directivo",
        "Modificación",
    }
    assert any("Chuquimango" in r[2] for r in rows)
    assert DNI in text  # the head is the district's staff
    stamps = [r[0] for r in rows]
    assert stamps == sorted(stamps, reverse=True)


def test_the_district_page_links_it_for_the_head_and_reviewers_only(client, staff_a, reviewer):
    link = f'href="{URL}"'
    client.force_login(staff_a)
    assert link in client.get(f"/distritos/{CASCAS}/").content.decode()
    client.force_login(reviewer)
    assert link in client.get(f"/distritos/{CASCAS}/").content.decode()
    colleague = UserFactory(username="tecnico.cascas", role=Role.ATM_STAFF, district_id=CASCAS)
    client.force_login(colleague)
    assert link not in client.get(f"/distritos/{CASCAS}/").content.decode()
