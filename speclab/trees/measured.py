"""Trees with side branches at every depth, planned from measured hit rates and pass costs.

Decoding verifies a chain plus runners-up for its first draft (measured_k.best_plan). EAGLE-2's
trees also branch deeper. With h_{d,j} = P(the target's token is among the draft's top j at depth
d | the drafts before were right), a runner-up beside the d-th draft is reached with probability
r_1 ... r_{d-1} and adds one token when it is right and the chain's d-th draft is not, so a tree's
expected tokens and its cost (one pass over all its rows plus k draft steps) follow from
measurements alone, and say whether deeper branches would pay on a given machine before anyone
builds them (benchmarks/bench_tree_shapes.py).
"""

from __future__ import annotations

import numpy as np

from .._validate import as_count, as_nonnegative, as_unit_interval, short_repr
from ..measured_k import as_pass_costs


def branch_speedup(hits, c, pass_costs, branches) -> float:
    """Expected speedup of a chain of k = len(branches) drafts whose d-th draft has branches[d-1]
    runners-up beside it, each hanging off the draft before it (a tree with side branches at every depth).

    hits[d-1][j-1] = h_{d,j}: P(the target's token is among the draft's top j at depth d | the d-1
    drafts before were right); its first column is the acceptance per depth (deeper depths repeat
    the last row). A runner-up at depth d is reached when drafts 1..d-1 were accepted and adds one
    token when the chain's d-th draft is wrong but it is right: h_{d,1+m} - h_{d,1} in all.
    """
    table = _as_hits(hits)
    if not isinstance(branches, (list, tuple, np.ndarray)) or len(branches) == 0:
        raise ValueError(f"branches must list the runners-up for each of k >= 1 drafts; got {short_repr(branches)}")
    branches = [as_count(m, "branches", maximum=table.shape[1] - 1) for m in branches]
    costs = as_pass_costs(pass_costs)
    k, rows = len(branches), 1 + len(branches) + sum(branches)
    if rows > costs.size:
        raise ValueError(f"the tree reads {rows} rows; pass_costs cover passes of at most {costs.size}")
    depth, reach = _reach(table, k)
    extra = sum(reach[d] * (table[depth[d], m] - table[depth[d], 0]) for d, m in enumerate(branches))
    cost = costs[rows - 1] / costs[0] + as_nonnegative(c, "c", scalar=True) * k
    return float((1.0 + reach[1:].sum() + extra) / cost)


#: The most rows best_branches plans a tree for (its search grows with the cube of the rows).
MAX_TREE_ROWS = 64


def best_branches(hits, c, pass_costs, every_depth: bool = True) -> tuple:
    """(speedup, branches): the best tree of branch_speedup's shape that fits the measured pass
    lengths; every_depth=False allows runners-up for the first draft only (what decoding offers).

    For each k, the best way to spend r extra rows on runners-up is a knapsack over the depths
    (the cost depends only on the total rows), solved by dynamic programming.
    """
    table, costs = _as_hits(hits), as_pass_costs(pass_costs)
    if costs.size > MAX_TREE_ROWS:
        raise ValueError(f"pass_costs must hold at most {MAX_TREE_ROWS} costs: best_branches plans trees of up to "
                         f"{MAX_TREE_ROWS} rows (engines' trees stay under 64); got {costs.size:,}")
    if not isinstance(every_depth, bool):
        raise ValueError(f"every_depth must be True or False; got {short_repr(every_depth)}")
    best = (0.0, ())
    for k in range(1, costs.size):
        spare = costs.size - 1 - k
        for branches in _best_spending(table, k, spare, every_depth):
            best = max(best, (branch_speedup(table, c, costs, branches), branches))
    return best


def _best_spending(table: np.ndarray, k: int, spare: int, every_depth: bool) -> list:
    """For r = 0..spare extra rows, the runner-up counts per depth that add the most expected tokens."""
    depth, reach = _reach(table, k)
    most = table.shape[1] - 1
    gain, plans = np.full(spare + 1, -np.inf), [()] * (spare + 1)
    gain[0] = 0.0
    for d in range(k if every_depth else 1):
        new_gain, new_plans = np.full(spare + 1, -np.inf), [()] * (spare + 1)
        for r in range(spare + 1):
            for m in range(min(r, most) + 1):
                value = gain[r - m] + reach[d] * (table[depth[d], m] - table[depth[d], 0])
                if value > new_gain[r]:
                    new_gain[r], new_plans[r] = value, plans[r - m] + (m,)
        gain, plans = new_gain, new_plans
    return [plan + (0,) * (k - len(plan)) for plan, g in zip(plans, gain) if np.isfinite(g)]


def _reach(table: np.ndarray, k: int) -> tuple:
    """The table row of each of k depths (deeper ones repeat the last), and P(drafts 1..d all
    accepted) for d = 0..k."""
    depth = np.minimum(np.arange(k), table.shape[0] - 1)
    return depth, np.concatenate([[1.0], np.cumprod(table[depth, 0])])


def _as_hits(hits) -> np.ndarray:
    """A [depths, j] table of top-j hit rates, each row non-decreasing."""
    table = np.asarray(as_unit_interval(hits, "hits"), dtype=float)
    if table.ndim != 2 or table.size == 0 or np.any(np.diff(table, axis=1) < 0):
        raise ValueError("hits must be a table [depth][j] of top-j hit rates, each row non-decreasing")
    return table
