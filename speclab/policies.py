"""How many drafts k to propose each round: a fixed k, or one that adapts to recent acceptances.

A policy is any object with `start_k`, `max_k` and `next_k(k, n_accepted)`. `next_k` works on
plain ints and on numpy arrays alike, so the simulator can apply it to many trials at once.
A policy object from outside speclab is trusted with nothing: `as_policy` wraps it in a
`CheckedPolicy`, which checks start_k and max_k once and every next_k answer each round.
"""

from __future__ import annotations

import numpy as np

from ._validate import ArgumentTypeError, as_count, short_repr
from .limits import MAX_K


class FixedK:
    """Always draft k tokens (the paper's fixed gamma)."""

    def __init__(self, k: int = 4):
        self.start_k = self.max_k = as_count(k, "k", minimum=0, maximum=MAX_K)

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
        self.min_k = as_count(min_k, "min_k", minimum=1, maximum=MAX_K)
        self.max_k = as_count(max_k, "max_k", minimum=self.min_k, maximum=MAX_K)
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


class CheckedPolicy:
    """A policy from outside speclab, checked: start_k and max_k once, every next_k answer each round.

    A next_k that answers NaN, a fraction, a negative number or more than max_k raises one
    ValueError saying what it returned, instead of a wrong count or an IndexError later on.
    """

    def __init__(self, policy):
        self.policy = policy
        self.max_k = as_count(policy.max_k, "policy.max_k", minimum=0, maximum=MAX_K)
        self.start_k = as_count(policy.start_k, "policy.start_k", minimum=0, maximum=self.max_k)
        if not callable(policy.next_k):
            raise ArgumentTypeError(f"policy.next_k must be a function next_k(k, n_accepted); got {policy.next_k!r}")

    def next_k(self, k, n_accepted):
        answer = self.policy.next_k(k, n_accepted)
        try:
            values = np.asarray(answer)
        except (TypeError, ValueError):
            values = np.asarray(None)
        if values.shape != np.shape(k) or values.dtype.kind not in "iuf":
            raise ValueError(f"policy.next_k must return a whole number per trial (shape {np.shape(k)}); "
                             f"got {short_repr(answer)}")
        bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0) | (values > self.max_k)
        if np.any(bad):
            where = np.flatnonzero(np.atleast_1d(bad))[0]
            shown = np.atleast_1d(values)[where]
            raise ValueError(f"policy.next_k must return whole numbers in 0..max_k = {self.max_k}; got {shown} "
                             f"for k = {np.atleast_1d(k)[where]}, n_accepted = {np.atleast_1d(n_accepted)[where]}")
        return values.astype(np.int64) if values.ndim else int(values)

    def __repr__(self) -> str:
        return repr(self.policy)


def as_policy(policy=None, k=None):
    """Turn `policy` (a policy object, an int k, or None with `k`) into a checked policy object."""
    if policy is None:
        return FixedK(4 if k is None else k)
    if isinstance(policy, (int, np.integer)) and not isinstance(policy, (bool, np.bool_)):
        return FixedK(as_count(policy, "policy", minimum=0, maximum=MAX_K))
    if isinstance(policy, (FixedK, AdaptiveK, CheckedPolicy)):
        return policy
    if all(hasattr(policy, name) for name in ("start_k", "max_k", "next_k")):
        return CheckedPolicy(policy)
    raise ArgumentTypeError(f"policy must be FixedK(k), AdaptiveK(...), an int k or None; got {short_repr(policy)}")

