"""Hostile inputs to the trees, bursty, interleaving, temperature, typical, roofline and measured-k code.

Each call either gives one ValueError/TypeError that names the argument, before anything large is
allocated (tracemalloc shows the refusal allocated next to nothing), or the right answer.
"""

import math
import time
import tracemalloc

import numpy as np
import pytest

import speclab as sl
from speclab import limits
from speclab import roofline as rl
from speclab.bursty import bursty_alphas, simulate_bursty
from speclab.interleave import abba_order, run_interleaved, spread
from speclab.measured_k import alternatives_for, best_plan, tree_speedups
from speclab.rounds import RoundRecord
from speclab.temperature import alpha_at_temperatures, tempered
from speclab.trees import (TreeShape, best_tree, best_tree_tokens, expected_accepted, sibling_rates, simulate_tree,
                           simulate_tree_iid)
from speclab.typical import total_variation

PAIR = sl.SyntheticPair(vocab_size=20, agreement=0.7, seed=0)
CHAIN = TreeShape.chain(3)
P2 = np.array([0.5, 0.5])


def _refused(call, words, exception=ValueError):
    """call() raises `exception` naming `words` in one line, fast, allocating under 50 MB."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(exception) as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert words in str(info.value), str(info.value)
    assert "\n" not in str(info.value)
    assert peak < 50 * 2**20 and time.perf_counter() - start < 5.0


@pytest.mark.parametrize("call, words", [
    (lambda: TreeShape.chain(10**9), "k must be a whole number >= 0 and <= 4,096"),
    (lambda: TreeShape.full([2] * 40), "branching"),
    (lambda: TreeShape(tuple(range(-1, 10**5))), "parents must describe at most 4,096 nodes"),
    (lambda: best_tree(20000, 0.5), "n_nodes must be a whole number >= 0 and <= 4,096"),
    (lambda: best_tree_tokens(10**5, 0.5), "max_nodes must be a whole number >= 0 and <= 4,096"),
    (lambda: best_tree_tokens(4096, np.linspace(0, 1, 1000)), "reduce max_nodes or the size of alpha"),
    (lambda: sibling_rates(P2, P2, width=10**9), "width must be a whole number >= 1 and <= 4,096"),
    (lambda: simulate_tree(PAIR, CHAIN, rounds=10**9), "rounds must be a whole number >= 1 and <= 100,000,000"),
    (lambda: simulate_tree(PAIR, TreeShape.chain(4096), rounds=10**6), "rounds * nodes must be at most"),
    (lambda: simulate_tree(sl.SyntheticPair(vocab_size=10**6), CHAIN, starts=10**5), "reduce starts"),
    (lambda: simulate_tree_iid(CHAIN, 0.5, rounds=10**12), "rounds must be a whole number >= 1"),
    (lambda: simulate_bursty([0.5, 0.9], k=10**5, rounds=10**5), "rounds * k must be at most"),
    (lambda: simulate_bursty([0.5, 0.9], k=4, rounds=10**8), "reduce rounds or k"),
    (lambda: run_interleaved({"a": lambda: None}, blocks=10**9), "blocks must be a whole number >= 1 and <= 100,000"),
    (lambda: abba_order(10**6, 10), "2 * n_configs * blocks must be at most"),
    (lambda: expected_accepted(TreeShape.chain(4096), np.full(10**6, 0.5)), "of memory"),
    (lambda: alpha_at_temperatures(np.zeros((1000, 1000)), np.zeros((1000, 1000)), np.linspace(0, 2, 1000)),
     "temperatures * positions * V must be at most"),
    (lambda: tree_speedups([0.7], 0.1, np.ones(10**6), [0.5, 0.6]), "pass_costs must hold at most"),
])
def test_sizes_beyond_the_bounds_are_refused_before_allocating(call, words):
    _refused(call, words)


def test_the_attention_mask_is_built_row_by_row_within_the_bound():
    start = time.perf_counter()
    mask = TreeShape.chain(limits.MAX_TREE_NODES).attention_mask()
    assert time.perf_counter() - start < 2.0
    np.testing.assert_array_equal(mask[:50, :50], np.tril(np.ones((50, 50), dtype=bool)))
    assert mask.sum() == (limits.MAX_TREE_NODES + 1) * (limits.MAX_TREE_NODES + 2) // 2


def test_best_tree_under_alpha_does_not_build_a_budget_squared_table():
    tracemalloc.start()
    try:
        shape = best_tree(limits.MAX_TREE_NODES, 0.5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(shape) == limits.MAX_TREE_NODES
    assert peak < 100 * 2**20          # 4096^2 floats would be 128 MiB


def test_tree_simulation_batches_cover_every_round_once():
    from speclab.trees.simulation import _batches
    for rounds, starts, width in [(10, 3, 5), (1, 7, 1), (20000, 1, 3), (9, 9, 10**7)]:
        batches = list(_batches(rounds, starts, width))
        assert sum(size for _, size in batches) == rounds
        per_start = np.bincount([s for s, size in batches for _ in range(size)], minlength=starts)
        np.testing.assert_array_equal(per_start, np.bincount(np.arange(rounds) % starts, minlength=starts))


# ----------------------------------------------------------------------------- silent wrong results

@pytest.mark.parametrize("call, words, exception", [
    (lambda: TreeShape((-1, 0.7)), "parents must be a whole number", ValueError),
    (lambda: TreeShape(("-1", "0")), "parents must be", TypeError),
    (lambda: TreeShape((True, False)), "parents must be", TypeError),
    (lambda: TreeShape(((-1, 0),)), "parents must be a flat list", ValueError),
    (lambda: TreeShape((-1, 1)), "parents[1] must lie in -1..0", ValueError),
    (lambda: TreeShape.full((3, 2)).path(-3), "node must be a whole number >= -1 and <= 8", ValueError),
    (lambda: TreeShape.full((3, 2)).path(99), "node must be a whole number >= -1 and <= 8", ValueError),
    (lambda: TreeShape.full((2, 0.5)), "branching must be a whole number >= 1", ValueError),
    (lambda: bursty_alphas([0.5, 0.9], 4, ["1", "2"]), "weights", TypeError),
    (lambda: bursty_alphas([0.5, 0.9], 4, [True, False]), "weights", TypeError),
    (lambda: bursty_alphas([0.5, 0.9], 4, [1, -1]), "weights", ValueError),
    (lambda: spread([1, -1]), "samples must be timings or ratios", ValueError),
    (lambda: spread([1, np.nan]), "samples must be timings or ratios", ValueError),
    (lambda: spread(None), "samples must be", TypeError),
    (lambda: abba_order(-1, 2), "n_configs must be a whole number >= 1", ValueError),
    (lambda: abba_order(2, 0), "blocks must be a whole number >= 1", ValueError),
    (lambda: run_interleaved({"a": 1}, 2), "calls must map each key to a zero-argument function", TypeError),
    (lambda: run_interleaved([lambda: 1], 2), "calls must be a non-empty dict", TypeError),
    (lambda: best_tree(8, alpha=0.5, rates=np.full((8, 8), 0.5)), "exactly one of alpha", ValueError),
    (lambda: best_tree(8), "exactly one of alpha", ValueError),
    (lambda: best_tree(8, np.array([0.5, 0.6])), "alpha must be a single real number", TypeError),
    (lambda: RoundRecord((1, 2), 1.5, 3), "n_accepted must be a whole number", ValueError),
    (lambda: RoundRecord((1, 2), 3, 3), "n_accepted must lie in 0..2, the number of draft_tokens", ValueError),
    (lambda: RoundRecord(("1",), 0, 3), "draft_tokens", TypeError),
    (lambda: RoundRecord((1,), 0, -3), "next_token must be a whole number >= 0", ValueError),
    (lambda: RoundRecord((1,), 0, 3, accept_probs=(np.nan,)), "accept_probs must lie in [0, 1]", ValueError),
    (lambda: tempered([[0.1, np.nan]], 1.0), "log_probs must be logits", ValueError),
    (lambda: tempered([-np.inf, -np.inf], 1.0), "log_probs must be logits", ValueError),
    (lambda: tempered([0.0, 1.0], "1"), "temperature", TypeError),
    (lambda: total_variation([[0.5, 0.5], [np.nan, 1.0]], P2), "a must be non-negative and finite", ValueError),
    (lambda: total_variation(P2, [0.7, 0.7]), "b rows must each sum to 1", ValueError),
    (lambda: alpha_at_temperatures(np.log(P2), np.log(P2), [1.0], chunk=-1), "chunk must be a whole number >= 1",
     ValueError),
    (lambda: alpha_at_temperatures(np.log(P2), np.log(P2), []), "temperatures must be a non-empty", ValueError),
    (lambda: sl.CostModel(target_ms=5e-324), "target_ms must be a finite number > 0", ValueError),
    (lambda: sl.CostModel(draft_ms=5.0, target_ms=1e-308), "target_ms", ValueError),
    (lambda: sl.CostModel(draft_ms=1e300), "draft_ms must be at most", ValueError),
    (lambda: sl.CostModel(verify_growth=1e300), "verify_growth must be at most", ValueError),
])
def test_silently_wrong_inputs_are_refused(call, words, exception):
    _refused(call, words, exception)


def test_tempering_at_a_vanishing_temperature_is_the_argmax_limit():
    log_p = np.log([0.2, 0.5, 0.3])
    for t in (1e-310, 5e-324, 1e-300):
        np.testing.assert_array_equal(tempered(log_p, t), [0.0, 1.0, 0.0])
    # Tied maxima share the mass in the limit, as the real runner's sampling does.
    np.testing.assert_allclose(tempered([0.0, 0.0, -1.0], 1e-310), [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(tempered([0.0, -np.inf], 1e-310), [1.0, 0.0])
    # Against the direct formula where it does not overflow.
    t = 0.7
    direct = np.exp(log_p / t) / np.exp(log_p / t).sum()
    np.testing.assert_allclose(tempered(log_p, t), direct, rtol=1e-12)


def test_alpha_at_a_vanishing_temperature_is_argmax_agreement():
    rng = np.random.default_rng(3)
    p, q = rng.dirichlet(np.ones(6), 40), rng.dirichlet(np.ones(6), 40)
    agree = float(np.mean(p.argmax(1) == q.argmax(1)))
    alphas = alpha_at_temperatures(np.log(p), np.log(q), [0.0, 1e-310])
    assert alphas[0] == pytest.approx(agree) and alphas[1] == pytest.approx(agree)


def test_spread_takes_zeros_and_no_samples():
    s = spread([0.0, 2.0, 8.0])
    assert (s.median, s.low, s.high, s.n) == (pytest.approx(2.0), 0.0, 8.0, 3)
    empty = spread([])
    assert empty.n == 0 and math.isnan(empty.median)


def test_bursty_weights_are_normalised_without_overflow():
    per_round, _ = bursty_alphas([0.2, 0.8], 4, [1e308, 1e308])
    assert per_round == pytest.approx(0.5)


def test_a_cost_model_keeps_its_ratio_finite():
    cost = sl.CostModel(draft_ms=1e-300, target_ms=5e-300)
    assert cost.c == pytest.approx(0.2)


# ----------------------------------------------------------------------------- deep or unnamed errors

@pytest.mark.parametrize("call, words", [
    (lambda: alternatives_for(2.5, [0.7], 0.1, [1, 1.1, 1.2, 1.3], [0.6, 0.8]), "k must be a whole number"),
    (lambda: total_variation([[0.5, 0.5]] * 3, [[0.5, 0.5]] * 2), "a and b must have shapes that broadcast"),
    (lambda: total_variation(P2, [1.0]), "a and b must be distributions over the same vocabulary"),
    (lambda: sibling_rates([[0.5, 0.5]] * 3, [[0.5, 0.5]] * 2, 2), "p and q must have shapes that broadcast"),
    (lambda: sibling_rates(P2, [1.0], 2), "p and q must have the same vocabulary size"),
    (lambda: rl.step_seconds([1e9, 2e9], [1e12, 2e12, 3e12], 1e15), "params and bandwidth must have shapes"),
    (lambda: rl.verify_cost_ratio(7e9, 3e12, 1e15, [1, 2, 3], [1, 2]), "batch and k must have shapes"),
    (lambda: rl.breakeven_batch([0.5, 0.6], [1, 2, 3], 0.1, 7e9, 3e12, 1e15), "alpha and k must have shapes"),
    (lambda: rl.kv_cache_bytes([1, 2], [1, 2, 3], 1, 1), "layers, kv_heads"),
    (lambda: rl.ridge_point([1e12, 2e12], [1e15, 2e15, 3e15]), "bandwidth and peak_flops must have shapes"),
    (lambda: rl.step_seconds(1e308, 3e12, 1e15), "params must be a number in [1e-30, 1e+30]"),
    (lambda: rl.verify_growth(7e9, 3e12, 1e15, 2**63 - 1), "k must be a whole number >= 1 and <= 100,000"),
])
def test_deep_errors_now_name_the_argument(call, words):
    _refused(call, words)


def test_best_plan_with_one_hit_rate_is_the_chain():
    rates, c, costs = [0.7, 0.6], 0.05, [1, 1.01, 1.02, 1.05, 1.2]
    assert best_plan(rates, c, costs, [0.6]) == best_plan(rates, c, costs) == (best_plan(rates, c, costs)[0], 0)


def test_tree_speedups_vectorised_table_matches_the_definition():
    rates, c, costs, hits = [0.8, 0.7, 0.6], 0.05, [1.0, 1.02, 1.05, 1.1, 1.2, 1.4], [0.55, 0.7, 0.8, 0.85]
    table = tree_speedups(rates, c, costs, hits)
    tokens = 1.0 + np.concatenate([[0.0], np.cumsum(np.cumprod([0.8, 0.7, 0.6, 0.6, 0.6]))])
    for k in range(len(costs)):
        for m in range(1, len(hits)):
            want = (tokens[k] + hits[m] - hits[0]) / (costs[k + m] + c * k) if k >= 1 and k + m < len(costs) else 0.0
            assert table[k, m] == pytest.approx(want)


# ----------------------------------------------------------------------------- explorers

@pytest.mark.parametrize("kwargs, words", [
    (dict(params_b=1000), "params_b must lie in [0.1, 405]"),
    (dict(params_b=-7), "params_b must lie in [0.1, 405]"),
    (dict(alpha=2.0), "alpha must lie in [0, 0.99]"),
    (dict(batch=0), "batch must be a whole number >= 1 and <= 1,024"),
    (dict(k=100), "k must be a whole number >= 1 and <= 8"),
    (dict(k=2.5), "k must be a whole number"),
    (dict(bandwidth_tbs=np.nan), "bandwidth_tbs"),
    (dict(c=1e300), "c must lie in [0, 10]"),
])
def test_the_roofline_explorer_refuses_instead_of_clamping(kwargs, words):
    from speclab.widgets import roofline_explorer
    _refused(lambda: roofline_explorer(**kwargs), words)


@pytest.mark.parametrize("make, words", [
    (lambda w: w.tree_explorer(nodes=100), "nodes must be a whole number >= 1 and <= 32"),
    (lambda w: w.tree_explorer(alpha=-0.1), "alpha must lie in [0, 1]"),
    (lambda w: w.tree_explorer(branching=0), "branching must be a whole number >= 1 and <= 8"),
    (lambda w: w.temperature_explorer(temperature=5.0), "temperature must lie in [0, 2]"),
    (lambda w: w.temperature_explorer(vocab_size=10**9), "vocab_size must be a whole number"),
    (lambda w: w.temperature_explorer(vocab_size=10**5, positions=10**4), "vocab_size * positions"),
    (lambda w: w.temperature_explorer(pairs={"a": ([0.0, 1.0],)}), "pairs['a'] must be a pair"),
    (lambda w: w.temperature_explorer(pairs=[1, 2]), "pairs must be a non-empty dict"),
])
def test_the_tree_and_temperature_explorers_refuse_instead_of_clamping(make, words):
    import speclab.widgets as w
    _refused(lambda: make(w), words)
