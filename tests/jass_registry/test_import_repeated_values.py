"""The import validates each distinct value of a repeating column once per file (a kind, a
date, a fee): every row carrying a bad value still reports it, with the same Spanish words, and
a good value stays good on every row."""

from jass_registry import importing

CASCAS = "131101"
HEADER = "Nombre,Tipo,Fecha de reconocimiento,Asociados,Cuota familiar,Estado\n"


def preview(rows: list[str]):
    content = (HEADER + "\n".join(rows) + "\n").encode()
    return importing.preview(content=content, filename="j.csv", district_id=CASCAS)


def test_a_bad_value_repeated_is_an_error_of_every_row_that_has_it(db):
    rows = [f"JASS {i},JASS,15/03/2020,40,2.50,Activa" for i in range(6)]
    rows[1] = rows[4] = "JASS Mala {},JASS,2999-01-01,-5,2.50,Activa"
    rows[4] = rows[4].replace("{}", "dos")
    rows[1] = rows[1].replace("{}", "uno")
    result = preview(rows)
    assert [r.line for r in result.error_rows] == [3, 6]
    first, second = (r.errors for r in result.error_rows)
    assert first == second
    assert any(e.startswith("Fecha de reconocimiento:") for e in first)
    assert any(e.startswith("Asociados:") for e in first)
    assert all(r.data["recognized_on"].year == 2020 for r in result.rows if not r.errors)


def test_a_good_value_repeated_is_cleaned_on_every_row(db):
    result = preview([f'JASS {i},comité,2020-03-15,40,"2,50",activo' for i in range(3)])
    assert result.ok
    assert {
        (r.data["kind"], str(r.data["monthly_fee"]), r.data["status"]) for r in result.rows
    } == {("comite", "2.50", "active")}
    assert len({id(r.data) for r in result.rows}) == 3  # each row has its own data
