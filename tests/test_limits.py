"""Hostile sizes and types: refused before anything is allocated, with one error naming the argument.

Every call here would allocate gigabytes to terabytes, or run for hours, if it were not refused;
tracemalloc shows that the refusal allocated next to nothing.
"""

import math
import tracemalloc

import numpy as np
import pytest

import speclab as sl
from speclab.lossless import lossless_report
from speclab.limits import MAX_K, MAX_NUM_TOKENS, MAX_SIMULATED_TOKENS, MAX_TRIALS, MAX_VOCAB, MEMORY_BYTES


class LooksLikeAPolicy:
    """A policy object that is not one of speclab's: whatever it answers is checked."""

    def __init__(self, start_k=2, max_k=8, answer=None):
        self.start_k, self.max_k, self.answer = start_k, max_k, answer

    def next_k(self, k, n_accepted):
        return self.answer(k, n_accepted)


PAIR = sl.SyntheticPair(vocab_size=20, agreement=0.7, seed=0)
P2 = np.array([[0.5, 0.5], [0.2, 0.8]])
Q1 = np.array([[0.3, 0.7]])


@pytest.mark.parametrize("call, words", [
    (lambda: sl.optimal_k(0.99, 0.001, k_max=10**9), "k_max must be a whole number >= 0 and <= 100,000"),
    (lambda: sl.optimal_k(np.full(10**5, 0.5), 0.1, k_max=10**4), "reduce k_max or the size of alpha"),
    (lambda: sl.tokens_per_round_pmf(0.5, 10**9), "k must be a whole number >= 0 and <= 100,000"),
    (lambda: sl.simulate(PAIR, trials=10**9), "trials must be a whole number >= 1 and <= 10,000,000"),
    (lambda: sl.simulate(PAIR, num_tokens=10**9), "num_tokens must be a whole number >= 1 and <= 1,000,000"),
    (lambda: sl.simulate(PAIR, num_tokens=10**6, trials=10**6), "trials * num_tokens must be at most"),
    (lambda: sl.simulate(sl.SyntheticPair(vocab_size=10**6), num_tokens=10**5, trials=1), "of memory"),
    (lambda: sl.simulate(PAIR, k=10**9), "k must be a whole number >= 0 and <= 100,000"),
    (lambda: sl.SyntheticPair(vocab_size=10**10), "vocab_size must be a whole number >= 2 and <= 1,000,000"),
    (lambda: sl.SyntheticPair(vocab_size=10**6).target(10**6), "reduce the number of positions"),
    (lambda: sl.simulate_iid(0.5, 4, 0.1, rounds=10**12), "rounds must be a whole number >= 1"),
    (lambda: sl.simulate_iid(0.5, 10**4, 0.1, rounds=10**6), "rounds * k must be at most"),
    (lambda: sl.sweep(np.linspace(0, 1, 200), range(1, 100), progress=False), "at most 10,000 cells"),
    (lambda: sl.sweep([0.5], [2], trials=10**6, num_tokens=10**3, progress=False), "trials * num_tokens"),
    (lambda: sl.expected_tokens(np.zeros(10**8, dtype=np.float16), 2), "more than 10,000,000 elements"),
])
def test_sizes_beyond_the_bounds_are_refused_before_allocating(call, words):
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert words in str(info.value) and "\n" not in str(info.value)
    assert peak < 300 * 2**20       # the float16 input itself is 200 MB; nothing else near the bound


def test_bounds_are_the_documented_ones():
    assert (MAX_K, MAX_VOCAB, MAX_NUM_TOKENS, MAX_TRIALS) == (100_000, 1_000_000, 1_000_000, 10_000_000)
    assert MAX_SIMULATED_TOKENS == 200_000_000 and MEMORY_BYTES == 2**30


@pytest.mark.parametrize("k, expected", [
    (2**63 - 1, 2.0), (np.uint64(2**64 - 1), 2.0), (np.int64(2**63 - 1), 2.0), (10**30, 2.0), (0, 1.0),
])
def test_expected_tokens_at_huge_k_is_the_limit(k, expected):
    assert sl.expected_tokens(0.5, k) == pytest.approx(expected, rel=1e-15)


