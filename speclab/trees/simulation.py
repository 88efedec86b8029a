"""Monte Carlo rounds of tree verification, vectorized over rounds and seeded.

`simulate_tree` drafts whole trees on a `SyntheticPair` (siblings i.i.d. from q at their depth)
and verifies them with `speclab.trees.decide_tree`, THE tree rule; `simulate_tree_iid` replaces
each test by a coin with the acceptance model's rate, so it must agree with `tree_theory`.
Every round starts afresh at one of `starts` positions (round r at position r mod starts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_count, check_memory
from ..limits import MAX_NUM_TOKENS, MAX_TREE_DRAWS, MAX_TREE_ROUNDS
from ..synthetic import SyntheticPair
from .shape import ROOT, TreeShape
from .verification import decide_tree
from ..verify import cumulative_table, sample_categorical, sample_from_table

_CHUNK = 8192          # rounds per vectorized batch (bounds memory)
_BATCH_VALUES = 2**21  # at most this many numbers per row-by-node or row-by-vocabulary batch array


@dataclass(frozen=True)
class TreeSimulation:
    """Accepted drafts per round, and (on a pair) the tokens emitted at each output position."""

    shape: TreeShape
    accepted_counts: np.ndarray        # [max_depth + 1]: rounds that accepted n nodes, n = 0..max_depth
    token_counts: np.ndarray | None    # [max_depth + 1, V]: tokens emitted at output position j (pair only)

    @property
    def rounds(self) -> int:
        return int(self.accepted_counts.sum())

    @property
    def mean_accepted(self) -> float:
        return float(np.arange(len(self.accepted_counts)) @ self.accepted_counts) / self.rounds

    @property
    def mean_tokens_per_round(self) -> float:
        """Tokens per target pass: accepted nodes plus the correction or bonus."""
        return 1.0 + self.mean_accepted


def simulate_tree(pair: SyntheticPair, shape: TreeShape, rounds: int = 100_000, starts: int = 1,
                  seed: int = 0) -> TreeSimulation:
    """Draft and verify `rounds` trees on `pair`; a node at depth d drafts position start + d - 1."""
    if not isinstance(pair, SyntheticPair):
        raise ValueError(f"pair must be a SyntheticPair; got {type(pair).__name__}")
    shape, rounds, starts, rng = _check(shape, rounds, starts, seed)
    check_memory(8.0 * (shape.max_depth + 1) * pair.vocab_size + 4 * 8.0 * (starts + shape.max_depth) * pair.vocab_size,
                 f"a tree of depth {shape.max_depth} on a vocabulary of {pair.vocab_size:,} at {starts:,} starts",
                 "starts, the tree's depth or the pair's vocab_size")
    p_all, q_all = pair.distributions(starts + shape.max_depth)
    depth = shape.max_depth
    accepted = np.zeros(depth + 1, dtype=np.int64)
    emitted = np.zeros((depth + 1, pair.vocab_size), dtype=np.int64)
    ancestors = _ancestor_table(shape)
    for start, size in _batches(rounds, starts, len(shape) + 1 + pair.vocab_size):
        # The target row of the root and of each node (after its path), the draft row of each node.
        p_rows = p_all[start + np.concatenate([[0], shape.depths])]
        q_rows = q_all[start + shape.depths - 1]
        tokens = sample_from_table(cumulative_table(q_rows), pair.vocab_size,
                                   np.broadcast_to(np.arange(len(shape)), (size, len(shape))),
                                   rng.random((size, len(shape))))
        last, final = decide_tree(np.broadcast_to(p_rows, (size,) + p_rows.shape),
                                  np.broadcast_to(q_rows, (size,) + q_rows.shape), tokens, shape,
                                  rng.random((size, len(shape))))
        extra = sample_categorical(final, rng.random(size))
        n = np.where(last == ROOT, 0, shape.depths[last])
        accepted += np.bincount(n, minlength=depth + 1)
        _count_outputs(emitted, tokens, ancestors[last + 1], n, extra)
    return TreeSimulation(shape, accepted, emitted)


def simulate_tree_iid(shape: TreeShape, alpha=None, rates=None, rounds: int = 100_000,
                      seed: int = 0) -> TreeSimulation:
    """Rounds in which the j-th sibling tried at depth d is accepted with probability rates[d-1, j]."""
    from .theory import _as_rates

    shape, rounds, _, rng = _check(shape, rounds, 1, seed)
    rates = _as_rates(shape, alpha, rates)
    if rates.ndim != 2:
        raise ValueError("simulate_tree_iid takes one alpha (a number) or one rates table [depth, siblings]")
    accepted = np.zeros(shape.max_depth + 1, dtype=np.int64)
    for _, size in _batches(rounds, 1, len(shape) + 1):
        node = np.full(size, ROOT, dtype=np.int64)
        walking = np.ones(size, dtype=bool)
        while walking.any():
            moved = np.zeros(size, dtype=bool)
            for rank in range(shape.children.shape[1]):
                child = shape.children[node + 1, rank]
                trying = np.flatnonzero(walking & ~moved & (child >= 0))
                depth = np.where(node[trying] == ROOT, 0, shape.depths[node[trying]])
                won = trying[rng.random(trying.size) < rates[depth, rank]]
                node[won], moved[won] = child[won], True
            walking &= moved & (shape.children[node + 1, 0] >= 0)
        accepted += np.bincount(np.where(node == ROOT, 0, shape.depths[node]), minlength=len(accepted))
    return TreeSimulation(shape, accepted, None)


# ----------------------------------------------------------------------------- helpers

def _ancestor_table(shape: TreeShape) -> np.ndarray:
    """[N+1, max_depth]: row u+1 lists node u's path (root's child first), padded with 0."""
    table = np.zeros((len(shape) + 1, max(shape.max_depth, 1)), dtype=np.int64)
    for i, (parent, depth) in enumerate(zip(shape.parents, shape.depths)):
        table[i + 1] = table[parent + 1]                  # the parent's path, then the node itself
        table[i + 1, depth - 1] = i
    return table


def _count_outputs(emitted, tokens, paths, n, extra) -> None:
    """Add each round's accepted tokens (output positions 0..n-1) and its extra token (position n)."""
    rows, slots = np.nonzero(np.arange(paths.shape[1]) < n[:, None])
    np.add.at(emitted, (slots, tokens[rows, paths[rows, slots]]), 1)
    np.add.at(emitted, (n, extra), 1)


