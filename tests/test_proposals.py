"""speclab.proposals: tokens per target pass when a drafter proposes 0..k tokens, against the chain,
exact enumeration of every acceptance pattern, and a seeded simulation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import speclab as sl
from speclab.measured_k import speedups
from speclab.proposals import (
    effective_alpha,
    observed_proposals,
    proposal_speedup,
    proposal_speedups,
    proposal_tokens,
    tokens_by_length,
)
from speclab.rounds import RoundRecord


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.87, 0.999, 1.0])
@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_a_drafter_that_always_proposes_k_is_the_chain(alpha, k):
    always_k = np.eye(k + 1)[k]
    assert proposal_tokens(always_k, [alpha] * k) == pytest.approx(sl.expected_tokens(alpha, k), rel=1e-12)
    growth, c = 0.07, 0.05
    costs = 1.0 + growth * np.arange(k + 1)
    assert proposal_speedup(always_k, [alpha] * k, c, costs) == pytest.approx(sl.speedup(alpha, k, c, growth))
    rates = np.linspace(0.9, 0.5, k)                            # falling with depth, as a trained draft's
    assert np.allclose(proposal_speedups(always_k, rates, c, costs), speedups(rates, c, costs))


def _enumerated(pmf, rates, c, costs):
    """(E[tokens], E[cost]) by summing over every proposal length and every accept/reject pattern."""
    tokens = cost = 0.0
    for length, p_length in enumerate(pmf):
        for pattern in itertools.product([True, False], repeat=length):
            p = p_length * np.prod([a if ok else 1 - a for a, ok in zip(rates, pattern)])
            accepted = next((i for i, ok in enumerate(pattern) if not ok), length)   # the accepted prefix
            tokens += p * (1 + accepted)
            cost += p * (costs[length] / costs[0] + c * length)
    return tokens, cost


@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_exact_enumeration_of_every_acceptance_pattern(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 5))
    pmf = rng.dirichlet(np.ones(k + 1) * 0.7)
    rates = rng.uniform(0, 1, k)
    costs = np.cumsum(np.r_[1.0, rng.uniform(0.0, 0.4, k)])
    c = float(rng.uniform(0, 0.3))
    tokens, cost = _enumerated(pmf, rates, c, costs)
    assert proposal_tokens(pmf, rates) == pytest.approx(tokens, rel=1e-12)
    assert proposal_speedup(pmf, rates, c, costs) == pytest.approx(tokens / cost, rel=1e-12)
    for cap in range(k + 1):                                    # asked for at most `cap`: proposes min(L, cap)
        capped = np.r_[pmf[:cap], pmf[cap:].sum()]
        assert proposal_speedups(pmf, rates, c, costs)[cap] == pytest.approx(
            np.divide(*_enumerated(capped, rates, c, costs)), rel=1e-12)


def _simulated_rounds(pmf, rates, n, rng) -> list:
    """n rounds: a length drawn from pmf, then each draft accepted with its position's rate until one fails."""
    rounds = []
    for length in rng.choice(len(pmf), size=n, p=pmf):
        ok = rng.random(length) < rates[:length]
        accepted = int(np.argmin(ok)) if not ok.all() else int(length)
        rounds.append(RoundRecord(tuple(range(1, length + 1)), accepted, 0))
    return rounds


def test_a_seeded_simulation_emits_what_the_formula_predicts_and_the_chain_does_not():
    """Prompt lookup's shape: often nothing to propose, often fewer than k; the chain at the same alpha overstates."""
    pmf, rates = np.array([0.45, 0.15, 0.1, 0.3]), np.array([0.87, 0.87, 0.87])
    rounds = _simulated_rounds(pmf, rates, 40_000, np.random.default_rng(7))
    emitted = np.array([1 + r.n_accepted for r in rounds])
    se = emitted.std() / np.sqrt(emitted.size)
    assert abs(emitted.mean() - proposal_tokens(pmf, rates)) < 5 * se            # false failure ~ 6e-7
    assert sl.expected_tokens(0.87, 3) > emitted.mean() + 0.9                     # the chain promises ~1 more
    seen = observed_proposals(rounds, 3)
    assert np.allclose(seen.length_pmf, pmf, atol=0.015) and np.allclose(seen.acceptance, rates, atol=0.015)
    assert seen.tokens == pytest.approx(emitted.mean(), abs=5 * se)
    assert seen.mean_length == pytest.approx(pmf @ np.arange(4), abs=0.03)