def test_huge_k_at_alpha_one_counts_every_token():
    assert sl.expected_tokens(1.0, 2**63 - 1) == pytest.approx(2.0**63, rel=1e-15)
    assert sl.speedup(0.5, 2**63 - 1, 0.0) == pytest.approx(2.0)
    assert sl.speedup(0.5, 2**63 - 1, 0.1) == pytest.approx(2.0 / (0.1 * 2.0**63 + 1))
    assert sl.accepted_fraction(0.5, np.uint64(2**64 - 1)) == pytest.approx(1.0 / 2.0**64)


@pytest.mark.parametrize("call, error, words", [
    (lambda: sl.expected_tokens("0.5", 4), TypeError, "alpha must be a real number"),
    (lambda: sl.expected_tokens(True, 4), TypeError, "alpha must be a real number"),
    (lambda: sl.expected_tokens(0.5 + 0.1j, 4), TypeError, "alpha must be a real number"),
    (lambda: sl.expected_tokens(None, 4), TypeError, "alpha must be a real number"),
    (lambda: sl.expected_tokens([[0.1, 0.2], [0.3]], 4), TypeError, "alpha must be a real number"),
    (lambda: sl.acceptance_rate(np.array([0.5 + 0j, 0.5]), [0.5, 0.5]), TypeError, "p must be a real number"),
    (lambda: sl.SyntheticPair(agreement="0.5"), TypeError, "agreement must be a real number"),
    (lambda: sl.SyntheticPair(agreement=np.array([0.5, 0.6])), TypeError, "agreement must be a single real number"),
    (lambda: sl.tokens_per_round_pmf(np.array([0.5, 0.6]), 3), TypeError, "alpha must be a single real number"),
    (lambda: sl.simulate_iid(0.5, 4, "0.1"), TypeError, "c must be a real number"),
    (lambda: sl.optimal_k(0.5, 0.1, k_max=10**30), ValueError, "k_max must be a whole number >= 0 and <= 100,000"),
    (lambda: sl.optimal_k(0.5, 0.1, k_max=np.array([3])), TypeError, "k_max must be a whole number"),
    (lambda: sl.speedup([0.5, 0.6, 0.7], [1, 2], 0.1), ValueError,
     "alpha, k, c and verify_growth must have shapes that broadcast together; got alpha (3,), k (2,)"),
    (lambda: sl.residual([[0.5, np.nan]], [[0.5, 0.5]]), ValueError, "p must be non-negative and finite"),
    (lambda: sl.residual([0.5, 0.5], [1.0, 0.0, 0.0]), ValueError, "same vocabulary size"),
    (lambda: sl.simulate(PAIR, cost="fast"), TypeError, "cost must be a CostModel"),
    (lambda: sl.CostModel(draft_ms="5"), TypeError, "draft_ms must be a real number"),
])
def test_wrong_types_and_shapes_name_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
    assert isinstance(info.value, ValueError)      # one `except ValueError` still catches every bad input


# ----------------------------------------------------------------------------- policies

@pytest.mark.parametrize("policy, words", [
    (LooksLikeAPolicy(start_k=-3, answer=lambda k, n: k), "policy.start_k must be a whole number >= 0"),
    (LooksLikeAPolicy(start_k=2.5, answer=lambda k, n: k), "policy.start_k must be a whole number"),
    (LooksLikeAPolicy(start_k=9, max_k=8, answer=lambda k, n: k), "policy.start_k must be a whole number >= 0 and <= 8"),
    (LooksLikeAPolicy(max_k=10**9, answer=lambda k, n: k), "policy.max_k must be a whole number >= 0 and <= 100,000"),
    (LooksLikeAPolicy(answer=lambda k, n: k * np.nan), "policy.next_k must return whole numbers in 0..max_k = 8"),
    (LooksLikeAPolicy(answer=lambda k, n: k + 0.5), "policy.next_k must return whole numbers"),
    (LooksLikeAPolicy(answer=lambda k, n: -k), "policy.next_k must return whole numbers in 0..max_k = 8"),
    (LooksLikeAPolicy(answer=lambda k, n: k * 100), "got 200 for k = 2"),
    (LooksLikeAPolicy(answer=lambda k, n: "4"), "policy.next_k must return a whole number per trial"),
    (LooksLikeAPolicy(answer=lambda k, n: np.array([4])), "policy.next_k must return a whole number per trial"),
])
def test_a_policy_object_is_checked_every_round(policy, words):
    with pytest.raises(ValueError) as info:
        sl.simulate(PAIR, num_tokens=30, trials=5, policy=policy)
    assert words in str(info.value)


