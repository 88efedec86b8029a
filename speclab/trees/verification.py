"""Token trees: many candidate continuations verified in one target pass (SpecInfer, Miao et al. 2024).

A tree of drafts has N nodes; node i holds a token drawn from its draft distribution q_i, and the
path from the root to a node is one candidate continuation. Node 0..N-1 are in topological order
(a parent comes before its children) and siblings in the order they are tried. The target scores
every node in one pass (a tree attention mask lets each node see only its ancestors), giving
p_0 (after the context, the root) and p_{i+1} (after node i's path).

SpecInfer's multi-step speculative sampling (Algorithm 2) walks the tree from the root:

    Step 1  at node u, set the target to p_u
    Step 2  try u's children in order: accept child c while r_c < target(x_c) / q_c(x_c)
    Step 3  after each rejection, the target becomes the residual norm(max(0, target - q_c))
            (exercise 3's rule: the next sibling is judged against what is left of the target)
    Step 4  an accepted child becomes u (back to Step 1); if every child is rejected, emit one
            token from the current target; if u is a leaf, emit a bonus token from p_u

With one child per node the tree is a chain and the walk is `speclab.verify`'s rule exactly.
The output is distributed exactly as the target's own samples, for any tree, whether its
siblings are sampled i.i.d. from q or are fixed top-k tokens (then q_i is one-hot at the token).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_probability_rows, as_whole_numbers
from ..verify import _check_rng, residual, sample_categorical
from .shape import ROOT, TreeShape


@dataclass(frozen=True)
class TreeVerification:
    """What one round of tree verification decided."""

    path: np.ndarray     # accepted nodes, root's child first
    tokens: np.ndarray   # their tokens followed by one correction or bonus token
    n_drafted: int       # nodes in the tree

    @property
    def n_accepted(self) -> int:
        return len(self.path)


def verify_tree(p, q, tokens, shape: TreeShape, rng: np.random.Generator) -> TreeVerification:
    """Verify a tree of drafts: p [N+1, V] (row 0 the root, row i+1 after node i), q [N, V], tokens [N].

    q[i] is the distribution node i's token was drawn from; siblings must be drawn independently
    of each other (i.i.d. from one q, or fixed tokens with one-hot q rows).
    """
    p, q, tokens = _check_tree_round(p, q, tokens, shape)
    _check_rng(rng)
    last, final = decide_tree(p[None], q[None], tokens[None], shape, rng.random((1, len(shape))))  # Steps 1-4
    extra = int(sample_categorical(final[0], rng.random()))
    path = np.array(shape.path(int(last[0])), dtype=np.int64)
    return TreeVerification(path, np.append(tokens[path], extra).astype(np.int64), len(shape))


def decide_tree(p, q, tokens, shape: TreeShape, r):
    """The walk of Steps 1-4 for a batch of B rounds: (last accepted node [B], extra token's law [B, V]).

    p [B, N+1, V], q [B, N, V], tokens [B, N], r [B, N] (node i's test uses r[:, i]); inputs are
    not checked (callers do). The deterministic core of `verify_tree`: tests enumerate its branches,
    the tree simulator runs it on many rounds at once (p, q may be broadcast views).
    """
    node = np.full(len(tokens), ROOT, dtype=np.int64)
    target = np.array(p[:, 0], dtype=np.float64)                     # Step 1 at the root
    walking = np.ones(len(tokens), dtype=bool)
    while walking.any():
        moved = np.zeros(len(tokens), dtype=bool)
        for rank in range(shape.children.shape[1]):
            child = shape.children[node + 1, rank]
            trying = np.flatnonzero(walking & ~moved & (child >= 0))
            if trying.size == 0:
                break
            c = child[trying]
            x = tokens[trying, c]
            q_c = q[trying, c]
            # Step 2: accept when r * q(x) < target(x), i.e. with probability min(1, target/q).
            accept = r[trying, c] * q_c[np.arange(len(c)), x] < target[trying, x]
            won, lost = trying[accept], trying[~accept]
            node[won] = child[won]
            moved[won] = True
            target[won] = p[won, child[won] + 1]                        # Step 4: descend, Step 1
            target[lost] = residual(target[lost], q_c[~accept])         # Step 3
        # Every child rejected (extra token from the residual), or a leaf reached (bonus from p).
        at_leaf = shape.children[node + 1, 0] < 0
        walking &= moved & ~at_leaf
    return node, target


def _check_tree_round(p, q, tokens, shape):
    if not isinstance(shape, TreeShape):
        raise ValueError(f"shape must be a TreeShape (e.g. TreeShape.full((2, 2))); got {type(shape).__name__}")
    n = len(shape)
    p = as_probability_rows(p, "p")
    q = as_probability_rows(q, "q") if n else np.zeros((0, p.shape[-1]))
    tokens = as_whole_numbers(tokens, "tokens") if not _empty(tokens) else np.zeros(0)
    if tokens.ndim != 1:
        raise ValueError(f"tokens must be a 1-D array of token ids; got shape {tokens.shape}")
    tokens = tokens.astype(np.int64)
    if p.shape[:1] != (n + 1,) or p.ndim != 2 or q.shape != (n, p.shape[1]) or tokens.shape != (n,):
        raise ValueError(f"shapes must be p [N+1, V], q [N, V], tokens [N] with N = {n} nodes; got "
                         f"p {p.shape}, q {q.shape}, tokens {tokens.shape}")
    if np.any((tokens < 0) | (tokens >= p.shape[1])):
        raise ValueError(f"tokens must be ids in 0..{p.shape[1] - 1}; got {tokens.tolist()}")
    if n and np.any(q[np.arange(n), tokens] <= 0):
        raise ValueError("tokens must have q > 0: each node's token is a sample from its q row")
    return p, q, tokens


def _empty(value) -> bool:
    """An empty list, tuple or array: no token ids (a tree of no nodes)."""
    return isinstance(value, (list, tuple, np.ndarray)) and len(value) == 0
