"""Pick k from what was measured: acceptance per draft depth and the target's cost per pass length.

Theory's optimal_k assumes one alpha at every depth and a verification cost that grows linearly
in k. A trained draft breaks the first (its deeper drafts read its own predicted features, so they
are accepted less often) and a CPU breaks the second (t(n)/t(1) is not a straight line). With
r_d = P(draft d accepted | drafts 1..d-1 accepted) and cost(n) = t(n)/t(1), a round of k drafts
yields 1 + r_1 + r_1 r_2 + ... + r_1...r_k tokens in expectation and costs cost(k+1) + k c target
steps; the best k maximizes the ratio.

Under greedy decoding a round may also verify m alternatives for the first draft (the draft's
runners-up, read as a tree in the same pass). With h_j = P(the target's token is among the draft's
top j), they add h_{m+1} - h_1 expected tokens and m rows to the pass: cost(k+m+1) + k c.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_count, as_nonnegative, as_unit_interval, check_memory
from .limits import MAX_K


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
    costs = as_pass_costs(pass_costs)
    k_max = costs.size - 1
    with np.errstate(over="ignore"):                 # a huge c: drafting costs forever, speedup 0
        return _chain_tokens(rates, k_max) / (costs / costs[0] + c * np.arange(k_max + 1))


def as_pass_costs(pass_costs) -> np.ndarray:
    """t(n)/t(1) for n = 1, 2, ...: a non-empty flat list of positive numbers, at most MAX_K + 1 of them."""
    costs = np.atleast_1d(as_nonnegative(pass_costs, "pass_costs"))
    if costs.ndim != 1 or costs.size == 0 or np.any(costs == 0):
        raise ValueError("pass_costs must be a non-empty list of positive numbers t(n)/t(1), n = 1, 2, ...")
    if costs.size > MAX_K + 1:
        raise ValueError(f"pass_costs must hold at most {MAX_K + 1:,} costs (k up to {MAX_K:,}); got {costs.size:,}")
    return costs


def _chain_tokens(rates: np.ndarray, k_max: int) -> np.ndarray:
    """Expected tokens per round for k = 0..k_max chained drafts (depths past the list repeat its last rate)."""
    depth = np.minimum(np.arange(k_max), rates.size - 1)
    return 1.0 + np.concatenate([[0.0], np.cumsum(np.cumprod(rates[depth]))])


def best_k(rates, c, pass_costs) -> int:
    """The k with the largest expected speedup; 0 (plain decoding) unless some k beats 1 by 1%."""
    gains = speedups(rates, c, pass_costs)
    k = int(np.argmax(gains))
    return k if gains[k] > 1.01 else 0


def tree_speedups(rates, c, pass_costs, first_hits) -> np.ndarray:
    """Expected speedup [k, m] of k chained drafts plus m alternatives for the first (m > 0 needs k > 0).

    first_hits: h_1, h_2, ...: P(the target's token is among the draft's top j), j = 1, 2, ...;
    entries the pass cannot fit (k + m + 1 > len(pass_costs)) or m >= len(first_hits) are 0.
    """
    chain = speedups(rates, c, pass_costs)
    hits = np.atleast_1d(as_unit_interval(first_hits, "first_hits"))
    if hits.ndim != 1 or hits.size == 0 or np.any(np.diff(hits) < 0):
        raise ValueError("first_hits must be a non-empty, non-decreasing list of probabilities h_1, h_2, ...")
    costs = as_pass_costs(pass_costs)
    costs = costs / costs[0]
    k_max = costs.size - 1
    check_memory(3 * 8.0 * (k_max + 1) * hits.size, f"a plan table of {k_max + 1:,} k by {hits.size:,} hit rates",
                 "pass_costs or first_hits")
    tokens = _chain_tokens(_as_rates(rates), k_max)
    k, m = np.arange(k_max + 1)[:, None], np.arange(hits.size)[None, :]
    fits = (k >= 1) & (m >= 1) & (k + m <= k_max)                 # the pass can hold k + m + 1 tokens
    with np.errstate(over="ignore"):
        table = np.where(fits, (tokens[k] + hits[m] - hits[0]) / (costs[np.minimum(k + m, k_max)] + float(c) * k), 0.0)
    table[:, 0] = chain
    return table


#: Alternatives must promise this much over the best plain chain, since they rest on measured
#: t(n)/t(1) that varies between runs. Measured 2026-12-03 on a 2-core EPYC (docs/benchmarks.md):
#: the shipped draft's two runners-up, predicted 3% over its chain, gave 1.02-1.18x over plain
#: decoding against the chain's 1.00-1.06x; on an earlier host a predicted 3% gain measured as none.
TREE_MARGIN = 1.02


def best_plan(rates, c, pass_costs, first_hits=None) -> tuple:
    """(k, m): the best chain (best_k), with m alternatives for its first draft only when some
    plan with alternatives is expected to beat that chain by TREE_MARGIN. Without first_hits, m = 0."""
    k = best_k(rates, c, pass_costs)
    if first_hits is None:
        return k, 0
    table = tree_speedups(rates, c, pass_costs, first_hits)
    if table.shape[1] < 2:                                        # one hit rate: no alternatives to add
        return k, 0
    tree_k, m = np.unravel_index(int(np.argmax(table[:, 1:])), table[:, 1:].shape)
    best_tree = table[tree_k, m + 1]
    return (int(tree_k), int(m) + 1) if best_tree > TREE_MARGIN * max(table[k, 0], 1.0) else (k, 0)


def alternatives_for(k: int, rates, c, pass_costs, first_hits) -> int:
    """How many alternatives to add to a chain of k drafts: the best m for that k, when it beats
    the chain of k by TREE_MARGIN; 0 otherwise."""
    k = as_count(k, "k", maximum=MAX_K)
    table = tree_speedups(rates, c, pass_costs, first_hits)
    if k == 0:
        return 0
    row = table[min(k, len(table) - 1)]
    m = int(np.argmax(row))
    return m if row[m] > TREE_MARGIN * row[0] else 0


def alpha_for_speedup(goal, c, pass_costs) -> tuple:
    """(alpha, k): the smallest acceptance, the same at every depth, at which some chain of k drafts
    reaches `goal` times plain decoding's speed with draft cost c and pass costs t(n)/t(1), and that k.

    What a draft would need on this machine: solves 1 + alpha + ... + alpha^k = goal (cost(k+1) + k c)
    for each k the costs cover and keeps the smallest root; (nan, 0) when no alpha <= 1 reaches it.
    A pass over n tokens does the work of a one-token pass and more, so a measured cost(n) below
    cost(1) is timing noise and counts as cost(1): otherwise a round that accepts nothing would
    beat plain decoding, and a goal above 1 would need alpha 0.
    """
    from .theory import alpha_for_tokens

    goal = as_nonnegative(goal, "goal", scalar=True)
    if goal <= 0:
        raise ValueError(f"goal must be a speedup > 0; got {goal!r}")
    c = as_nonnegative(c, "c", scalar=True)
    costs = as_pass_costs(pass_costs)
    ks = np.arange(1, costs.size)
    if ks.size == 0:
        raise ValueError("pass_costs must hold t(n)/t(1) for n = 1 and at least n = 2 (a round of one draft)")
    with np.errstate(over="ignore", invalid="ignore"):
        needed = goal * (np.maximum(costs[ks] / costs[0], 1.0) + c * ks)   # tokens a round must emit
        reachable = needed <= ks + 1.0                             # a round emits at most k + 1 tokens
        alphas = np.full(ks.size, np.nan)
        if reachable.any():
            alphas[reachable] = alpha_for_tokens(needed[reachable], ks[reachable])
    if np.all(np.isnan(alphas)):
        return float("nan"), 0
    best = int(np.nanargmin(alphas))
    return float(alphas[best]), int(ks[best])


def _as_rates(rates) -> np.ndarray:
    rates = np.atleast_1d(as_unit_interval(rates, "rates"))
    if rates.ndim != 1 or rates.size == 0:
        raise ValueError("rates must be a non-empty list of acceptance rates in [0, 1], one per draft depth")
    return rates
