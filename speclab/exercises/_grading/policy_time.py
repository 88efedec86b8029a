"""Exact expected decoding time of a k-policy on a text whose acceptance varies by position.

On a synthetic pair, the draft at position t is accepted with probability alpha_t, independently
of everything before (each position's p_t and q_t are fixed). So the expected modelled time from
"t tokens emitted, next round drafts k" satisfies a recursion over positions, solved backwards:

    V(t, k) = k*c + 1 + g*k + sum_n P(n accepted | t, k) * V(t + n + 1, next_k(k, n))

with k clipped to the tokens left, as `sl.simulate` does. V(0, start_k) is exactly what the
simulator's mean time estimates, with no Monte Carlo noise: grading on it needs no tolerance
for luck. Time is in target steps (c = draft step / target step, g = verification growth).
"""

from __future__ import annotations

import numpy as np


def expected_time(alpha, table, start_k: int, c: float, verify_growth: float = 0.0) -> np.ndarray:
    """Expected target steps to emit len(alpha) tokens, starting in each k-state (index = k).

    `table[k, n]` is the policy's next k after a round of k drafts with n accepted (TabledPolicy).
    Returns V(0, k) for every k; the policy's own answer is the entry at `start_k`.
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    table = np.asarray(table, dtype=np.int64)
    length, max_k = len(alpha), table.shape[0] - 1
    n = np.arange(max_k + 1)
    padded = np.concatenate([alpha, np.zeros(max_k + 1)])
    value = np.zeros((length + 1, max_k + 1))
    for t in range(length - 1, -1, -1):
        k = np.minimum(n, length - t - 1)                           # drafts this round, per k-state
        a = padded[t:t + max_k + 1]                                 # alpha of the drafts' positions
        all_accepted = np.concatenate([[1.0], np.cumprod(a[:max_k])])   # P(first n all accepted)
        # P(exactly n accepted): the first n accepted, then a rejection (or n == k: all accepted).
        prob = all_accepted * np.where(n[None, :] < k[:, None], 1.0 - a, 1.0)
        prob = np.where(n[None, :] <= k[:, None], prob, 0.0)
        next_k = table[k[:, None], np.minimum(n[None, :], k[:, None])]
        after = value[np.minimum(t + n + 1, length)[None, :], next_k]
        value[t] = k * c + 1.0 + verify_growth * k + (prob * after).sum(axis=1)
    return value[0]


def expected_speedup(alpha, table, start_k: int, c: float, verify_growth: float = 0.0) -> float:
    """Plain decoding's time (one target step per token) over the policy's expected time."""
    return len(alpha) / float(expected_time(alpha, table, start_k, c, verify_growth)[start_k])


def fixed_k_speedups(alpha, max_k: int, c: float, verify_growth: float = 0.0) -> np.ndarray:
    """Expected speedup of fixed K for K = 0..max_k, all from one recursion.

    "Keep the k you had" (table[k, n] = k) starting from K is fixed K: clipping near the end
    only lowers k to the tokens left, which every later round would clip to anyway.
    """
    identity = np.repeat(np.arange(max_k + 1)[:, None], max_k + 1, axis=1)
    return len(alpha) / expected_time(alpha, identity, 0, c, verify_growth)