def _batches(rounds: int, starts: int, width: int):
    """(start position, batch size) pairs covering `rounds`, round r at start r mod starts.

    A batch holds at most _CHUNK rounds, and fewer when each round needs `width` numbers per array.
    """
    chunk = max(1, min(_CHUNK, _BATCH_VALUES // width))
    for start in range(min(starts, rounds)):
        total = rounds // starts + (start < rounds % starts)
        for offset in range(0, total, chunk):
            yield start, min(chunk, total - offset)


def _check(shape, rounds, starts, seed):
    if not isinstance(shape, TreeShape):
        raise ValueError(f"shape must be a TreeShape (e.g. TreeShape.full((2, 2))); got {type(shape).__name__}")
    if len(shape) == 0:
        raise ValueError("shape must have at least one node")
    rounds = as_count(rounds, "rounds", minimum=1, maximum=MAX_TREE_ROUNDS)
    if rounds * len(shape) > MAX_TREE_DRAWS:
        raise ValueError(f"rounds * nodes must be at most {MAX_TREE_DRAWS:,} node draws; got {rounds:,} * "
                         f"{len(shape):,}: reduce rounds or the tree")
    return (shape, rounds, as_count(starts, "starts", minimum=1, maximum=MAX_NUM_TOKENS),
            np.random.default_rng(as_count(seed, "seed")))

