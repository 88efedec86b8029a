"""The metric dictionary: hand-computed values, round trips, agreement with simulation, bad input."""

import itertools

import numpy as np
import pytest

import speclab as sl
from speclab import metrics


def test_hand_computed_values_at_alpha_08_k_4():
    # 1 + .8 + .64 + .512 + .4096 = 3.3616 tokens a round; accepted .8 + ... + .4096 = 2.3616 of 4
    assert metrics.mean_acceptance_length(0.8, 4) == pytest.approx(3.3616)
    assert metrics.accepted_per_drafted(0.8, 4) == pytest.approx(2.3616 / 4)
    assert metrics.system_efficiency(0.8, 4) == pytest.approx(3.3616 / 5)
    np.testing.assert_allclose(metrics.per_position_acceptance(0.8, 4), [0.8, 0.64, 0.512, 0.4096])


def test_implied_alpha_inverts_mean_acceptance_length_everywhere():
    alphas = np.linspace(0.0, 1.0, 101)
    for k in (1, 2, 3, 4, 7, 16):
        lengths = metrics.mean_acceptance_length(alphas, k)
        np.testing.assert_allclose(metrics.implied_alpha(lengths, k), alphas, atol=1e-9)


def test_the_vllm_example_2_9_at_k_4():
    alpha = metrics.implied_alpha(2.9, 4)
    assert 1 + alpha + alpha**2 + alpha**3 + alpha**4 == pytest.approx(2.9, abs=1e-12)
    assert metrics.implied_alpha(1.0, 4) == 0.0 and metrics.implied_alpha(5.0, 4) == pytest.approx(1.0)


@pytest.mark.parametrize("source, target", list(itertools.permutations(metrics.METRICS, 2)))
def test_every_conversion_round_trips(source, target):
    alphas = np.array([0.05, 0.3, 0.55, 0.8, 0.97])
    for k in (1, 3, 6):
        value = metrics.METRICS[source].from_alpha(alphas, k)
        there = metrics.convert(value, source, target, k)
        back = metrics.convert(there, target, source, k)
        np.testing.assert_allclose(back, value, atol=1e-9)
        np.testing.assert_allclose(metrics.METRICS[target].to_alpha(there, k), alphas, atol=1e-9)


def test_metrics_match_what_iid_rounds_produce():
    """Counted over 2x10^5 simulated rounds, the metrics agree with their formulas within 1%."""
    alpha, k = 0.7, 4
    run = sl.simulate_iid(alpha, k, 0.1, rounds=200_000, seed=3)
    assert run.mean_tokens_per_round == pytest.approx(metrics.mean_acceptance_length(alpha, k), rel=0.01)
    assert run.acceptance_rate == pytest.approx(metrics.accepted_per_drafted(alpha, k), rel=0.01)
    assert run.mean_tokens_per_round / (k + 1) == pytest.approx(metrics.system_efficiency(alpha, k), rel=0.01)
    # P(draft i accepted) = P(round emits at least i + 1 tokens); counts[j] counts rounds of j + 1 tokens
    reached = [run.counts[i:].sum() / run.rounds for i in range(1, k + 1)]
    np.testing.assert_allclose(reached, metrics.per_position_acceptance(alpha, k), rtol=0.02)
    assert metrics.implied_alpha(run.mean_tokens_per_round, k) == pytest.approx(alpha, abs=0.005)


def test_accepted_per_drafted_is_not_alpha():
    assert metrics.accepted_per_drafted(0.8, 4) == pytest.approx(0.5904)
    assert metrics.alpha_from_accepted_per_drafted(0.5904, 4) == pytest.approx(0.8)


def test_fit_agrees_with_theory():
    result = metrics.fit(2.9, 4, cost=0.05)
    assert result.alpha == pytest.approx(metrics.implied_alpha(2.9, 4))
    assert result.best_k == sl.optimal_k(result.alpha, 0.05)
    assert result.speedup == pytest.approx(sl.speedup(result.alpha, result.best_k, 0.05))
    assert result.speedup_at_k == pytest.approx(sl.speedup(result.alpha, 4, 0.05))
    assert set(result.to_dict()) == {"alpha", "best_k", "speedup"}


def test_fit_with_verification_growth_picks_a_shorter_k():
    assert metrics.fit(2.9, 4, cost=0.05, verify_growth=0.1).best_k < metrics.fit(2.9, 4, cost=0.05).best_k


@pytest.mark.parametrize("call, words", [
    (lambda: metrics.implied_alpha(5.5, 4), "mean_acceptance_length must lie in [1, k + 1]"),
    (lambda: metrics.implied_alpha(0.5, 4), "mean_acceptance_length must lie in [1, k + 1]"),
    (lambda: metrics.implied_alpha(2.0, 0), "k must be a whole number >= 1"),
    (lambda: metrics.alpha_from_system_efficiency(0.1, 4), "efficiency (system efficiency) must lie in [1 / (k + 1), 1]"),
    (lambda: metrics.alpha_from_accepted_per_drafted(1.5, 4), "fraction (accepted/drafted) must lie in [0, 1]"),
    (lambda: metrics.convert(0.5, "tau", "alpha", 4), "source must be one of"),
    (lambda: metrics.convert(0.5, "alpha", "speed", 4), "target must be one of"),
    (lambda: metrics.convert(0.5, ["alpha"], "alpha", 4), "source must be one of"),
    (lambda: metrics.convert(0.5, "alpha", {"alpha": 1}, 4), "target must be one of"),
    (lambda: metrics.fit([2.0, 3.0], 4), "mean_acceptance_length must be a single number"),
    (lambda: metrics.fit(2.0, 4, cost=-1), "cost must be a finite number >= 0"),
    (lambda: metrics.fit(float("nan"), 4), "mean_acceptance_length must be a finite number"),
])
def test_bad_input_names_the_argument(call, words):
    with pytest.raises(ValueError) as error:
        call()
    assert words in str(error.value)
