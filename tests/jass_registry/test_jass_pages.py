import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jass_registry.models import ChangeRecord, Jass
from tests.factories import BoardMemberFactory, BoardTermFactory, JassFactory

CASCAS = "131101"


def form_data(**overrides):
    data = {
        "name": "JASS Santa Rosa de Cascas",
        "kind": "jass",
        "communities": "Santa Rosa, El Alto",
        "households": "85",
        "registry_number": "015-2024",
        "recognition_resolution": "R.A. N.° 120-2024-MDC",
        "recognized_on": "2024-05-17",
        "statute_approved": "on",
        "associates": "85",
        "monthly_fee": "2.50",
        "status": "active",
        "latitude": "-7.479444",
        "longitude": "-78.819722",
    }
    data.update(overrides)
    return data


def test_staff_register_a_jass_and_the_history_names_them(client, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("jass_registry:create", args=[CASCAS]), form_data())
    jass = Jass.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "jass_registry:detail", args=[jass.pk]
    )
    assert jass.district_id == CASCAS and jass.name_search == "jass santa rosa de cascas"
    record = ChangeRecord.objects.get()
    assert (record.action, record.user) == ("created", staff_a)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("recognized_on", "2999-01-01", "no puede ser posterior a hoy"),
        ("associates", "-1", "mayor o igual a 0"),
        ("monthly_fee", "-0.50", "mayor o igual a 0"),
        ("monthly_fee", "2.555", "2 dígitos decimales"),
        ("latitude", "40.7", "dentro del Perú"),
        ("longitude", "-60.0", "dentro del Perú"),
        ("name", "", "Este campo es requerido"),
        ("kind", "club", "Escoja una opción válida"),
    ],
)
def test_bad_input_is_explained_in_spanish_and_nothing_is_written(
    client, staff_a, field, value, message
):
    client.force_login(staff_a)
    response = client.post(
        reverse("jass_registry:create", args=[CASCAS]), form_data(**{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Jass.objects.exists() and not ChangeRecord.objects.exists()


def test_a_registry_number_is_unique_within_the_district_only(client, staff_a):
    JassFactory(district_id=CASCAS, registry_number="015-2024")
    JassFactory(district_id="131102", registry_number="016-2024")
    client.force_login(staff_a)
    response = client.post(reverse("jass_registry:create", args=[CASCAS]), form_data())
    assert "Ya existe una organización con este N.° de inscripción" in response.content.decode()
    assert response.context["form"].errors["registry_number"]
    response = client.post(
        reverse("jass_registry:create", args=[CASCAS]), form_data(registry_number="016-2024")
    )
    assert response.status_code == 302


def test_a_similar_name_asks_for_confirmation_before_saving(client, staff_a):
    JassFactory(district_id=CASCAS, name="Jass Santa Rosa", registry_number="")
    client.force_login(staff_a)
    url = reverse("jass_registry:create", args=[CASCAS])
    response = client.post(url, form_data(name="SANTA ROSA", registry_number="020-2024"))
    assert "nombre parecido" in response.content.decode()
    assert Jass.objects.count() == 1
    response = client.post(
        url, form_data(name="SANTA ROSA", registry_number="020-2024", confirm_similar="on")
    )
    assert response.status_code == 302 and Jass.objects.count() == 2


def test_staff_edit_a_jass_and_the_change_is_recorded(client, staff_a):
    jass = JassFactory(district_id=CASCAS, associates=50)
    client.force_login(staff_a)
    response = client.post(
        reverse("jass_registry:edit", args=[jass.pk]),
        form_data(name=jass.name, registry_number=jass.registry_number, associates="60"),
    )
    assert response.status_code == 302
    record = ChangeRecord.objects.get(action="updated")
    assert record.changes["associates"] == [50, 60]


def test_dissolving_asks_first_and_keeps_the_history(client, staff_a):
    jass = JassFactory(district_id=CASCAS)
    client.force_login(staff_a)
    url = reverse("jass_registry:dissolve", args=[jass.pk])
    page = client.get(url).content.decode()
    assert "Confirmo que la organización se disuelve" in page
    response = client.post(url, {"reason": "Acta de asamblea 2026"})
    assert response.status_code == 200  # confirmation box not ticked
    jass.refresh_from_db()
    assert jass.status == "active"
    client.post(url, {"reason": "Acta de asamblea 2026", "confirm": "on"})
    jass.refresh_from_db()
    assert jass.status == "dissolved"
    assert Jass.objects.filter(pk=jass.pk).exists()
    assert (
        ChangeRecord.objects.get(action="dissolved").changes["reason"][1] == "Acta de asamblea 2026"
    )


def test_the_detail_shows_signals_with_their_reason(client, staff_a):
    jass = JassFactory(district_id=CASCAS)
    client.force_login(staff_a)
    page = client.get(reverse("jass_registry:detail", args=[jass.pk])).content.decode()
    assert "Sin consejo directivo registrado" in page
    assert "No hay ningún periodo del consejo directivo registrado" in page


def test_dni_is_shown_to_own_staff_and_masked_for_reviewers(client, staff_a, reviewer):
    import datetime as dt

    from jass_registry.services import board_term_start

    jass = JassFactory(district_id=CASCAS)
    board_term_start(
        user=staff_a,
        jass=jass,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31),
        members=[
            {
                "role": "president",
                "full_name": "Doris Alvarado",
                "dni": "41234567",
                "phone": "987654321",
            },
            {"role": "treasurer", "full_name": "Elena Cruz", "dni": "41234569"},
        ],
    )
    url = reverse("jass_registry:detail", args=[jass.pk])
    client.force_login(staff_a)
    own = client.get(url).content.decode()
    assert "41234567" in own and "987654321" in own
    client.force_login(reviewer)
    other = client.get(url).content.decode()
    assert "Doris Alvarado" in other
    assert "41234567" not in other and "987654321" not in other
    assert "••••••67" in other  # the history shows that a DNI was recorded, masked


def test_the_list_searches_without_accents_and_filters(client, staff_a):
    JassFactory(district_id=CASCAS, name="JASS Ñahuinpuquio Alto", communities="Shirán")
    JassFactory(district_id=CASCAS, name="JASS Casmiche", status="inactive")
    JassFactory(district_id="131102", name="JASS Ñahui de Lucma")
    client.force_login(staff_a)
    url = reverse("jass_registry:list", args=[CASCAS])
    names = lambda r: [j.name for j in r.context["page"]]  # noqa: E731
    assert names(client.get(url, {"q": "nahuinpuquio"})) == ["JASS Ñahuinpuquio Alto"]
    assert names(client.get(url, {"community": "SHIRAN"})) == ["JASS Ñahuinpuquio Alto"]
    assert names(client.get(url, {"status": "inactive"})) == ["JASS Casmiche"]
    assert names(client.get(url, {"signal": "board_missing", "status": "active"})) == [
        "JASS Ñahuinpuquio Alto"
    ]
    assert names(client.get(url, {"ordering": "-associates"}))


def test_the_list_shows_risk_badges(client, staff_a):
    JassFactory(district_id=CASCAS)
    client.force_login(staff_a)
    page = client.get(reverse("jass_registry:list", args=[CASCAS])).content.decode()
    assert 'class="badge"' in page and "Sin consejo directivo registrado" in page


def test_the_export_has_the_filtered_rows_in_csv_and_xlsx(client, reviewer):
    JassFactory(district_id=CASCAS, name="JASS Uno", monthly_fee="2.50")
    JassFactory(district_id=CASCAS, name="JASS Dos", status="inactive")
    client.force_login(reviewer)
    response = client.get(
        reverse("jass_registry:export", args=[CASCAS, "csv"]), {"status": "active"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][1] == "Nombre" and [r[1] for r in rows[1:]] == ["JASS Uno"]
    response = client.get(reverse("jass_registry:export", args=[CASCAS, "xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response))).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][1] == "Nombre" and {v[1] for v in values[1:]} == {"JASS Uno", "JASS Dos"}


def test_reviewers_read_but_do_not_write(client, reviewer, staff_a):
    jass = JassFactory(district_id=CASCAS)
    client.force_login(reviewer)
    assert client.get(reverse("jass_registry:list", args=[CASCAS])).status_code == 200
    assert client.get(reverse("jass_registry:detail", args=[jass.pk])).status_code == 200
    assert (
        client.post(reverse("jass_registry:create", args=[CASCAS]), form_data()).status_code == 403
    )
    assert (
        client.post(reverse("jass_registry:edit", args=[jass.pk]), form_data()).status_code == 403
    )
    assert not Jass.objects.exclude(pk=jass.pk).exists()


def test_staff_of_another_district_get_404_and_change_nothing(client, staff_b):
    jass = JassFactory(district_id=CASCAS, name="JASS Intacta")
    client.force_login(staff_b)
    for name in ["detail", "edit", "dissolve", "system_create", "board_start"]:
        assert client.get(reverse(f"jass_registry:{name}", args=[jass.pk])).status_code == 404
    assert (
        client.post(reverse("jass_registry:edit", args=[jass.pk]), form_data()).status_code == 404
    )
    assert (
        client.post(
            reverse("jass_registry:dissolve", args=[jass.pk]), {"reason": "x", "confirm": "on"}
        ).status_code
        == 404
    )
    jass.refresh_from_db()
    assert (jass.name, jass.status) == ("JASS Intacta", "active")
    assert client.get(reverse("jass_registry:list", args=[CASCAS])).status_code == 404


def test_start_a_board_of_five_from_the_page(client, staff_a):
    jass = JassFactory(district_id=CASCAS)
    client.force_login(staff_a)
    url = reverse("jass_registry:board_start", args=[jass.pk])
    page = client.get(url).content.decode()
    assert page.count('name="members-') > 20
    data = {
        "starts_on": "2026-01-15",
        "ends_on": "2028-01-14",
        "members-TOTAL_FORMS": "5",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "12",
    }
    people = [
        ("president", "Doris Alvarado", "41234567"),
        ("secretary", "Teodoro Paredes", "41234568"),
        ("treasurer", "Elena Cruz", "41234569"),
        ("vocal", "Segundo Vera", ""),
        ("fiscal", "Nelly Ramos", "41234570"),
    ]
    for i, (role, name, dni) in enumerate(people):
        data |= {f"members-{i}-role": role, f"members-{i}-full_name": name, f"members-{i}-dni": dni}
    response = client.post(url, data)
    assert response.status_code == 302
    assert jass.board_terms.get().members.count() == 5
    data["members-2-role"] = "vocal"  # no treasurer
    data["starts_on"] = "2026-06-01"
    response = client.post(url, data)
    assert "exactamente un(a) tesorero(a)" in response.content.decode()
    assert jass.board_terms.count() == 1


def test_water_systems_are_added_edited_and_retired(client, staff_a):
    jass = JassFactory(district_id=CASCAS)
    client.force_login(staff_a)
    client.post(
        reverse("jass_registry:system_create", args=[jass.pk]),
        {
            "name": "Sistema Santa Rosa",
            "system_type": "gravity_untreated",
            "chlorination": "drip",
            "condition": "good",
            "built_year": "2010",
        },
    )
    system = jass.water_systems.get()
    client.post(
        reverse("jass_registry:system_edit", args=[system.pk]),
        {
            "name": "Sistema Santa Rosa",
            "system_type": "gravity_treated",
            "chlorination": "drip",
            "condition": "fair",
        },
    )
    system.refresh_from_db()
    assert (system.system_type, system.condition) == ("gravity_treated", "fair")
    response = client.post(
        reverse("jass_registry:system_retire", args=[system.pk]), {"retired_on": "2999-01-01"}
    )
    assert "posterior a hoy" in response.content.decode()
    client.post(
        reverse("jass_registry:system_retire", args=[system.pk]), {"retired_on": "2026-01-01"}
    )
    system.refresh_from_db()
    assert str(system.retired_on) == "2026-01-01"
    assert list(
        ChangeRecord.objects.filter(jass=jass).order_by("id").values_list("action", flat=True)
    ) == ["system_added", "system_updated", "system_retired"]


def test_board_members_do_not_show_dni_in_the_list_page(client, staff_a):
    member = BoardMemberFactory(term=BoardTermFactory(jass=JassFactory(district_id=CASCAS)))
    client.force_login(staff_a)
    page = client.get(reverse("jass_registry:list", args=[CASCAS])).content.decode()
    assert member.dni not in page
