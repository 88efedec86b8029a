"""How many tokens a tree of drafts buys per target pass: exact recursions and the best tree.

Acceptance model: the j-th child tried at depth d is accepted with probability rates[d-1, j]
given that its earlier siblings were rejected, independently of everything else. The i.i.d.
model of Leviathan et al. takes rates = alpha everywhere; SpecInfer's recursive residual gives
later siblings their own rates (`sibling_rates`), which a position-wise pair fixes exactly.
Then node i lies on the accepted path with probability

    P(i) = P(parent(i)) * (1 - a_0)(1 - a_1)...(1 - a_{j-1}) * a_j,   j = rank of i, a = rates[depth(i)-1]

and a round emits 1 + sum_i P(i) tokens on average (the accepted nodes plus one more token).
"""

from __future__ import annotations

import heapq

import numpy as np

from .._validate import (as_count, as_nonnegative, as_probability_rows, as_unit_interval, broadcast_shape,
                         check_memory)
from ..limits import MAX_TREE_GROWTH, MAX_TREE_NODES
from .shape import ROOT, TreeShape, full_branching
from ..verify import residual


def node_acceptance(shape: TreeShape, alpha=None, rates=None) -> np.ndarray:
    """P(node i is on the accepted path), [..., N]: from one alpha (i.i.d.) or from rates [..., D, J].

    alpha may be an array (one tree value per alpha); rates[..., d, j] is the rate of the j-th
    sibling at depth d + 1 and must cover the tree's depth and widest node.
    """
    rates = _as_rates(shape, alpha, rates)
    lead = rates.shape[:-2]
    check_memory(8.0 * np.prod(lead, dtype=np.float64) * (len(shape) + 2 * rates.shape[-1]),
                 f"the acceptance of {len(shape):,} nodes at {np.prod(lead, dtype=np.float64):,.0f} alphas",
                 "the size of alpha (or rates) or the number of nodes")
    if alpha is not None:       # i.i.d.: every depth has the same row; work out one and view it at each depth
        reach_and_win = np.broadcast_to(_rank_factors(rates[..., :1, :]), rates.shape)
    else:
        reach_and_win = _rank_factors(rates)             # a_j * prod_{i<j} (1 - a_i)
    probs = np.zeros(lead + (len(shape),))
    for i, (parent, depth, rank) in enumerate(zip(shape.parents, shape.depths, shape.ranks)):
        above = 1.0 if parent == ROOT else probs[..., parent]
        probs[..., i] = above * reach_and_win[..., depth - 1, rank]
    return probs


def expected_accepted(shape: TreeShape, alpha=None, rates=None):
    """Expected accepted drafts per round (nodes on the accepted path); a chain of k gives alpha + ... + alpha^k."""
    out = node_acceptance(shape, alpha, rates).sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def expected_tokens_tree(shape: TreeShape, alpha=None, rates=None):
    """Expected tokens per round (= per target pass): accepted drafts plus the correction or bonus."""
    return 1.0 + expected_accepted(shape, alpha, rates)


def tree_speedup(shape: TreeShape, alpha, c):
    """Expected speedup of a tree under i.i.d. alpha: tokens per pass / (depth * c + 1).

    A tree is drafted level by level, one draft pass per level (the siblings of a level share
    it), then verified in one target pass; a chain of k is the case depth = k (Leviathan Thm 3.8).
    """
    c = as_nonnegative(c, "c")
    with np.errstate(over="ignore"):                 # a huge c: a pass that costs forever, speedup 0
        return expected_tokens_tree(shape, alpha) / (shape.max_depth * c + 1.0)


def full_tree_accepted(branching, alpha):
    """Closed form for `TreeShape.full(branching)` under i.i.d. alpha: sum_d prod_{l<=d} (1 - (1-alpha)^b_l).

    At each level some child is accepted with probability 1 - (1 - alpha)^b, whichever path got there.
    """
    alpha = as_unit_interval(alpha, "alpha")
    branching = full_branching(branching)
    level = np.ones_like(alpha)
    total = np.zeros_like(alpha)
    for width in branching:
        level = level * (1.0 - (1.0 - alpha) ** width)
        total = total + level
    return float(total) if np.ndim(total) == 0 else total


def sibling_rates(p, q, width: int) -> np.ndarray:
    """[..., width]: P(j-th sibling accepted | the j earlier ones rejected), siblings i.i.d. from q.

    The j-th sibling is judged against the j-times residual of p, whatever tokens were rejected,
    so its rate is sum_x min(r_j(x), q(x)) with r_0 = p, r_{j+1} = norm(max(0, r_j - q)).
    """
    target = as_probability_rows(p, "p")
    q = as_probability_rows(q, "q")
    width = as_count(width, "width", minimum=1, maximum=MAX_TREE_NODES)
    if target.shape[-1] != q.shape[-1]:
        raise ValueError(f"p and q must have the same vocabulary size; got {target.shape[-1]} and {q.shape[-1]}")
    shape = broadcast_shape(p=target, q=q)
    check_memory(8.0 * np.prod(shape, dtype=np.float64) * 4 + 8.0 * np.prod(shape[:-1], dtype=np.float64) * width,
                 f"sibling rates of {width:,} siblings", "width or the size of p and q")
    rates = []
    for _ in range(width):
        rates.append(np.minimum(target, q).sum(axis=-1))
        target = residual(target, q)
    return np.stack(rates, axis=-1)


