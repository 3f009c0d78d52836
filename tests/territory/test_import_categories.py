import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from territory.models import DistrictCategory


def write(tmp_path, text: str):
    path = tmp_path / "categorias.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_imports_a_good_file(db, tmp_path):
    path = write(tmp_path, "ubigeo,year,category\n131101,2017,C\n131102,2017,d\n10101,2017,B\n")
    call_command("import_categories", path, stdout=io.StringIO())
    assert dict(DistrictCategory.objects.values_list("district_id", "category")) == {
        "131101": "C",
        "131102": "D",
        "010101": "B",  # the leading zero a spreadsheet dropped is restored
    }


def test_one_bad_row_writes_nothing_and_names_each_bad_row(db, tmp_path, capsys):
    path = write(
        tmp_path,
        "ubigeo,year,category\n131101,2017,C\n999999,2017,C\n131102,dos mil,D\n131103,2017,\n",
    )
    with pytest.raises(CommandError, match="no se guardó nada"):
        call_command("import_categories", path)
    err = capsys.readouterr().err
    assert "Fila 3" in err and "999999 no es un distrito" in err
    assert "Fila 4" in err and "año" in err
    assert "Fila 5" in err and "tipo de municipalidad" in err
    assert "Fila 2" not in err
    assert not DistrictCategory.objects.exists()


def test_a_district_twice_in_the_same_year_is_an_error(db, tmp_path, capsys):
    path = write(tmp_path, "ubigeo,year,category\n131101,2017,C\n131101,2017,D\n")
    with pytest.raises(CommandError):
        call_command("import_categories", path)
    assert "Fila 3" in capsys.readouterr().err
    assert not DistrictCategory.objects.exists()


def test_reimporting_updates_instead_of_duplicating(db, tmp_path):
    call_command(
        "import_categories",
        write(tmp_path, "ubigeo,year,category\n131101,2017,C\n"),
        stdout=io.StringIO(),
    )
    call_command(
        "import_categories",
        write(tmp_path, "ubigeo,year,category\n131101,2017,B\n131101,2016,C\n"),
        stdout=io.StringIO(),
    )
    assert DistrictCategory.objects.count() == 2
    assert DistrictCategory.objects.get(district_id="131101", year=2017).category == "B"


def test_a_file_without_the_header_is_refused(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_categories", write(tmp_path, "131101,2017,C\n"))
    assert not DistrictCategory.objects.exists()


def test_admin_imports_from_an_uploaded_file(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:territory_districtcategory_import")
    assert admin_client.get(url).status_code == 200
    bad = SimpleUploadedFile("c.csv", b"ubigeo,year,category\n131101,2017,C\n12,2017,C\n")
    response = admin_client.post(url, {"file": bad})
    assert "Fila 3" in response.content.decode()
    assert not DistrictCategory.objects.exists()
    good = SimpleUploadedFile("c.csv", b"ubigeo,year,category\n131101,2017,C\n")
    response = admin_client.post(url, {"file": good})
    assert response.status_code == 302
    assert DistrictCategory.objects.get().category == "C"
