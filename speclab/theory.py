"""Closed forms for speculative decoding under i.i.d. acceptance (Leviathan et al. 2023, Sec. 3).

alpha is the per-token acceptance probability E[sum_x min(p(x), q(x))], k the drafts per round,
c the cost of one draft step over one target step. Every function broadcasts over numpy arrays
and is continuous at alpha = 1 (no special-cased jump).
"""

from __future__ import annotations

import numpy as np

from ._validate import (
    as_count,
    as_nonnegative,
    as_probability_rows,
    as_unit_interval,
    as_whole_numbers,
    broadcast_shape,
    check_memory,
)
from .limits import MAX_K


def expected_tokens(alpha, k):
    """Expected tokens per round, (1 - alpha^(k+1)) / (1 - alpha); k+1 at alpha = 1.

    Written as the geometric sum 1 + alpha + ... + alpha^k, which is exact at alpha = 1.
    """
    alpha = as_unit_interval(alpha, "alpha")
    k = as_whole_numbers(k, "k")
    broadcast_shape(alpha=alpha, k=k)
    return _scalar(_geometric_sum(alpha, k))


def speedup(alpha, k, c, verify_growth=0.0):
    """Expected walltime improvement over plain decoding (Theorem 3.8 when verify_growth = 0).

    One round costs k draft steps (k*c) plus one target pass over k+1 tokens, which costs
    1 + verify_growth * k target steps; it yields expected_tokens(alpha, k) tokens.
    """
    alpha = as_unit_interval(alpha, "alpha")
    k = as_whole_numbers(k, "k")
    c = as_nonnegative(c, "c")
    growth = as_nonnegative(verify_growth, "verify_growth")
    broadcast_shape(alpha=alpha, k=k, c=c, verify_growth=growth)
    with np.errstate(over="ignore"):             # k * c beyond float range: speedup 0, correctly
        return _scalar(_speedup(alpha, k, c, growth))


def optimal_k(alpha, c, k_max=32, verify_growth=0.0):
    """The k in 0..k_max with the largest speedup; 0 means plain decoding is at least as fast.

    k_max is at most limits.MAX_K, and k_max times the broadcast size of the other arguments must
    fit the memory bound: every k is tried.
    """
    alpha = as_unit_interval(alpha, "alpha")
    c = as_nonnegative(c, "c")
    k_max = as_count(k_max, "k_max", minimum=0, maximum=MAX_K)
    growth = as_nonnegative(verify_growth, "verify_growth")
    shape = broadcast_shape(alpha=alpha, c=c, verify_growth=growth)
    check_memory(5 * 8 * (k_max + 1) * float(np.prod(shape)), f"optimal_k over k = 0..{k_max}",
                 "k_max or the size of alpha, c and verify_growth")
    ks = np.arange(k_max + 1).reshape((-1,) + (1,) * len(shape))
    with np.errstate(over="ignore"):             # k * c beyond float range: speedup 0, correctly
        gains = _speedup(alpha, ks, c, growth)
    # k = 0 has speedup exactly 1; a k >= 1 must beat it by more than rounding to count.
    gains[1:] = np.where(gains[1:] > 1.0 + 1e-12, gains[1:], -np.inf)
    best = np.argmax(gains, axis=0)
    return int(best) if np.ndim(best) == 0 else best


def breakeven_alpha(c, k, verify_growth=0.0):
    """The alpha at which k drafts at cost ratio c give speedup exactly 1; nan when none in [0, 1].

    Solves 1 + alpha + ... + alpha^k = 1 + k*c + verify_growth*k. Closed forms for k = 1
    (alpha = c + verify_growth) and k = 2; bisection otherwise (the left side increases in alpha).
    """
    c = as_nonnegative(c, "c")
    k = as_whole_numbers(k, "k", minimum=1)
    growth = as_nonnegative(verify_growth, "verify_growth")
    broadcast_shape(c=c, k=k, verify_growth=growth)
    with np.errstate(over="ignore"):             # k * c beyond float range: no alpha breaks even (nan)
        return _scalar(_alpha_reaching(k * (c + growth), k))