def test_with_one_length_the_observed_prediction_is_exactly_the_measured_tokens_per_pass():
    rounds = _simulated_rounds(np.eye(4)[3], np.array([0.9, 0.6, 0.5]), 500, np.random.default_rng(1))
    assert observed_proposals(rounds).tokens == pytest.approx(np.mean([1 + r.n_accepted for r in rounds]))


def test_observed_by_hand():
    rounds = [RoundRecord((4, 5), 2, 1), RoundRecord((), 0, 1), RoundRecord((4, 5, 6), 0, 1), RoundRecord((7,), 0, 1)]
    seen = observed_proposals(rounds, k=4)
    assert seen.length_pmf.tolist() == [0.25, 0.25, 0.25, 0.25, 0.0]
    assert seen.examined.tolist() == [3, 1, 0, 0] and seen.accepted.tolist() == [1, 1, 0, 0]
    assert seen.acceptance.tolist() == pytest.approx([1 / 3, 1.0, 0.0, 0.0])
    # 1 + P(L >= 1) a_1 + P(L >= 2) a_1 a_2: with lengths mixed an estimate, not the run's 6 / 4 tokens
    assert seen.rounds == 4 and seen.tokens == pytest.approx(1 + 0.75 / 3 + 0.5 / 3)


def test_tokens_by_length_and_effective_alpha():
    assert tokens_by_length([0.5, 0.5]).tolist() == [1.0, 1.5, 1.75]
    assert tokens_by_length([]).tolist() == [1.0]
    assert effective_alpha(np.eye(4)[3], [0.6] * 3) == pytest.approx(0.6)
    silent_half = effective_alpha([0.5, 0, 0, 0.5], [0.87] * 3)
    assert 0.4 < silent_half < 0.87
    assert sl.expected_tokens(silent_half, 3) == pytest.approx(proposal_tokens([0.5, 0, 0, 0.5], [0.87] * 3))
    assert proposal_tokens([1.0], []) == 1.0                    # K = 0: plain decoding


@pytest.mark.parametrize("call, name", [
    (lambda: proposal_tokens([0.5, 0.6], [0.5]), "length_pmf"),          # does not sum to 1
    (lambda: proposal_tokens([1.2, -0.2], [0.5]), "length_pmf"),         # negative
    (lambda: proposal_tokens([np.nan, 1.0], [0.5]), "length_pmf"),
    (lambda: proposal_tokens([], []), "length_pmf"),
    (lambda: proposal_tokens([[0.5, 0.5]], [0.5]), "length_pmf"),
    (lambda: proposal_tokens("abc", [0.5]), "length_pmf"),
    (lambda: proposal_tokens(None, [0.5]), "length_pmf"),
    (lambda: proposal_tokens([0.5, 0.5], [1.5]), "acceptance"),
    (lambda: proposal_tokens([0.5, 0.5], [-0.1]), "acceptance"),
    (lambda: proposal_tokens([0.5, 0.5], [np.nan]), "acceptance"),
    (lambda: proposal_tokens([0.5, 0.5], [0.5, 0.5]), "acceptance"),     # shapes disagree
    (lambda: proposal_tokens([0.5, 0.5], "x"), "acceptance"),
    (lambda: proposal_speedup([0.5, 0.5], [0.5], -1.0, [1.0, 1.1]), "c"),
    (lambda: proposal_speedup([0.5, 0.5], [0.5], np.nan, [1.0, 1.1]), "c"),
    (lambda: proposal_speedup([0.5, 0.5], [0.5], 0.1, [1.0]), "pass_costs"),     # does not cover K + 1 rows
    (lambda: proposal_speedups([0.5, 0.5], [0.5], 0.1, [1.0, -1.0]), "pass_costs"),
    (lambda: effective_alpha([1.0], []), "length_pmf"),
    (lambda: observed_proposals([]), "rounds"),
    (lambda: observed_proposals(None), "rounds"),
    (lambda: observed_proposals([3]), "rounds"),
    (lambda: observed_proposals([RoundRecord((1, 2), 1, 0)], k=1), "k"),
])
def test_bad_input_gets_one_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b|\b{name}\b"):
        call()