def best_tree(n_nodes: int, alpha=None, rates=None, max_children=None, max_depth=None) -> TreeShape:
    """The tree of at most n_nodes with the most expected accepted tokens (best first, the way EAGLE-2 ranks draft-tree nodes).

    Grows the tree one node at a time, always adding the candidate with the largest P(accepted):
    a first child or the next sibling of a node already in. This is optimal whenever a child is
    accepted no more often than its parent and a later sibling no more often than an earlier one
    (true under i.i.d. alpha). max_children / max_depth restrict the shape (1 / n: a chain).
    """
    n_nodes = as_count(n_nodes, "n_nodes", maximum=MAX_TREE_NODES)
    max_children = min(n_nodes, as_count(max_children, "max_children", minimum=1)) if max_children is not None \
        else n_nodes
    max_depth = min(n_nodes, as_count(max_depth, "max_depth", minimum=1)) if max_depth is not None else n_nodes
    if (alpha is None) == (rates is None):
        raise ValueError("give exactly one of alpha (i.i.d. acceptance) or rates [depth, siblings]")
    if rates is None:
        alpha = as_unit_interval(alpha, "alpha", scalar=True)
        # Under i.i.d. alpha every depth has the same row of factors: one row, seen at every depth.
        row = _rank_factors(np.full((1, max(max_children, 1)), alpha))
        factors = np.broadcast_to(row, (max(max_depth, 1), row.shape[1]))
    else:
        factors = _rank_factors(_check_rates(rates))
        if factors.ndim != 2:
            raise ValueError(f"rates must be one table [depth, siblings] for best_tree; got shape {factors.shape}")
    depth_cap = min(max_depth, factors.shape[0])
    width_cap = min(max_children, factors.shape[1])
    parents, order = [], 0
    # Candidates: (-P(accepted), insertion order, parent node, parent's P, depth, rank).
    heap = [(-factors[0, 0], order, ROOT, 1.0, 1, 0)] if n_nodes and depth_cap else []
    while heap and len(parents) < n_nodes:
        neg_value, _, parent, parent_value, depth, rank = heapq.heappop(heap)
        node = len(parents)
        parents.append(parent)
        if depth < depth_cap:                                     # its first child
            order += 1
            heapq.heappush(heap, (neg_value * factors[depth, 0], order, node, -neg_value, depth + 1, 0))
        if rank + 1 < width_cap:                                  # its next sibling
            order += 1
            value = parent_value * factors[depth - 1, rank + 1]
            heapq.heappush(heap, (-value, order, parent, parent_value, depth, rank + 1))
    return TreeShape(tuple(parents))



def best_tree_tokens(max_nodes: int, alpha) -> np.ndarray:
    """Tokens per pass of the best tree at every budget 0..max_nodes under i.i.d. alpha: [..., max_nodes + 1].

    `best_tree` adds nodes best first in the same order whatever the budget, so the best tree of
    max_nodes holds the best tree of every smaller budget as its first nodes: entry n is 1 plus
    the running sum of their P(accepted). One growth per alpha instead of one per budget.
    """
    max_nodes = as_count(max_nodes, "max_nodes", maximum=MAX_TREE_NODES)
    alpha = as_unit_interval(alpha, "alpha")
    if alpha.size * (max_nodes + 1) > MAX_TREE_GROWTH:
        raise ValueError(f"best_tree_tokens grows one tree per alpha: alpha's {alpha.size:,} values * "
                         f"(max_nodes + 1) = {alpha.size * (max_nodes + 1):,} nodes, more than {MAX_TREE_GROWTH:,}; "
                         "reduce max_nodes or the size of alpha")
    rows = [np.cumsum(np.concatenate([[1.0], node_acceptance(best_tree(max_nodes, a), a)])) for a in alpha.ravel()]
    return np.reshape(rows, alpha.shape + (max_nodes + 1,))

# ----------------------------------------------------------------------------- helpers

def _rank_factors(rates: np.ndarray) -> np.ndarray:
    """a_j * prod_{i<j} (1 - a_i) along the last axis: P(the j-th sibling is the accepted one)."""
    rejected_before = np.cumprod(1.0 - rates, axis=-1)
    rejected_before = np.concatenate([np.ones_like(rates[..., :1]), rejected_before[..., :-1]], axis=-1)
    return rates * rejected_before


def _as_rates(shape, alpha, rates) -> np.ndarray:
    if not isinstance(shape, TreeShape):
        raise ValueError(f"shape must be a TreeShape; got {type(shape).__name__}")
    if (alpha is None) == (rates is None):
        raise ValueError("give exactly one of alpha (i.i.d. acceptance) or rates [..., depth, siblings]")
    depth, width = max(shape.max_depth, 1), shape.children.shape[1]
    if rates is None:
        alpha = as_unit_interval(alpha, "alpha")
        return np.broadcast_to(alpha[..., None, None], alpha.shape + (depth, width))
    rates = _check_rates(rates)
    if rates.shape[-2] < depth or rates.shape[-1] < width:
        raise ValueError(f"rates must cover depth {depth} and {width} siblings (shape [..., {depth}, {width}]); "
                         f"got {rates.shape}")
    return rates


def _check_rates(rates) -> np.ndarray:
    rates = as_unit_interval(rates, "rates")
    if rates.ndim < 2:
        raise ValueError(f"rates must be an array [..., depth, siblings]; got shape {rates.shape}")
    return rates