def alpha_for_tokens(tokens, k):
    """The alpha whose rounds of k drafts emit `tokens` on average: 1 + alpha + ... + alpha^k = tokens.

    The inverse of expected_tokens; nan where no alpha in [0, 1] reaches `tokens` (above k + 1).
    Closed forms for k = 1 and k = 2, bisection otherwise (the sum increases in alpha).
    """
    tokens = as_nonnegative(tokens, "tokens")
    k = as_whole_numbers(k, "k", minimum=1)
    broadcast_shape(tokens=tokens, k=k)
    with np.errstate(over="ignore"):             # tokens beyond float range: no alpha reaches them (nan)
        return _scalar(_alpha_reaching(np.maximum(tokens - 1.0, 0.0), k))


def _alpha_reaching(target, k):
    """The alpha in [0, 1] with alpha + ... + alpha^k = target, or nan when target > k."""
    target, k = np.broadcast_arrays(target, k)
    roots = np.where(k == 1, target, np.nan)
    roots = np.where(k == 2, (np.sqrt(1.0 + 4.0 * target) - 1.0) / 2.0, roots)
    general = k > 2
    if np.any(general):
        roots = np.where(general, _bisect_breakeven(target, k), roots)
    roots = np.where(target == 0, 0.0, roots)       # one token a round: nothing is accepted
    # No alpha in [0, 1] reaches the target when it exceeds k (the value at alpha = 1).
    return np.where(target > k * (1.0 + 1e-15), np.nan, np.clip(roots, 0.0, 1.0))


def acceptance_rate(p, q):
    """alpha for one position: sum over the vocabulary of min(p(x), q(x)) (last axis)."""
    p = as_probability_rows(p, "p")
    q = as_probability_rows(q, "q")
    if p.shape[-1] != q.shape[-1]:
        raise ValueError(f"p and q must have the same vocabulary size; got {p.shape[-1]} and {q.shape[-1]}")
    broadcast_shape(p=p, q=q)
    return _scalar(np.minimum(p, q).sum(axis=-1))


def tokens_per_round_pmf(alpha, k):
    """P(a round emits n tokens) for n = 1..k+1: alpha^(n-1)(1 - alpha), and alpha^k for n = k+1.

    alpha is one number; k is at most limits.MAX_K (the result holds k + 1 numbers).
    """
    alpha = as_unit_interval(alpha, "alpha", scalar=True)
    k = as_count(k, "k", maximum=MAX_K)
    n = np.arange(1, k + 2)
    pmf = alpha ** (n - 1) * (1.0 - alpha)
    pmf[-1] = alpha**k
    return pmf


def accepted_fraction(alpha, k):
    """E[accepted drafts] / k: what "accepted / drafted" converges to, which is not alpha.

    E[accepted] = alpha + alpha^2 + ... + alpha^k; at alpha 0.8, k 4 the fraction is about 0.59.
    """
    alpha = as_unit_interval(alpha, "alpha")
    k = as_whole_numbers(k, "k", minimum=1)
    broadcast_shape(alpha=alpha, k=k)
    return _scalar((_geometric_sum(alpha, k) - 1.0) / k)


# ----------------------------------------------------------------------------- helpers

def _geometric_sum(alpha, k):
    """1 + alpha + ... + alpha^k = (1 - alpha^(k+1)) / (1 - alpha), accurate up to alpha = 1.

    With e = 1 - alpha (exact near 1), 1 - alpha^(k+1) = -expm1((k+1) log1p(-e)), which keeps
    full precision as e -> 0; at e = 0 the sum is k + 1. k is taken as float64, so a k near
    2**63 (or a uint64 one) cannot overflow.
    """
    alpha, k = np.broadcast_arrays(np.asarray(alpha, dtype=np.float64), np.asarray(k, dtype=np.float64))
    e = 1.0 - alpha
    safe_e = np.where(e > 0, e, 1.0)
    with np.errstate(divide="ignore"):
        closed = -np.expm1((k + 1) * np.log1p(-safe_e)) / safe_e
    # Rounding must not leave the sum's true range [1, k + 1] (k = 0 gives exactly 1).
    return np.where(e > 0, np.clip(closed, 1.0, k + 1.0), k + 1.0)


def _speedup(alpha, k, c, growth):
    return _geometric_sum(alpha, k) / (k * c + 1.0 + growth * k)


def _bisect_breakeven(target, k, iterations=80):
    """Bisection for alpha + ... + alpha^k = target on [0, 1]; robust, vectorized."""
    lo = np.zeros(np.shape(target))
    hi = np.ones(np.shape(target))
    kk = np.where(k > 2, k, 3)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        below = _geometric_sum(mid, kk) - 1.0 < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def _scalar(x):
    """Return a Python float for 0-d results, the array otherwise."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x
