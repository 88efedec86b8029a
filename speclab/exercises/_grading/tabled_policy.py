"""A scalar next_k(k, n_accepted) function as a policy the vectorized simulator can run.

The simulator calls `policy.next_k` on numpy arrays of all trials at once. A learner writes a
function of two ints; tabulating it over its whole domain (k in 1..max_k, n_accepted in 0..k)
turns every later call into one numpy lookup, exact for any function of its arguments alone.
"""

from __future__ import annotations

import numpy as np


class TabledPolicy:
    """A policy (start_k, max_k, next_k) backed by a table of next_k(k, n) for 1 <= k <= max_k."""

    def __init__(self, table: np.ndarray, start_k: int = 4):
        self.table = np.asarray(table, dtype=np.int64)
        self.max_k = self.table.shape[0] - 1
        self.start_k = start_k

    @classmethod
    def tabulate(cls, next_k, start_k: int = 4, max_k: int = 16) -> "TabledPolicy":
        """Call `next_k(k, n)` once for every k in 1..max_k and n in 0..k."""
        table = np.ones((max_k + 1, max_k + 1), dtype=np.int64)   # row 0: a round with no drafts
        for k in range(1, max_k + 1):
            for n in range(k + 1):
                table[k, n] = next_k(k, n)
        return cls(table, start_k)

    def next_k(self, k, n_accepted):
        k = np.clip(np.asarray(k), 0, self.max_k)
        n = np.clip(np.asarray(n_accepted), 0, k)
        new_k = self.table[k, n]
        return new_k if np.ndim(new_k) else int(new_k)

    def __repr__(self) -> str:
        return f"TabledPolicy(start_k={self.start_k}, max_k={self.max_k})"
