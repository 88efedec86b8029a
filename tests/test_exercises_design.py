"""The sizing claims behind the checks: a correct answer fails below 1e-6, a wrong one is caught."""

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

import speclab as sl
from speclab.exercises import ex1_acceptance_rule as ex1_module
from speclab.exercises import ex2_adaptive_k as ex2_module
from speclab.exercises import ex3_multi_draft as ex3_module
from speclab.exercises import ex4_breakeven as ex4_module
from speclab.exercises import sampling
from speclab.exercises.tabled_policy import TabledPolicy


def test_false_alarm_budget_is_below_one_in_a_million():
    # union bound over the tests of one check, with a factor 30 left for approximation error
    assert sampling.FALSE_ALARM * sampling.MAX_TESTS_PER_CHECK * 30 <= 1e-6
    tests_per_check = {"ex1": 2 * len(ex1_module.CASES), "ex3": 2 * len(ex3_module.CASES)}
    assert max(tests_per_check.values()) <= sampling.MAX_TESTS_PER_CHECK


@pytest.mark.parametrize("title, p, q", ex1_module.CASES)
def test_ex1_cells_are_large_enough_for_chi_square(title, p, q):
    alpha = sl.acceptance_rate(p, q)
    cells = np.concatenate([p, [alpha, 1 - alpha]])
    possible = cells[cells > 1e-12]
    assert possible.min() * ex1_module.DRAWS >= sampling.MIN_EXPECTED_COUNT
    assert abs(sum(p) - 1) < 1e-12 and abs(sum(q) - 1) < 1e-12


@pytest.mark.parametrize("title, p, q, n", ex3_module.CASES)
def test_ex3_cells_are_large_enough_for_chi_square(title, p, q, n):
    possible = np.array(p)[np.array(p) > 0]
    assert possible.min() * ex3_module.DRAWS >= sampling.MIN_EXPECTED_COUNT


@pytest.mark.parametrize("title, p, q, n", ex3_module.CASES)
def test_ex3_acceptance_floor_separates_correct_from_single_candidate(title, p, q, n):
    draws, budget = ex3_module.DRAWS, -math.log(sampling.FALSE_ALARM)
    single, best = sl.acceptance_rate(p, q), ex3_module.reference_acceptance(p, q, n)
    floor, _ = ex3_module.acceptance_floor(p, q, n)
    # a correct answer as good as the reference falls below the floor with probability < FALSE_ALARM
    assert floor <= sampling.lower_limit(best, draws) + 1e-12
    if best - single >= ex3_module.MIN_GAIN:
        # ... and a single-candidate answer reaches it with probability < FALSE_ALARM (Chernoff)
        assert draws * sampling.bernoulli_kl(floor, single) >= budget


def test_ex3_reference_acceptance_matches_simulation():
    rng = np.random.default_rng(0)
    p, q, n = np.array([0.4, 0.3, 0.2, 0.1]), np.array([0.1, 0.2, 0.3, 0.4]), 3
    hits = [ex3_module.verify_multi(p, q, rng.choice(4, size=n, p=q), rng)[0] for _ in range(20_000)]
    assert np.mean(hits) == pytest.approx(ex3_module.reference_acceptance(p, q, n), abs=0.015)


@pytest.mark.parametrize("rate", [0.05, 0.3, 0.6, 0.9, 0.99])
@pytest.mark.parametrize("total", [1_000, 10_000])
def test_lower_limit_is_a_valid_tail_bound(rate, total):
    limit = sampling.lower_limit(rate, total)
    assert limit < rate
    assert scipy_stats.binom.cdf(math.floor(limit * total), total, rate) <= sampling.FALSE_ALARM


def test_lower_limit_of_a_certain_event_allows_no_miss():
    assert sampling.lower_limit(1.0, 10_000) > 1 - 1 / 10_000


def test_ex2_reference_clears_the_bar_with_margin():
    policy = TabledPolicy.tabulate(ex2_module.next_k)
    for _, agreement in ex2_module.PAIRS:
        ratio = ex2_module._simulate(policy, agreement).speedup / ex2_module.baseline_speedup(agreement)
        assert ratio >= ex2_module.MIN_RATIO + 0.05


def test_tabled_policy_reproduces_adaptive_k_in_the_simulator():
    pair = sl.SyntheticPair(agreement=0.7, seed=3)
    adaptive = sl.AdaptiveK(start_k=4, min_k=1, max_k=16, grow=2, shrink=1)
    tabled = TabledPolicy.tabulate(adaptive.next_k, start_k=4, max_k=16)
    a = sl.simulate(pair, num_tokens=100, trials=50, seed=1, policy=adaptive)
    b = sl.simulate(pair, num_tokens=100, trials=50, seed=1, policy=tabled)
    assert a.speedup == b.speedup and a.draft_passes == b.draft_passes


def test_tabled_policy_works_on_scalars_and_arrays():
    tabled = TabledPolicy.tabulate(lambda k, n: min(16, k + 2) if n == k else max(1, k - 1))
    assert tabled.next_k(4, 4) == 6 and isinstance(tabled.next_k(4, 4), int)
    assert tabled.next_k(np.array([4, 4, 0]), np.array([4, 0, 0])).tolist() == [6, 3, 1]


@pytest.mark.parametrize("cost_ratio, k", ex4_module.TABLE)
def test_ex4_table_stays_in_the_promised_domain(cost_ratio, k):
    assert 0 <= cost_ratio <= 0.9 and k >= 1
    exact = sl.breakeven_alpha(cost_ratio, k)
    assert 0.0 <= exact <= 1.0
    if exact > 0:
        assert sl.speedup(exact, k, cost_ratio) == pytest.approx(1.0, abs=1e-9)
