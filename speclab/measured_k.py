"""Pick k from what was measured: acceptance per draft depth and the target's cost per pass length.

Theory's optimal_k assumes one alpha at every depth and a verification cost that grows linearly
in k. A trained draft breaks the first (its deeper drafts read its own predicted features, so they
are accepted less often) and a CPU breaks the second (t(n)/t(1) is not a straight line). With
r_d = P(draft d accepted | drafts 1..d-1 accepted) and cost(n) = t(n)/t(1), a round of k drafts
yields 1 + r_1 + r_1 r_2 + ... + r_1...r_k tokens in expectation and costs cost(k+1) + k c target
steps; the best k maximizes the ratio.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_nonnegative, as_unit_interval


def tokens_per_pass(rates) -> float:
    """Expected tokens per round, 1 + r_1 + r_1 r_2 + ...: one per accepted draft plus the target's own."""
    rates = _as_rates(rates)
    return float(1.0 + np.cumprod(rates).sum())


def speedups(rates, c, pass_costs) -> np.ndarray:
    """Expected speedup over plain decoding for k = 0..len(pass_costs)-1 drafts per round.

    rates: acceptance per depth; depths beyond the list repeat its last value.
    pass_costs: cost(n) = t(n)/t(1) for n = 1, 2, ... (the first is 1 by definition).
    """
    rates = _as_rates(rates)
    c = as_nonnegative(c, "c", scalar=True)
    costs = np.atleast_1d(as_nonnegative(pass_costs, "pass_costs"))
    if costs.ndim != 1 or costs.size == 0 or np.any(costs == 0):
        raise ValueError("pass_costs must be a non-empty list of positive numbers t(n)/t(1), n = 1, 2, ...")
    k_max = costs.size - 1
    depth = np.minimum(np.arange(k_max), rates.size - 1)
    tokens = 1.0 + np.concatenate([[0.0], np.cumsum(np.cumprod(rates[depth]))])
    return tokens / (costs / costs[0] + c * np.arange(k_max + 1))


def best_k(rates, c, pass_costs) -> int:
    """The k with the largest expected speedup; 0 (plain decoding) unless some k beats 1 by 1%."""
    gains = speedups(rates, c, pass_costs)
    k = int(np.argmax(gains))
    return k if gains[k] > 1.01 else 0


def _as_rates(rates) -> np.ndarray:
    rates = np.atleast_1d(as_unit_interval(rates, "rates"))
    if rates.ndim != 1 or rates.size == 0:
        raise ValueError("rates must be a non-empty list of acceptance rates in [0, 1], one per draft depth")
    return rates