def test_a_correct_foreign_policy_runs_like_the_builtin_one():
    foreign = LooksLikeAPolicy(start_k=3, max_k=3, answer=lambda k, n: np.full_like(np.asarray(k), 3))
    mine = sl.simulate(PAIR, num_tokens=40, trials=50, policy=foreign, seed=1)
    builtin = sl.simulate(PAIR, num_tokens=40, trials=50, k=3, seed=1)
    assert np.array_equal(mine.time_ms, builtin.time_ms) and mine.draft_passes == builtin.draft_passes


# ----------------------------------------------------------------------------- alpha undefined

def test_alpha_is_nan_and_na_when_nothing_was_drafted():
    res = sl.simulate(PAIR, num_tokens=20, k=0, trials=3)
    assert res.drafted == 0 and math.isnan(res.alpha) and math.isnan(res.acceptance_rate)
    summary = res.summary()
    assert "alpha (E sum min(p,q)) n/a" in summary and "accepted / drafted     n/a" in summary
    assert "nan" not in summary


def test_alpha_is_a_number_when_drafts_were_tested():
    res = sl.simulate(PAIR, num_tokens=20, k=2, trials=3)
    assert 0 < res.alpha <= 1 and "n/a" not in res.summary()


# ----------------------------------------------------------------------------- progress bars

def test_long_simulations_show_a_progress_bar_and_short_ones_do_not(capsys):
    sl.simulate(PAIR, num_tokens=50, trials=20, progress=True)
    assert "simulate" in capsys.readouterr().err
    sl.simulate(PAIR, num_tokens=50, trials=20)
    assert capsys.readouterr().err == ""
    sl.simulate_iid(0.5, 4, 0.1, rounds=1000, progress=True)
    assert "simulate_iid" in capsys.readouterr().err


def test_the_bar_does_not_change_the_result():
    quiet = sl.simulate(PAIR, num_tokens=30, trials=40, seed=3, progress=False)
    shown = sl.simulate(PAIR, num_tokens=30, trials=40, seed=3, progress=True)
    assert np.array_equal(quiet.time_ms, shown.time_ms)


# ----------------------------------------------------------------------------- lossless check and chi-square

@pytest.mark.parametrize("call, words", [
    (lambda: lossless_report(sl.verify, P2, Q1, rounds=10**12), "rounds must be a whole number >= 1 and <= 10,000,000"),
    (lambda: lossless_report(sl.verify, P2, Q1, seed=-1), "seed must be a whole number >= 0"),
    (lambda: lossless_report(sl.verify, P2, [0.5, 0.5]), "p must be [k+1, V] and q [k, V]"),
    (lambda: lossless_report("verify", P2, Q1), "rule must be a function"),
    (lambda: sl.chi_square_test([[1, 2], [3]], [0.5, 0.5]), "counts must be a 1-D array"),
    (lambda: sl.chi_square_test(["1", "2"], [0.5, 0.5]), "counts must be a 1-D array"),
])
def test_lossless_and_chi_square_bad_input(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("call, words", [
    (lambda: sl.rounds_table(5), "records must be a list of speclab RoundRecord"),
    (lambda: sl.tokens_html("abc"), "records must be a list of speclab RoundRecord"),
    (lambda: sl.plot_rounds(sl.simulate(PAIR, num_tokens=5, trials=1).rounds, max_rounds=0), "max_rounds must be"),
])
def test_trace_bad_input(call, words):
    with pytest.raises(TypeError if "records" in words else ValueError, match=words):
        call()


def test_compare_policies_needs_a_dict():
    from speclab.compare import compare_policies

    with pytest.raises(TypeError, match="policies must be a dict"):
        compare_policies(PAIR, [sl.FixedK(2)])


@pytest.mark.parametrize("vocab, num_tokens, trials, k, keep", [
    (1000, 1000, 10, 4, False), (20, 50, 5000, 8, False), (20, 50, 5000, 40, True), (3000, 200, 50, 16, False),
])
def test_the_memory_estimate_covers_what_simulate_allocates(vocab, num_tokens, trials, k, keep):
    """The refusal is only honest if the estimate is at least the real peak (and not wildly above it)."""
    from speclab.simulator import simulation_bytes

    pair = sl.SyntheticPair(vocab_size=vocab)
    tracemalloc.start()
    try:
        sl.simulate(pair, num_tokens, k, trials, keep_tokens=keep, progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = simulation_bytes(vocab, num_tokens, trials, k, keep)
    assert peak <= estimate <= 3 * peak
