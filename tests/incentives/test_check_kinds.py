"""Every check kind has its parameters (`checks.SPECS`), its aggregate query (`engine.MEASURES`)
and its one-district rule (`reference.RULES`): adding a kind means one entry in each."""

from incentives import engine, reference
from incentives.checks import SPECS, CheckKind


def test_every_check_kind_has_a_spec_a_measure_and_a_reference_rule():
    kinds = set(CheckKind.values)
    assert set(SPECS) == kinds
    assert set(engine.MEASURES) == kinds
    assert set(reference.RULES) == kinds
