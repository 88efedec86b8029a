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
from speclab.exercises._grading import sampling
from speclab.exercises._grading.policy_time import expected_speedup, expected_time, fixed_k_speedups
from speclab.exercises._grading.stretches import SwitchingPair
from speclab.exercises._grading.tabled_policy import TabledPolicy


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


def _gain(rule) -> float:
    """The learner-rule's exact expected speedup over the best fixed K's, on exercise 2's text."""
    table = TabledPolicy.tabulate(rule).table
    got = expected_speedup(ex2_module.text_alpha(), table, ex2_module.START_K, ex2_module.COST_RATIO)
    return got / ex2_module.best_fixed_k()[1]


GOOD_RULES = {
    "reference": ex2_module.next_k,
    "grow 2 / shrink 1 (sl.AdaptiveK's default)": lambda k, n: max(1, min(16, k + 2 if n == k else k - 1)),
    "grow 1 / shrink 1": lambda k, n: max(1, min(16, k + 1 if n == k else k - 1)),
    "double / halve": lambda k, n: min(16, 2 * k) if n == k else max(1, k // 2),
    "n_accepted + 1": lambda k, n: min(16, max(1, n + 1)),
    "grow 2 / reset to 1": lambda k, n: min(16, k + 2) if n == k else 1,
}
BROKEN_RULES = {
    "shrinks only after n_accepted == 0": lambda k, n: min(16, k + 2) if n == k else (max(1, k - 1) if n == 0 else k),
    "grows after any acceptance": lambda k, n: min(16, k + 1) if n > 0 else max(1, k - 1),
    "jumps straight to 16": lambda k, n: 16 if n == k else max(1, k - 1),
    "growing and shrinking swapped": lambda k, n: max(1, k - 1) if n == k else min(16, k + 2),
}


@pytest.mark.parametrize("name", list(GOOD_RULES))
def test_ex2_sensible_adaptive_rules_clear_the_bar_with_margin(name):
    assert _gain(GOOD_RULES[name]) >= ex2_module.MIN_GAIN + 0.015


@pytest.mark.parametrize("name", list(BROKEN_RULES))
def test_ex2_broken_rules_fall_clearly_below_the_bar(name):
    assert _gain(BROKEN_RULES[name]) <= ex2_module.MIN_GAIN - 0.04


@pytest.mark.parametrize("k", range(1, 17))
def test_ex2_no_fixed_k_clears_the_bar(k):
    # a constant rule is fixed K after its first round, which always drafts START_K
    assert _gain(lambda _k, _n, k=k: k) <= 1.001 < ex2_module.MIN_GAIN - 0.015


def test_ex2_the_best_fixed_k_is_computed_over_every_k():
    alpha = ex2_module.text_alpha()
    each = [expected_speedup(alpha, np.full((17, 17), k), k, ex2_module.COST_RATIO) for k in range(1, 17)]
    best_k, best = ex2_module.best_fixed_k()
    assert best == pytest.approx(max(each), rel=1e-12) and best_k == int(np.argmax(each)) + 1


def test_ex2_text_really_switches_between_easy_and_hard():
    pair = SwitchingPair(ex2_module.EASY, ex2_module.HARD, ex2_module.STRETCH, seed=ex2_module.SEED)
    alpha, hard = ex2_module.text_alpha(), pair.is_hard(ex2_module.NUM_TOKENS)
    assert hard.mean() == 0.5 and not hard[:ex2_module.STRETCH].any() and hard[ex2_module.STRETCH]
    assert alpha[~hard].mean() > 0.95 and alpha[hard].mean() < 0.35
    # where easy and hard want very different K, no single K can serve both
    c = ex2_module.COST_RATIO
    assert sl.optimal_k(alpha[~hard].mean(), c) >= 10 and sl.optimal_k(alpha[hard].mean(), c) <= 2
    # the same target text throughout: only the draft changes
    p, q = pair.distributions(ex2_module.NUM_TOKENS)
    easy_p, easy_q = sl.SyntheticPair(agreement=ex2_module.EASY, seed=0).distributions(ex2_module.NUM_TOKENS)
    assert np.array_equal(p, easy_p) and np.array_equal(q[~hard], easy_q[~hard])


@pytest.mark.parametrize("rule", [lambda k, n: 3, ex2_module.next_k], ids=["fixed K = 3", "reference"])
def test_exact_expected_speedup_is_what_the_simulator_estimates(rule):
    pair = SwitchingPair(ex2_module.EASY, ex2_module.HARD, ex2_module.STRETCH, seed=0)
    policy = TabledPolicy.tabulate(rule)
    exact = expected_speedup(pair.alpha(400), policy.table, 4, 0.1)
    simulated = sl.simulate(pair, num_tokens=400, trials=400, seed=3, policy=policy, cost=sl.CostModel(5.0, 50.0))
    low, high = simulated.speedup_ci
    half = (high - low) / 2 * 5.0 / 1.96          # a 5-sigma band: a correct recursion fails ~1e-6
    assert abs(simulated.speedup - exact) <= half
    assert half < 0.01 * exact                     # ... and the band is tight enough to mean something


def test_expected_time_by_hand():
    # two tokens, K = 1: round 1 costs 1 + c and emits 2 tokens with probability a, else 1;
    # then one more round with no drafts (one token left) costs 1.
    a, c = 0.7, 0.2
    table = np.full((2, 2), 1)
    assert expected_time([a, a], table, 1, c)[1] == pytest.approx((1 + c) + (1 - a) * 1.0)
    # with growth g a round of k drafts costs k*c + 1 + g*k
    assert expected_time([a, a], table, 1, c, 0.5)[1] == pytest.approx((1 + c + 0.5) + (1 - a))


def test_fixed_k_speedups_match_one_policy_at_a_time():
    alpha = np.random.default_rng(0).uniform(0.2, 1.0, size=60)
    together = fixed_k_speedups(alpha, 8, 0.1, 0.05)
    for k in range(1, 9):
        assert together[k] == pytest.approx(expected_speedup(alpha, np.full((9, 9), k), k, 0.1, 0.05), rel=1e-12)
    assert together[0] == pytest.approx(1.0)


def test_long_constant_text_approaches_the_closed_form():
    alpha = np.full(4000, 0.8)
    assert fixed_k_speedups(alpha, 4, 0.1)[4] == pytest.approx(sl.speedup(0.8, 4, 0.1), rel=2e-3)


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


@pytest.mark.parametrize("cost_ratio, k, growth", ex4_module.TABLE)
def test_ex4_table_has_a_clear_answer_for_every_case(cost_ratio, k, growth):
    assert 0 <= cost_ratio <= 0.9 and k >= 1 and growth >= 0
    # no case sits on the edge between "some alpha breaks even" and "none does"
    assert abs(cost_ratio + growth - 1.0) >= 0.05
    exact = sl.breakeven_alpha(cost_ratio, k, growth)
    if cost_ratio + growth > 1:
        assert math.isnan(exact) and sl.speedup(1.0, k, cost_ratio, growth) < 1
    else:
        assert 0.0 <= exact <= 1.0
        if exact > 0:
            assert sl.speedup(exact, k, cost_ratio, growth) == pytest.approx(1.0, abs=1e-9)
            assert sl.speedup(exact - 2 * ex4_module.TOLERANCE, k, cost_ratio, growth) < 1


def test_ex4_table_covers_growth_none_and_the_closed_forms():
    table = ex4_module.TABLE
    assert sum(g > 0 for _, _, g in table) >= 8
    assert sum(c + g > 1 for c, _, g in table) >= 2                      # no break-even: nan
    assert any(k == 1 and g > 0 for _, k, g in table)                      # alpha = c + g
    assert any(c == 0 and g == 0 for c, _, g in table)                     # alpha = 0


def test_ex2_figure_names_a_capped_best_k_as_capped_and_explains_the_shading():
    import matplotlib

    matplotlib.use("Agg")
    ax = ex2_module.plot_text().axes[0]
    easy_alpha, _ = ex2_module._stretch_alphas()
    capped, unbounded = sl.optimal_k(easy_alpha, ex2_module.COST_RATIO, ex2_module.MAX_K), \
        sl.optimal_k(easy_alpha, ex2_module.COST_RATIO, 256)
    assert capped == ex2_module.MAX_K < unbounded               # the easy stretch's optimum lies past the cap
    easy = [t.get_text() for t in ax.texts if t.get_text().startswith("easy")][0]
    assert easy.endswith(f"best K there {ex2_module.MAX_K}+ (capped; {unbounded} unbounded)"), easy
    hard = [t.get_text() for t in ax.texts if t.get_text().startswith("hard")][0]
    assert hard.endswith(f"best K there {sl.optimal_k(ex2_module._stretch_alphas()[1], ex2_module.COST_RATIO)}")
    assert "hard stretch" in [t.get_text() for t in ax.get_legend().get_texts()]
