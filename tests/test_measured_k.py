"""Choosing k from measured per-depth acceptance and measured pass costs."""

from __future__ import annotations

import numpy as np
import pytest

from speclab import theory
from speclab.measured_k import (alpha_for_speedup, alternatives_for, best_k, best_plan, speedups, tokens_per_pass,
                                tree_speedups)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.8, 1.0])
@pytest.mark.parametrize("k", [1, 4, 9])
def test_constant_rates_give_theorys_expected_tokens(alpha, k):
    assert tokens_per_pass([alpha] * k) == pytest.approx(theory.expected_tokens(alpha, k), rel=1e-12)


@pytest.mark.parametrize("alpha,c,growth", [(0.7, 0.05, 0.0), (0.4, 0.02, 0.1), (0.9, 0.2, 0.3)])
def test_linear_costs_and_one_alpha_give_theorys_speedups(alpha, c, growth):
    costs = 1.0 + growth * np.arange(12)
    ks = np.arange(12)
    np.testing.assert_allclose(speedups([alpha], c, costs), theory.speedup(alpha, ks, c, growth), rtol=1e-12)
    assert best_k([alpha], c, costs) == theory.optimal_k(alpha, c, k_max=11, verify_growth=growth)


def test_a_hand_computed_choice():
    # k=1: 1.5 / 1.1 = 1.364;  k=2: (1 + 0.5 + 0.1) / 1.2 = 1.333
    np.testing.assert_allclose(speedups([0.5, 0.2], 0.1, [1, 1, 1]), [1.0, 1.5 / 1.1, 1.6 / 1.2])
    assert best_k([0.5, 0.2], 0.1, [1, 1, 1]) == 1


def test_rates_beyond_the_list_repeat_its_last_value():
    np.testing.assert_allclose(speedups([0.5, 0.4], 0.0, [1, 1, 1, 1])[3], 1 + 0.5 + 0.2 + 0.08)


def test_cheap_short_passes_favour_the_k_they_make_cheap():
    cpu = [1.0, 0.83, 0.91, 0.89, 1.05, 1.18, 1.31, 1.22, 1.57]     # measured shape: not a line
    assert best_k([0.3], 0.05, cpu) >= 1
    assert best_k([0.0], 0.05, [1.0, 1.5, 1.7]) == 0


def test_a_gain_under_one_percent_is_not_worth_drafting():
    assert best_k([0.005], 0.0, [1.0, 1.0]) == 0
    assert best_k([0.02], 0.0, [1.0, 1.0]) == 1


@pytest.mark.parametrize("rates,costs,word", [([1.2], [1, 1], "rates"), ([], [1, 1], "rates"),
                                               ([float("nan")], [1, 1], "rates"), ([0.5], [], "pass_costs"),
                                               ([0.5], [1, 0], "pass_costs"), ([0.5], [1, -1], "pass_costs")])
def test_bad_input_names_the_argument(rates, costs, word):
    with pytest.raises(ValueError, match=word):
        speedups(rates, 0.05, costs)


def test_a_tree_without_alternatives_is_the_chain():
    rates, costs = [0.5, 0.3], [1.0, 1.0, 1.1, 1.3]
    table = tree_speedups(rates, 0.05, costs, [0.5, 0.6, 0.65])
    np.testing.assert_allclose(table[:, 0], speedups(rates, 0.05, costs))
    assert table.shape == (4, 3) and (table[0, 1:] == 0).all()            # no alternatives without a draft
    assert table[3, 1] == 0 and table[2, 2] == 0                          # more rows than costs were measured for


