import io

from django.core.management import call_command

from common.text import fold
from territory.models import Department, District, Province


def test_it_has_all_of_perus_territory(db):
    assert Department.objects.count() == 25
    assert Province.objects.count() == 196
    assert District.objects.count() == 1891


def test_cascas_is_in_gran_chimu_la_libertad(db):
    cascas = District.objects.with_place().get(pk="131101")
    assert (cascas.name, cascas.province.name, cascas.department.name) == (
        "Cascas",
        "Gran Chimú",
        "La Libertad",
    )
    assert cascas.altitude == 1278


def test_names_keep_their_accents_and_tildes(db):
    assert Department.objects.get(pk="02").name == "Áncash"
    assert District.objects.get(pk="090710").name == "Ñahuimpuquio"


def test_tayacaja_duplicates_are_resolved_to_inei_codes(db):
    assert District.objects.get(pk="090709").name == "Huaribamba"
    assert District.objects.get(pk="090714").name == "Salcabamba"
    assert not District.objects.filter(pk__in=["090708", "090712"]).exists()
    assert District.objects.filter(name="Huaribamba").count() == 1


def test_namesakes_get_no_borrowed_coordinates(db):
    # "Lucma" is also a district in Áncash: the package's extras cannot tell them apart.
    lucma = District.objects.get(pk="131102")
    assert lucma.latitude is None and lucma.altitude is None


def test_every_district_belongs_to_its_code_prefix(db):
    for ubigeo, province, department in District.objects.values_list(
        "ubigeo", "province_id", "department_id"
    ):
        assert ubigeo[:4] == province and ubigeo[:2] == department


def test_loading_again_changes_nothing(db, django_assert_max_num_queries):
    District.objects.filter(pk="131101").update(name="Cascas (mal escrito)")
    call_command("load_territory", stdout=io.StringIO())
    call_command("load_territory", stdout=io.StringIO())
    assert District.objects.count() == 1891
    assert District.objects.get(pk="131101").name == "Cascas"


def test_search_ignores_accents_and_case(db):
    assert list(Department.objects.search("ANCASH").values_list("pk", flat=True)) == ["02"]
    assert list(District.objects.search("ñahuimpuquio").values_list("pk", flat=True)) == ["090710"]
    assert District.objects.search("nahuimpuquio").filter(pk="090710").exists()
    assert District.objects.search("1311").count() == 4


def test_fold_removes_accents_and_case():
    assert fold("  Ñahuimpuquio  San  MARTÍN ") == "nahuimpuquio san martin"


def _spanish_letter(name: str) -> str:
    first = name[0].lower()
    return "n~" if first == "ñ" else fold(first)


def test_postgres_sorts_names_in_spanish_order(postgres):
    departments = list(Department.objects.values_list("name", flat=True))
    assert departments.index("Áncash") < departments.index("Arequipa")
    districts = list(District.objects.values_list("name", flat=True))
    letters = [_spanish_letter(n) for n in districts]
    # Accented initials sort with their letter, and Ñ comes after every N and before O.
    assert letters == sorted(letters)
    assert "n~" in letters
