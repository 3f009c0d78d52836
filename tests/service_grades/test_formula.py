"""The formula (service_grades/grading.py): SIASAR's thresholds at their boundaries, the
components' values, and on random assessments a score in [0, 1] whose letter is its grade."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service_grades.grading import (
    WEIGHTS,
    as_score,
    continuity_value,
    grade_of,
    infrastructure_value,
    ratio_value,
    score_milli,
    water_quality_value,
)

from .reference import letter, round_half_up


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("1", "A"),
        ("0.900", "A"),
        ("0.899", "B"),
        ("0.700", "B"),
        ("0.699", "C"),
        ("0.400", "C"),
        ("0.399", "D"),
        ("0", "D"),
    ],
)
def test_thresholds_at_their_boundaries(score, grade):
    assert grade_of(Decimal(score)) == grade


def test_each_subjects_weights_add_up_to_one():
    assert {subject: sum(w.values()) for subject, w in WEIGHTS.items()} == {
        "system": 1,
        "jass": 1,
    }


def test_component_values():
    assert infrastructure_value(["good", "fair", "poor", "not_working", "not_applicable"]) == (
        6,
        12,
    )
    assert continuity_value(12, 24) == (36, 48)
    assert water_quality_value(Decimal("0.49")) == (0, 1)
    assert water_quality_value(Decimal("0.50")) == (1, 1)
    assert water_quality_value(None) == (0, 1)
    assert ratio_value(5, 0) == (0, 1)


def test_a_system_without_safe_water_cannot_reach_b():
    perfect_but_unsafe = {
        "infrastructure": infrastructure_value(["good"] * 5),
        "continuity": continuity_value(24, 24),
        "water_quality": water_quality_value(Decimal("0.30")),
    }
    assert grade_of(as_score(score_milli("system", perfect_but_unsafe))) == "C"


def test_scores_round_half_up_to_thousandths():
    # 0.35 x 11/12 + 0.30 x 47/48 = 0.6145833... -> 0.615
    values = {"infrastructure": (11, 12), "continuity": (47, 48), "water_quality": (0, 1)}
    assert as_score(score_milli("system", values)) == Decimal("0.615")
    # 0.30 x 2/48 = 0.0125 exactly -> 0.013 (half up, not to even)
    values = {"infrastructure": (0, 12), "continuity": (2, 48), "water_quality": (0, 1)}
    assert as_score(score_milli("system", values)) == Decimal("0.013")


CONDITION = st.sampled_from(["good", "fair", "poor", "not_working"])


@given(
    conditions=st.lists(CONDITION, min_size=4, max_size=4),
    treatment=st.sampled_from(["good", "fair", "poor", "not_working", "not_applicable"]),
    dry=st.integers(0, 24),
    rainy=st.integers(0, 24),
    mg=st.one_of(st.none(), st.decimals(min_value=0, max_value=5, places=2)),
)
def test_every_system_score_lies_in_0_1_and_its_letter_is_its_grade(
    conditions, treatment, dry, rainy, mg
):
    values = {
        "infrastructure": infrastructure_value([*conditions, treatment]),
        "continuity": continuity_value(dry, rainy),
        "water_quality": water_quality_value(mg),
    }
    score = as_score(score_milli("system", values))
    exact = sum(Fraction(WEIGHTS["system"][k]) * Fraction(*v) for k, v in values.items())
    assert Decimal(0) <= score <= Decimal(1)
    assert score == round_half_up(exact)
    assert grade_of(score) == letter(score)


@given(
    systems=st.lists(st.integers(0, 1000), min_size=1, max_size=6),
    paid=st.tuples(st.integers(0, 500), st.integers(0, 500)),
    flags=st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()),
)
def test_every_jass_score_lies_in_0_1_and_its_letter_is_its_grade(systems, paid, flags):
    part, whole = sorted(paid)
    values = {
        "systems": (sum(systems), 1000 * len(systems)),
        "associates_paid": ratio_value(part, whole),
        "board_current": (int(flags[0]), 1),
        "board_trained": (int(flags[1]), 1),
        "accounts_reviewed": (int(flags[2]), 1),
        "visited": (int(flags[3]), 1),
    }
    score = as_score(score_milli("jass", values))
    exact = sum(Fraction(WEIGHTS["jass"][k]) * Fraction(*v) for k, v in values.items())
    assert Decimal(0) <= score <= Decimal(1)
    assert score == round_half_up(exact)
    assert grade_of(score) == letter(score)
