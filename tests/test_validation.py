"""Bad input anywhere in the public API: one ValueError naming the argument and what is allowed."""

import numpy as np
import pytest

import speclab as sl

GOOD_P = np.array([[0.5, 0.5], [0.1, 0.9]])
GOOD_Q = np.array([[0.5, 0.5]])
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("call, words", [
    (lambda: sl.expected_tokens(1.5, 2), "alpha must lie in [0, 1]"),
    (lambda: sl.expected_tokens(-0.1, 2), "alpha must lie in [0, 1]"),
    (lambda: sl.expected_tokens(float("nan"), 2), "alpha must lie in [0, 1] (and not be NaN)"),
    (lambda: sl.expected_tokens(np.array([0.5, 2.0]), 2), "alpha must lie in [0, 1]"),
    (lambda: sl.expected_tokens(0.5, -1), "k must be a whole number >= 0"),
    (lambda: sl.expected_tokens(0.5, 2.5), "k must be a whole number >= 0"),
    (lambda: sl.expected_tokens(0.5, "4"), "k must be a whole number >= 0"),
    (lambda: sl.speedup(0.5, 2, -0.1), "c must be a finite number >= 0"),
    (lambda: sl.speedup(0.5, 2, float("nan")), "c must be a finite number >= 0"),
    (lambda: sl.speedup(0.5, 2, 0.1, verify_growth=-1), "verify_growth must be a finite number >= 0"),
    (lambda: sl.optimal_k(0.5, 0.1, k_max=-3), "k_max must be a whole number >= 0"),
    (lambda: sl.optimal_k(0.5, 0.1, k_max=True), "k_max must be a whole number"),
    (lambda: sl.breakeven_alpha(0.1, 0), "k must be a whole number >= 1"),
    (lambda: sl.breakeven_alpha(-0.1, 2), "c must be a finite number >= 0"),
    (lambda: sl.tokens_per_round_pmf(0.5, -2), "k must be a whole number >= 0"),
    (lambda: sl.acceptance_rate([0.5, 0.6], [0.5, 0.5]), "p rows must each sum to 1"),
    (lambda: sl.acceptance_rate([1.5, -0.5], [0.5, 0.5]), "p must be non-negative"),
    (lambda: sl.acceptance_rate([0.5, 0.5], [1.0, 0.0, 0.0]), "same vocabulary size"),
    (lambda: sl.verify(GOOD_P, GOOD_Q, [0, 1], RNG), "shapes must be p [k+1, V], q [k, V]"),
    (lambda: sl.verify(GOOD_P, np.array([[0.6, 0.6]]), [0], RNG), "q rows must each sum to 1"),
    (lambda: sl.verify(GOOD_P, GOOD_Q, [2], RNG), "draft_tokens must be ids in 0..1"),
    (lambda: sl.verify(GOOD_P, GOOD_Q, [0.5], RNG), "draft_tokens must be a 1-D array of token ids"),
    (lambda: sl.verify(GOOD_P, np.array([[1.0, 0.0]]), [1], RNG), "draft_tokens must have q > 0"),
    (lambda: sl.verify(GOOD_P, GOOD_Q, [0], 42), "rng must be a numpy Generator"),
    (lambda: sl.verify_greedy(GOOD_P, [0, 1]), "p must have shape [k+1, V]"),
    (lambda: sl.SyntheticPair(agreement=1.2), "agreement must lie in [0, 1]"),
    (lambda: sl.SyntheticPair(vocab_size=1), "vocab_size must be a whole number >= 2"),
    (lambda: sl.simulate(sl.SyntheticPair(), num_tokens=0), "num_tokens must be a whole number >= 1"),
    (lambda: sl.simulate(sl.SyntheticPair(), k=-1), "k must be a whole number >= 0"),
    (lambda: sl.simulate("pair"), "pair must be a SyntheticPair"),
    (lambda: sl.simulate(sl.SyntheticPair(), policy="adaptive"), "policy must be FixedK(k), AdaptiveK"),
    (lambda: sl.CostModel(target_ms=0), "target_ms must be a finite number > 0"),
    (lambda: sl.CostModel(draft_ms=-1), "draft_ms must be a finite number >= 0"),
    (lambda: sl.simulate_iid(0.5, 4, 0.1, rounds=0), "rounds must be a whole number >= 1"),
    (lambda: sl.simulate_iid(1.01, 4, 0.1), "alpha must lie in [0, 1]"),
    (lambda: sl.sweep([0.5, 1.5], [1, 2], progress=False), "agreements must lie in [0, 1]"),
    (lambda: sl.sweep([0.5], [-1], progress=False), "ks must be a whole number >= 0"),
    (lambda: sl.AdaptiveK(start_k=20, max_k=16), "start_k must lie in [min_k, max_k]"),
    (lambda: sl.FixedK(-2), "k must be a whole number >= 0"),
    (lambda: sl.chi_square_test([1, 2], [0.5, 0.5, 0.0]), "counts and probs must be 1-D of the same length"),
    (lambda: sl.rounds_table(["not a record"]), "records must be a list of speclab RoundRecord"),
])
def test_bad_input_names_the_argument(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value)
    assert "\n" not in str(info.value)
