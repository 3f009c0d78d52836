"""The goal catalogue: the seeded goals, parameters checked before any run, JSON in and out."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from incentives.catalogue import goal_load, goal_to_dict
from incentives.models import Goal, Requirement


def test_the_goals_are_seeded_as_working_model(db):
    codes = set(Goal.objects.values_list("code", flat=True))
    assert codes == {
        "2015-M11",
        "2015-M40",
        "2016-M35",
        "2016-M42",
        "2017-M35",
        "2017-M41",
        "2019-M5",
        "2026-M5",
    }
    assert all(Goal.objects.values_list("working_model", flat=True))
    assert Goal.objects.get(code="2016-M42").categories == ["D"]


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("jass_visited_ratio", {"min_ratio": "1.5", "from": "2017-01-01"}, "entre 0 y 1"),
        ("jass_visited_ratio", {"min_ratio": "0.5"}, "Falta el parámetro from"),
        ("office_budget", {"year": "2017", "min_amount": 10}, "número entero"),
        ("evidence", {"doc_type": "x", "other": 1}, "no previsto"),
        ("chlorination_ratio", {"min_ratio": "0.3", "min_mg_l": "-1"}, "no negativo"),
        ("magic", {}, "desconocido"),
    ],
)
def test_wrong_parameters_are_refused_before_any_run(db, kind, params, message):
    requirement = Requirement(
        goal=Goal.objects.first(), code="X", title="x", points=1, kind=kind, params=params
    )
    with pytest.raises(ValidationError) as info:
        requirement.full_clean()
    assert message in str(info.value)


def test_a_goal_round_trips_through_json_and_a_bad_table_writes_nothing(db):
    goal = Goal.objects.get(code="2017-M35")
    data = goal_to_dict(goal)
    data["code"] = "2018-M99"
    data["year"] = 2018
    goal_load(data)
    assert Goal.objects.get(code="2018-M99").requirements.count() == 5
    data["code"] = "2019-M1"
    data["requirements"][0]["params"] = {"min_ratio": "7"}
    with pytest.raises(ValidationError):
        goal_load(data)
    assert not Goal.objects.filter(code="2019-M1").exists()


@pytest.mark.parametrize(
    ("in_file", "official", "stored"),
    [(True, True, False), (False, True, False), (True, False, True), (False, False, False)],
)
def test_import_goal_marks_the_official_table_and_otherwise_keeps_the_files_flag(
    db, tmp_path, in_file, official, stored
):
    data = goal_to_dict(Goal.objects.get(code="2017-M35")) | {"working_model": in_file}
    path = tmp_path / "goal.json"
    path.write_text(json.dumps(data, default=str), encoding="utf-8")
    call_command("import_goal", str(path), *(["--official"] if official else []), stdout=StringIO())
    assert Goal.objects.get(code="2017-M35").working_model is stored
