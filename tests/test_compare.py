"""Policy comparison: every policy runs with the same pair, seeds and costs as `sl.simulate` would."""

import pytest

import speclab as sl
from speclab.compare import compare_policies


def test_each_entry_equals_a_direct_simulation():
    pair = sl.SyntheticPair(agreement=0.7, seed=0)
    cost = sl.CostModel(draft_ms=5, target_ms=50)
    policies = {"K = 2": sl.FixedK(2), "adaptive": sl.AdaptiveK()}
    comparison = compare_policies(pair, policies, num_tokens=50, trials=200, cost=cost, seed=3)
    for name, speedup in zip(comparison.names, comparison.speedup):
        direct = sl.simulate(pair, num_tokens=50, trials=200, cost=cost, seed=3, policy=policies[name])
        assert speedup == direct.speedup
    assert comparison.best() in policies
    assert comparison.table().splitlines()[0].startswith("K = 2")


def test_needs_a_policy():
    with pytest.raises(ValueError, match="policies"):
        compare_policies(sl.SyntheticPair(), {})
