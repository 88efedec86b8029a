"""The shape of a token tree: where each node hangs, its depths, paths and attention mask."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._validate import as_count, as_whole_numbers, check_memory, short_repr
from ..limits import MAX_TREE_NODES

ROOT = -1


@dataclass(frozen=True, eq=False)
class TreeShape:
    """Where each node hangs: parents[i] is node i's parent, ROOT (-1) for the root's children."""

    parents: tuple

    def __post_init__(self):
        parents = as_whole_numbers(self.parents, "parents", minimum=ROOT)
        if parents.ndim > 1:
            raise ValueError(f"parents must be a flat list of node indices; got shape {parents.shape}")
        parents = parents.ravel()
        if parents.size > MAX_TREE_NODES:
            raise ValueError(f"parents must describe at most {MAX_TREE_NODES:,} nodes; got {parents.size:,}")
        bad = np.flatnonzero((parents < ROOT) | (parents >= np.arange(parents.size)))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"parents[{i}] must lie in -1..{i - 1} (parents come before children); "
                             f"got {parents[i]:g}")
        object.__setattr__(self, "parents", tuple(int(x) for x in parents))

    @classmethod
    def chain(cls, k: int) -> "TreeShape":
        """k drafts in a row: the classic single draft chain."""
        k = as_count(k, "k", maximum=MAX_TREE_NODES)
        return cls(tuple(range(-1, k - 1)))

    @classmethod
    def full(cls, branching) -> "TreeShape":
        """Every node at depth d has branching[d] children (depth 0 is the root): (3, 2) has 3 + 6 nodes."""
        branching = full_branching(branching)
        parents, level = [], [ROOT]
        for width in branching:
            nxt = []
            for parent in level:
                for _ in range(width):
                    nxt.append(len(parents))
                    parents.append(parent)
            level = nxt
        return cls(tuple(parents))

    def __eq__(self, other) -> bool:
        return isinstance(other, TreeShape) and self.parents == other.parents

    def __hash__(self) -> int:
        return hash(self.parents)

    def __len__(self) -> int:
        return len(self.parents)

    @cached_property
    def depths(self) -> np.ndarray:
        """Depth of each node: 1 for the root's children."""
        depth = np.zeros(len(self), dtype=np.int64)
        for i, parent in enumerate(self.parents):
            depth[i] = 1 if parent == ROOT else depth[parent] + 1
        return depth

    @property
    def max_depth(self) -> int:
        """Tokens on the longest path: draft steps needed to grow the tree level by level."""
        return int(self.depths.max()) if len(self) else 0

    @cached_property
    def children(self) -> np.ndarray:
        """[N+1, max children]: children[u+1, j] is the j-th child of node u (row 0: the root), -1 if none."""
        rows = [[] for _ in range(len(self) + 1)]
        for i, parent in enumerate(self.parents):
            rows[parent + 1].append(i)
        width = max(1, max(len(r) for r in rows))
        table = np.full((len(rows), width), ROOT, dtype=np.int64)
        for u, row in enumerate(rows):
            table[u, : len(row)] = row
        return table

    @cached_property
    def ranks(self) -> np.ndarray:
        """Each node's place among its siblings: 0 for the first child tried."""
        rank = np.zeros(len(self), dtype=np.int64)
        for row in self.children:
            kids = row[row >= 0]
            rank[kids] = np.arange(len(kids))
        return rank

    def path(self, node: int) -> list:
        """Nodes from the root's child down to `node` (empty for the root, ROOT)."""
        node = as_count(node, "node", minimum=ROOT, maximum=len(self) - 1)
        out = []
        while node != ROOT:
            out.append(int(node))
            node = self.parents[node]
        return out[::-1]

    def attention_mask(self) -> np.ndarray:
        """[N+1, N+1] booleans: row/column 0 is the root, i+1 node i; True where the row may attend.

        Each node sees the root, its ancestors and itself: the mask that lets one target pass
        score every candidate path at once (SpecInfer's tree attention, also Medusa's).
        """
        check_memory((len(self) + 1) ** 2, f"the attention mask of {len(self):,} nodes", "the number of nodes")
        mask = np.eye(len(self) + 1, dtype=bool)
        mask[:, 0] = True
        for i, parent in enumerate(self.parents):          # a node sees what its parent sees, and itself
            mask[i + 1] |= mask[parent + 1]
        return mask

    def __repr__(self) -> str:
        return f"TreeShape(nodes={len(self)}, depth={self.max_depth})"


def full_branching(branching) -> list:
    """`branching` as whole numbers >= 1 whose full tree holds at most MAX_TREE_NODES nodes."""
    branching = as_whole_numbers(branching, "branching", minimum=1)
    if branching.ndim > 1:
        raise ValueError(f"branching must be a flat list of children per level; got shape {branching.shape}")
    widths, level, total = [], 1, 0
    for b in branching.ravel():
        level *= int(b)
        total += level
        if total > MAX_TREE_NODES:
            raise ValueError(f"branching {short_repr(branching.tolist())} makes a tree of more than "
                             f"{MAX_TREE_NODES:,} nodes; use fewer levels or children")
        widths.append(int(b))
    return widths