def test_a_hand_computed_tree():
    # k=1, m=2: tokens 1 + 0.5 + (0.65 - 0.5) = 1.65 over cost(4) + c = 1.3 + 0.05
    table = tree_speedups([0.5, 0.3], 0.05, [1.0, 1.0, 1.1, 1.3], [0.5, 0.6, 0.65])
    assert table[1, 2] == pytest.approx(1.65 / 1.35) and table[1, 1] == pytest.approx(1.6 / 1.15)
    # the chain alone, 1.5 / 1.05 = 1.43, beats both: the second row costs more than it adds
    assert best_plan([0.5, 0.3], 0.05, [1.0, 1.0, 1.1, 1.3], [0.5, 0.6, 0.65]) == (1, 0)


def test_flat_passes_and_good_runners_up_favour_alternatives():
    flat, steep, hits = [1.0, 1.0, 1.0, 1.02, 1.05], [1.0, 1.0, 1.6, 2.2, 2.8], [0.4, 0.56, 0.64, 0.7]
    assert best_plan([0.4, 0.2], 0.05, flat, hits)[1] >= 2
    assert best_plan([0.4, 0.2], 0.05, steep, hits) == (1, 0)
    assert best_plan([0.4, 0.2], 0.05, steep) == (best_k([0.4, 0.2], 0.05, steep), 0)
    assert best_plan([0.01], 0.5, steep, [0.01, 0.02]) == (0, 0)


@pytest.mark.parametrize("hits", [[0.5, 0.4], [], [1.2], [[0.1]]])
def test_bad_hit_rates_are_refused(hits):
    with pytest.raises(ValueError, match="first_hits"):
        tree_speedups([0.5], 0.05, [1.0, 1.0, 1.0], hits)


def test_alternatives_must_beat_the_chain_by_the_margin():
    costs = [1.0, 1.0, 1.0, 1.3]
    # k=1 chain (a second draft never lands): 1.4 / 1.05 = 1.333; one alternative adds 0.02 (1.4%, kept out) or 0.10 (7%, taken)
    assert best_plan([0.4, 0.0], 0.05, costs, [0.4, 0.42]) == (1, 0)
    assert best_plan([0.4, 0.0], 0.05, costs, [0.4, 0.5]) == (1, 1)
    assert alternatives_for(1, [0.4], 0.05, costs, [0.4, 0.42]) == 0
    assert alternatives_for(1, [0.4], 0.05, costs, [0.4, 0.5]) == 1
    assert alternatives_for(0, [0.4], 0.05, costs, [0.4, 0.5]) == 0


def test_the_alpha_a_goal_needs_reaches_it_exactly():
    costs, c = [1.0, 1.2, 1.35, 1.3, 1.5], 0.05
    alpha, k = alpha_for_speedup(1.5, c, costs)
    gains = speedups([alpha], c, costs)
    assert gains[k] == pytest.approx(1.5, rel=1e-9)
    assert gains.max() == pytest.approx(1.5, rel=1e-9)       # no other k does better at that alpha
    assert speedups([alpha - 0.01], c, costs).max() < 1.5    # and a little less falls short


def test_the_alpha_for_one_draft_is_a_closed_form():
    # k = 1 only: (1 + alpha) / (1.2 + 0.05) = 1.2  ->  alpha = 0.5
    assert alpha_for_speedup(1.2, 0.05, [1.0, 1.2]) == (pytest.approx(0.5), 1)
    assert alpha_for_speedup(1.0, 0.1, [1.0, 1.0]) == (pytest.approx(0.1), 1)   # theory's break-even


def test_an_unreachable_goal_gives_nan():
    alpha, k = alpha_for_speedup(3.0, 0.05, [1.0, 1.2])      # one draft emits at most 2 tokens
    assert np.isnan(alpha) and k == 0


@pytest.mark.parametrize("goal,costs,word", [(0, [1, 1.2], "goal"), (-1, [1, 1.2], "goal"),
                                             ("fast", [1, 1.2], "goal"), (1.5, [1], "pass_costs"),
                                             (1.5, [1, 0], "pass_costs")])
def test_alpha_for_speedup_names_a_bad_argument(goal, costs, word):
    with pytest.raises(ValueError, match=word):
        alpha_for_speedup(goal, 0.05, costs)
