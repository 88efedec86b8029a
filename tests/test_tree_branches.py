"""Planning trees with side branches at every depth from measured hit rates and pass costs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from speclab.trees import best_branches, branch_speedup
from speclab.measured_k import tree_speedups


HITS = [[0.5, 0.6, 0.65], [0.3, 0.45, 0.5]]      # h_{d,j}: depth 1 and depth 2, top 1..3


def test_branches_at_the_first_depth_only_are_the_tree_table():
    costs = [1.0, 1.0, 1.1, 1.3, 1.4]
    table = tree_speedups([0.5, 0.3], 0.05, costs, HITS[0])
    for k, m in [(1, 0), (1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]:
        assert branch_speedup(HITS, 0.05, costs, [m] + [0] * (k - 1)) == pytest.approx(table[k, m], rel=1e-12)


def test_a_hand_computed_branch_at_the_second_depth():
    # k = 2, one runner-up at depth 2: 1 + 0.5 + 0.5*0.3 + 0.5*(0.45 - 0.3) = 1.725 tokens over cost(4) + 2c
    assert branch_speedup(HITS, 0.05, [1.0, 1.0, 1.1, 1.3], [0, 1]) == pytest.approx(1.725 / 1.4)
    # deeper than the table: depth 3 repeats depth 2's row
    assert branch_speedup(HITS, 0.0, [1.0] * 5, [0, 0, 1]) == pytest.approx(
        (1 + 0.5 + 0.15 + 0.045 + 0.15 * 0.15) / 1.0)


def test_flat_passes_pay_for_branches_deeper_than_the_first_and_steep_ones_do_not():
    flat, steep = [1.0] * 7, [1.0, 1.2, 1.35, 1.3, 1.45, 1.6, 1.8]
    speedup, branches = best_branches(HITS, 0.05, flat)
    first_only, _ = best_branches(HITS, 0.05, flat, every_depth=False)
    assert speedup > first_only and any(branches[1:])
    assert best_branches(HITS, 0.05, steep)[0] == pytest.approx(best_branches(HITS, 0.05, steep, every_depth=False)[0])
    assert speedup == pytest.approx(branch_speedup(HITS, 0.05, flat, branches))


@pytest.mark.parametrize("hits,branches,word", [([[0.5, 0.4]], [1], "hits"), ([0.5, 0.6], [1], "hits"),
                                                 ([[1.5]], [0], "hits"), (HITS, [], "branches"),
                                                 (HITS, [3], "branches"), (HITS, [-1], "branches"),
                                                 (HITS, [2, 2, 2], "rows")])
def test_branch_speedup_names_a_bad_argument(hits, branches, word):
    with pytest.raises(ValueError, match=word):
        branch_speedup(hits, 0.05, [1.0] * 5, branches)


def test_the_best_branches_are_the_best_of_every_tree_that_fits():
    rng = np.random.default_rng(3)
    for _ in range(5):
        hits = np.sort(rng.uniform(0, 0.9, size=(3, 4)), axis=1)
        costs = np.concatenate([[1.0], 1.0 + np.cumsum(rng.uniform(0, 0.2, size=6))])
        every = [b for k in range(1, 7) for b in itertools.product(range(4), repeat=k) if 1 + k + sum(b) <= 7]
        brute = max(branch_speedup(hits, 0.04, costs, list(b)) for b in every)
        assert best_branches(hits, 0.04, costs)[0] == pytest.approx(brute, rel=1e-12)
        first = max(branch_speedup(hits, 0.04, costs, list(b)) for b in every if not any(b[1:]))
        assert best_branches(hits, 0.04, costs, every_depth=False)[0] == pytest.approx(first, rel=1e-12)


def test_best_branches_refuses_passes_longer_than_it_plans():
    with pytest.raises(ValueError, match="pass_costs"):
        best_branches(HITS, 0.05, [1.0] * 65)
