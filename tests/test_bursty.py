"""Switching acceptance: both alphas, the formula at each, and the simulated truth."""

import numpy as np
import pytest

import speclab as sl
from speclab.bursty import bursty_alphas, simulate_bursty


def _by_hand(alphas, k):
    """Per-round alpha, pooled alpha and true tokens per round, as finite sums (equal weights)."""
    tested = [sum(a**i for i in range(k)) for a in alphas]          # 1 + a + ... + a^(k-1)
    accepted = [sum(a**i for i in range(1, k + 1)) for a in alphas]  # a + ... + a^k
    truth = np.mean([1 + acc for acc in accepted])
    return np.mean(alphas), sum(accepted) / sum(tested), truth


def test_the_worked_example_in_closed_form():
    per_round, pooled, truth = _by_hand([0.95, 0.45], 4)
    assert bursty_alphas([0.95, 0.45], 4) == pytest.approx((per_round, pooled), rel=1e-12)
    assert pooled == pytest.approx(0.7901, abs=1e-4) and truth == pytest.approx(3.1545, abs=1e-4)
    assert sl.expected_tokens(pooled, 4) == pytest.approx(3.2975, abs=1e-4)   # over-predicts
    assert sl.expected_tokens(0.7, 4) == pytest.approx(2.7731, abs=1e-4)      # under-predicts


def test_simulation_converges_to_the_closed_forms():
    res = simulate_bursty([0.95, 0.45], k=4, rounds=200_000, seed=0)
    per_round, pooled, truth = _by_hand([0.95, 0.45], 4)
    assert res.per_round_alpha == pytest.approx(per_round)
    assert res.exact_tokens_per_round == pytest.approx(truth, rel=1e-12)
    # tokens per round has sd < 1.7, so the mean of 200k rounds is within 0.015 (4 sigma)
    assert abs(res.tokens_per_round - truth) < 0.015
    assert abs(res.pooled_alpha - pooled) < 0.005
    assert res.formula_per_round < res.tokens_per_round < res.formula_pooled


def test_weights_shift_the_mix():
    easy_heavy = simulate_bursty([0.95, 0.45], k=4, weights=[3, 1], rounds=50_000, seed=1)
    assert easy_heavy.per_round_alpha == pytest.approx(0.825)
    assert easy_heavy.exact_tokens_per_round == pytest.approx(
        0.75 * sl.expected_tokens(0.95, 4) + 0.25 * sl.expected_tokens(0.45, 4))


def test_one_regime_is_the_iid_case_and_both_alphas_agree():
    res = simulate_bursty([0.8], k=4, rounds=100_000, seed=2)
    assert res.per_round_alpha == 0.8
    assert abs(res.pooled_alpha - 0.8) < 0.005
    assert res.formula_pooled == pytest.approx(res.tokens_per_round, abs=0.03)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8, 16])
def test_pooled_formula_never_under_predicts(k):
    """Over random mixtures of regimes the formula at pooled alpha is >= the truth (equal at K = 1)."""
    rng = np.random.default_rng(k)
    for _ in range(200):
        alphas = rng.random(rng.integers(2, 5))
        weights = rng.random(alphas.size)
        per_round, pooled = bursty_alphas(alphas, k, weights)
        truth = (weights / weights.sum()) @ sl.expected_tokens(alphas, k)
        assert sl.expected_tokens(pooled, k) >= truth - 1e-12
        assert sl.expected_tokens(per_round, k) <= truth + 1e-12


def test_same_seed_same_result():
    a = simulate_bursty([0.9, 0.3], k=3, rounds=1000, seed=5)
    b = simulate_bursty([0.9, 0.3], k=3, rounds=1000, seed=5)
    assert (a.accepted, a.tested, a.tokens) == (b.accepted, b.tested, b.tokens)
    assert "pooled alpha" in a.summary()


@pytest.mark.parametrize("kwargs, word", [
    ({"alphas": [1.2, 0.5], "k": 4}, "alphas"),
    ({"alphas": [], "k": 4}, "alphas"),
    ({"alphas": [0.9, 0.5], "k": 0}, "k"),
    ({"alphas": [0.9, 0.5], "k": 4, "weights": [1]}, "weights"),
    ({"alphas": [0.9, 0.5], "k": 4, "weights": [-1, 2]}, "weights"),
    ({"alphas": [0.9, 0.5], "k": 4, "weights": ["a", "b"]}, "weights"),
    ({"alphas": [0.9, 0.5], "k": 4, "rounds": 0}, "rounds"),
])
def test_bad_input_names_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        simulate_bursty(**kwargs)
