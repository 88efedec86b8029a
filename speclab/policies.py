"""How many drafts k to propose each round: a fixed k, or one that adapts to recent acceptances.

A policy is any object with `start_k`, `max_k` and `next_k(k, n_accepted)`. `next_k` works on
plain ints and on numpy arrays alike, so the simulator can apply it to many trials at once.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_count


class FixedK:
    """Always draft k tokens (the paper's fixed gamma)."""

    def __init__(self, k: int = 4):
        self.start_k = self.max_k = as_count(k, "k", minimum=0)

    def next_k(self, k, n_accepted):
        return np.full_like(np.asarray(k), self.start_k) if np.ndim(k) else self.start_k

    def __repr__(self) -> str:
        return f"FixedK(k={self.start_k})"


class AdaptiveK:
    """Grow k by `grow` after a round where every draft was accepted, else shrink it by `shrink`.

    Long accepted runs suggest the draft is tracking the target, so draft further; a rejection
    wastes the drafts after it, so draft less. k stays within [min_k, max_k].
    """

    def __init__(self, start_k: int = 4, min_k: int = 1, max_k: int = 16, grow: int = 2, shrink: int = 1):
        self.min_k = as_count(min_k, "min_k", minimum=1)
        self.max_k = as_count(max_k, "max_k", minimum=self.min_k)
        self.start_k = as_count(start_k, "start_k", minimum=self.min_k)
        if self.start_k > self.max_k:
            raise ValueError(f"start_k must lie in [min_k, max_k] = [{self.min_k}, {self.max_k}]; got {start_k}")
        self.grow = as_count(grow, "grow", minimum=0)
        self.shrink = as_count(shrink, "shrink", minimum=0)

    def next_k(self, k, n_accepted):
        k_arr = np.asarray(k)
        proposal = np.where(np.asarray(n_accepted) >= k_arr, k_arr + self.grow, k_arr - self.shrink)
        new_k = np.clip(proposal, self.min_k, self.max_k)
        return new_k if np.ndim(new_k) else int(new_k)

    def __repr__(self) -> str:
        return (f"AdaptiveK(start_k={self.start_k}, min_k={self.min_k}, max_k={self.max_k}, "
                f"grow={self.grow}, shrink={self.shrink})")


def as_policy(policy=None, k=None):
    """Turn `policy` (a policy object, an int k, or None with `k`) into a policy object."""
    if policy is None:
        return FixedK(4 if k is None else k)
    if isinstance(policy, (int, np.integer)) and not isinstance(policy, bool):
        return FixedK(policy)
    if all(hasattr(policy, name) for name in ("start_k", "max_k", "next_k")):
        return policy
    raise ValueError(f"policy must be FixedK(k), AdaptiveK(...), an int k or None; got {policy!r}")
