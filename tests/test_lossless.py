"""The losslessness experiment: THE rule passes the chi-square test, the two broken rules fail it.

This is the evidence notebook 02 shows; if `speclab.verify` ever lost the residual or sampled the
bonus greedily, the first test would fail, and if the broken rules were accidentally fixed, the
others would.
"""

import numpy as np
import pytest

import speclab as sl
from speclab.broken import verify_argmax_bonus, verify_without_residual
from speclab.lossless import emitted_token_counts, lossless_report

PAIR = sl.SyntheticPair(vocab_size=8, agreement=0.5, seed=0)
P, Q = PAIR.distributions(3)
Q = Q[:2]                 # k = 2 drafts; p has k + 1 = 3 rows
ROUNDS = 6000


@pytest.fixture(scope="module")
def reports():
    return {rule.__name__: lossless_report(rule, P, Q, rounds=ROUNDS, seed=0)
            for rule in (sl.verify, verify_without_residual, verify_argmax_bonus)}


def test_the_real_rule_is_lossless(reports):
    report = reports["verify"]
    assert report.passes(), report.summary()
    assert report.counts[0].sum() == ROUNDS, "every round emits a token at position 0"


def test_resampling_from_p_instead_of_the_residual_fails(reports):
    report = reports["verify_without_residual"]
    assert not report.passes()
    assert report.p_values[0] < 1e-6, "the first token over-weights what the draft likes"


def test_greedy_bonus_fails_at_the_bonus_position(reports):
    report = reports["verify_argmax_bonus"]
    assert report.p_values[:2].min() > 1e-3, "before the bonus this rule is the real one"
    assert report.p_values[2] < 1e-6
    assert np.count_nonzero(report.counts[2]) == 1, "the argmax bonus is always the same token"


def test_broken_rules_accept_exactly_like_the_real_one():
    """Only steps 3-4 differ: with the same random numbers the accepted prefix is the same."""
    for seed in range(20):
        drafts = np.array([1, 2])
        for rule in (verify_without_residual, verify_argmax_bonus):
            mask = Q[np.arange(2), drafts] > 0
            if not mask.all():
                continue
            real = sl.verify(P, Q, drafts, np.random.default_rng(seed))
            broken = rule(P, Q, drafts, np.random.default_rng(seed))
            assert broken.n_accepted == real.n_accepted


def test_counts_add_up_per_position():
    counts = emitted_token_counts(sl.verify, P, Q, rounds=500, seed=1)
    assert counts.shape == (3, 8)
    assert counts[0].sum() == 500 and counts[0].sum() >= counts[1].sum() >= counts[2].sum()


def test_summary_is_readable_and_stable(reports):
    text = reports["verify_without_residual"].summary()
    assert text.splitlines()[0].startswith("position 0:") and "NOT distributed as p" in text
    assert "< 1e-6" in text
