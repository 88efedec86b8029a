"""Closed forms: the paper's Table 1, properties over alpha and k, continuity, break-even, optimal k."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import speclab as sl

alphas = st.floats(0.0, 1.0)
ks = st.integers(0, 40)
costs = st.floats(0.0, 2.0)


@pytest.mark.parametrize("alpha, k, expected", [
    (0.6, 2, 1.96), (0.7, 3, 2.53), (0.8, 2, 2.44), (0.8, 5, 3.69), (0.9, 2, 2.71), (0.9, 10, 6.86),
])
def test_leviathan_table_1_with_free_drafts(alpha, k, expected):
    assert round(sl.speedup(alpha, k, 0.0), 2) == expected


@given(alphas, ks)
def test_expected_tokens_lies_in_one_to_k_plus_one(alpha, k):
    value = sl.expected_tokens(alpha, k)
    assert 1.0 - 1e-12 <= value <= k + 1 + 1e-9


@given(st.floats(0.0, 0.99), st.floats(0.001, 0.01), st.integers(1, 40))
def test_expected_tokens_increases_in_alpha(alpha, step, k):
    assert sl.expected_tokens(alpha + step, k) > sl.expected_tokens(alpha, k)


@given(alphas, st.integers(0, 30))
def test_pmf_sums_to_one_and_its_mean_is_expected_tokens(alpha, k):
    pmf = sl.tokens_per_round_pmf(alpha, k)
    assert pmf.shape == (k + 1,)
    assert np.all(pmf >= 0)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.arange(1, k + 2) @ pmf == pytest.approx(sl.expected_tokens(alpha, k), rel=1e-9)


@given(ks, costs)
def test_speedup_at_alpha_zero_is_one_over_kc_plus_one(k, c):
    assert sl.speedup(0.0, k, c) == pytest.approx(1.0 / (k * c + 1.0), rel=1e-12)


def test_continuous_at_alpha_one():
    near = 1.0 - np.logspace(-15, -3, 50)
    for k in (1, 4, 20):
        values = sl.expected_tokens(near, k)
        assert np.all(np.abs(values - (k + 1)) <= (k + 1) * k * (1.0 - near) + 1e-12)
        assert sl.expected_tokens(1.0, k) == k + 1
    assert sl.speedup(1.0, 4, 0.1) == pytest.approx(5 / 1.4)


def test_closed_form_matches_the_geometric_sum():
    for alpha in (0.0, 0.3, 0.5, 0.9, 0.999999):
        for k in (0, 1, 5, 17):
            assert sl.expected_tokens(alpha, k) == pytest.approx(sum(alpha**i for i in range(k + 1)), rel=1e-10)


def test_functions_broadcast_over_arrays():
    alpha = np.array([[0.5], [0.8]])
    k = np.array([1, 2, 4])
    assert sl.expected_tokens(alpha, k).shape == (2, 3)
    assert sl.speedup(alpha, k, 0.1).shape == (2, 3)
    assert sl.speedup(0.8, k, np.array([0.0, 0.1, 0.2])).tolist() == [
        sl.speedup(0.8, 1, 0.0), sl.speedup(0.8, 2, 0.1), sl.speedup(0.8, 4, 0.2)]


def test_verify_growth_charges_each_verified_draft():
    assert sl.speedup(0.8, 4, 0.1, verify_growth=0.05) == pytest.approx(
        sl.expected_tokens(0.8, 4) / (4 * 0.1 + 1 + 0.05 * 4))
    assert sl.speedup(0.8, 4, 0.1, verify_growth=0.1) < sl.speedup(0.8, 4, 0.1)


@given(costs, st.integers(1, 30))
def test_breakeven_alpha_gives_speedup_one(c, k):
    alpha = sl.breakeven_alpha(c, k)
    if np.isnan(alpha):
        assert sl.speedup(1.0, k, c) < 1.0 + 1e-9
    else:
        assert 0.0 <= alpha <= 1.0
        assert sl.speedup(alpha, k, c) == pytest.approx(1.0, abs=1e-9)


def test_breakeven_closed_forms():
    assert sl.breakeven_alpha(0.3, 1) == pytest.approx(0.3)
    # k = 2: alpha + alpha^2 = 2c
    assert sl.breakeven_alpha(0.3, 2) == pytest.approx((np.sqrt(1 + 8 * 0.3) - 1) / 2)
    assert sl.breakeven_alpha(0.0, 5) == 0.0
    assert np.isnan(sl.breakeven_alpha(1.5, 3))


def test_breakeven_alpha_with_verification_growth():
    alpha = sl.breakeven_alpha(0.1, 4, verify_growth=0.1)
    assert sl.speedup(alpha, 4, 0.1, verify_growth=0.1) == pytest.approx(1.0, abs=1e-9)
    assert alpha > sl.breakeven_alpha(0.1, 4)


@given(alphas, costs)
@settings(max_examples=60)
def test_optimal_k_is_the_argmax_and_zero_means_no_gain(alpha, c):
    best = sl.optimal_k(alpha, c, k_max=16)
    gains = [sl.speedup(alpha, k, c) for k in range(17)]
    assert 0 <= best <= 16
    if best == 0:
        assert max(gains[1:]) <= 1.0 + 1e-9
    else:
        assert gains[best] == pytest.approx(max(gains), rel=1e-12)
        assert gains[best] > 1.0


def test_optimal_k_examples():
    assert sl.optimal_k(0.7, 0.1) == 4
    assert sl.optimal_k(0.1, 0.5) == 0
    assert sl.optimal_k(1.0, 0.0, k_max=10) == 10
    assert sl.optimal_k(np.array([0.5, 0.9]), 0.05).tolist() == [3, 13]


def test_acceptance_rate_is_sum_of_minimum():
    p = np.array([0.5, 0.3, 0.2, 0.0])
    q = np.array([0.25, 0.25, 0.25, 0.25])
    assert sl.acceptance_rate(p, q) == pytest.approx(0.25 + 0.25 + 0.2)
    assert sl.acceptance_rate(p, p) == pytest.approx(1.0)
    assert sl.acceptance_rate(np.stack([p, q]), np.stack([q, q])).tolist() == pytest.approx([0.7, 1.0])


def test_accepted_over_drafted_is_not_alpha():
    # The reference notebook's defect: at alpha 0.8, k 4 accepted/drafted is about 0.59.
    assert sl.accepted_fraction(0.8, 4) == pytest.approx(0.5904)
    assert sl.accepted_fraction(0.8, 1) == pytest.approx(0.8)
