"""Typical acceptance is lossy (exactly as its law says) and faster; temperature moves alpha as documented."""

from functools import partial

import numpy as np
import pytest

import speclab as sl
from speclab.lossless import lossless_report
from speclab.temperature import alpha_at_temperatures, log_of, tempered
from speclab.typical import (total_variation, typical_acceptance_rate, typical_output_law, typical_threshold,
                             typical_tradeoff, verify_typical)

# A draft that over-proposes a token the target finds typical but less likely.
P = np.array([[0.5, 0.3, 0.15, 0.05], [0.4, 0.4, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]])
Q = np.array([[0.1, 0.7, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1]])


def test_threshold_follows_medusas_formula():
    p = np.array([0.7, 0.2, 0.1])
    entropy = -(p * np.log(p)).sum()
    assert typical_threshold(p, 0.09, 0.3) == pytest.approx(min(0.09, 0.3 * np.exp(-entropy)))
    assert typical_threshold(p, 0.04) == pytest.approx(min(0.04, 0.2 * np.exp(-entropy))), "delta = sqrt(eps)"
    assert typical_threshold(np.array([1.0, 0.0]), 0.09, 0.3) == pytest.approx(0.09)


def test_typical_acceptance_is_not_lossless_and_follows_its_own_law():
    """Chi-square rejects p at the first position, and accepts the exact law typical_output_law predicts."""
    rule = partial(verify_typical, epsilon=0.09)
    report = lossless_report(rule, P, Q, rounds=6000, seed=0)
    assert report.p_values[0] < 1e-6
    law = typical_output_law(P[0], Q[0], 0.09)
    assert total_variation(law, P[0]) > 0.1
    _, p_value = sl.chi_square_test(report.counts[0], law)
    assert p_value > 1e-4
    assert report.counts[0].sum() == 6000


def test_typical_accepts_more_than_the_lossless_rule_here():
    rate = typical_acceptance_rate(P[:2], Q, 0.09)
    np.testing.assert_allclose(rate, [0.9, 1.0])   # only token 3 at position 0 (p = 0.05) is below 0.09
    assert rate[0] > sl.acceptance_rate(P[0], Q[0])


def test_no_typical_token_means_plain_sampling_from_p():
    """A threshold above every probability accepts nothing: then the output is exactly p (and no faster)."""
    assert typical_acceptance_rate(P[0], Q[0], epsilon=1.0, delta=50.0) == 0.0
    np.testing.assert_allclose(typical_output_law(P[0], Q[0], 1.0, 50.0), P[0])
    v = verify_typical(P, Q, np.array([1, 2]), np.random.default_rng(0), epsilon=1.0, delta=50.0)
    assert v.n_accepted == 0


def test_tradeoff_more_epsilon_less_speed_never_unbiased():
    pair = sl.SyntheticPair(vocab_size=50, agreement=0.5, seed=0)
    p, q = pair.distributions(5)
    t = typical_tradeoff(p, q[:4], [0.01, 0.05, 0.15, 0.3])
    assert np.all(np.diff(t.tokens_per_round) <= 1e-12), "a higher threshold accepts less"
    assert t.tokens_per_round[0] > t.lossless_tokens_per_round and t.bias[0] > 0.05
    assert t.bias.min() > 0.05, "no epsilon in this range is close to lossless"
    assert t.lossless_acceptance == pytest.approx(float(np.mean(pair.alpha(4))))


def test_tradeoff_over_many_rounds_is_the_mean_of_single_rounds():
    pair = sl.SyntheticPair(vocab_size=30, agreement=0.5, seed=2)
    p, q = pair.distributions(8)
    rounds_p, rounds_q = np.stack([p[:4], p[4:]]), np.stack([q[:3], q[4:7]])
    both = typical_tradeoff(rounds_p, rounds_q, [0.05])
    one, two = (typical_tradeoff(rp, rq, [0.05]) for rp, rq in zip(rounds_p, rounds_q))
    assert both.tokens_per_round[0] == pytest.approx((one.tokens_per_round[0] + two.tokens_per_round[0]) / 2)
    assert both.bias[0] == pytest.approx((one.bias[0] + two.bias[0]) / 2)
    assert both.lossless_tokens_per_round == pytest.approx(
        (one.lossless_tokens_per_round + two.lossless_tokens_per_round) / 2)


def test_verify_typical_validates_like_verify():
    with pytest.raises(ValueError, match="draft_tokens"):
        verify_typical(P, Q, np.array([7, 0]), np.random.default_rng(0))
    with pytest.raises(ValueError, match="epsilon"):
        verify_typical(P, Q, np.array([1, 0]), np.random.default_rng(0), epsilon=2.0)


def test_tempering_limits():
    p = np.array([0.5, 0.3, 0.2])
    np.testing.assert_allclose(tempered(np.log(p), 1.0), p)
    np.testing.assert_array_equal(tempered(np.log(p), 0.0), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(tempered(np.log(p), 1e6), np.full(3, 1 / 3), atol=1e-5)
    np.testing.assert_allclose(tempered(np.log(p) + 7.0, 0.5), p**2 / (p**2).sum())
    with pytest.raises(ValueError, match="temperature"):
        tempered(np.log(p), -1.0)


def test_alpha_at_zero_is_argmax_agreement_and_at_one_is_alpha():
    pair = sl.SyntheticPair(vocab_size=100, agreement=0.6, seed=0)
    p, q = pair.distributions(200)
    alphas = alpha_at_temperatures(log_of(p), log_of(q), [0.0, 0.6, 1.0, 50.0])
    assert alphas[0] == pytest.approx(np.mean(p.argmax(-1) == q.argmax(-1)))
    assert alphas[2] == pytest.approx(float(pair.alpha(200).mean()))
    assert alphas[0] > alphas[2] > alphas[1], "falls from T = 0 to 1 (with a dip between) when argmaxes agree"
    assert alphas[3] > 0.98, "far above 1 both are nearly uniform"
    weak = sl.SyntheticPair(vocab_size=100, agreement=0.3, seed=0).distributions(200)
    low = alpha_at_temperatures(log_of(weak[0]), log_of(weak[1]), [0.0, 1.0])
    assert low[0] < low[1], "a draft whose argmax rarely agrees gains from temperature"


def test_tradeoff_table_has_one_line_per_epsilon_after_the_lossless_one():
    pair = sl.SyntheticPair(vocab_size=30, agreement=0.5, seed=3)
    p, q = pair.distributions(5)
    t = typical_tradeoff(p, q[:4], [0.01, 0.2])
    lines = t.table("top-1 draft").splitlines()
    assert lines[0] == (f"speculative sampling, top-1 draft: accepts {t.lossless_acceptance:.3f}, "
                        f"{t.lossless_tokens_per_round:.2f} tokens per round, bias 0")
    assert len(lines) == 3 and lines[2].startswith("typical, epsilon 0.2  : accepts")
    assert f"bias (TV) {t.bias[1]:.3f}" in lines[2] and t.table().startswith("speculative sampling: accepts")
