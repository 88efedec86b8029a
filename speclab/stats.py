"""Small exact statistics without scipy: Pearson's chi-square goodness-of-fit test.

Used by the graded exercises to decide whether a learner's sampler draws from the right
distribution. The p-value is the regularized upper incomplete gamma Q(df/2, x/2).
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import ArgumentTypeError, as_probability_rows, short_repr

_EPSILON = 1e-16
_MAX_ITERATIONS = 10_000


def chi_square_test(counts, probs) -> tuple:
    """Pearson's chi-square test that `counts` were drawn from `probs`; returns (statistic, p_value).

    Cells with probability 0 drop out; a count in such a cell is impossible, so the result is
    (inf, 0.0). With a single possible cell the test has no freedom and returns (0.0, 1.0).
    """
    counts = _as_counts(counts)
    probs = as_probability_rows(probs, "probs")
    if probs.ndim != 1 or probs.shape != counts.shape:
        raise ValueError(f"counts and probs must be 1-D of the same length; got {counts.shape} and {probs.shape}")
    possible = probs > 0
    if np.any(counts[~possible] > 0):
        return math.inf, 0.0
    total = counts.sum()
    df = int(possible.sum()) - 1
    if df == 0 or total == 0:
        return 0.0, 1.0
    expected = total * probs[possible] / probs[possible].sum()
    statistic = float((((counts[possible] - expected) ** 2) / expected).sum())
    return statistic, chi_square_sf(statistic, df)


def chi_square_sf(x: float, df: int) -> float:
    """P(X >= x) for X chi-square with `df` degrees of freedom (the test's p-value)."""
    if not df > 0:
        raise ValueError(f"df must be > 0; got {df}")
    if math.isnan(x):
        raise ValueError("x must not be NaN")
    if x <= 0:
        return 1.0
    return regularized_upper_gamma(df / 2.0, x / 2.0)


def regularized_upper_gamma(a: float, x: float) -> float:
    """Q(a, x) = Gamma(a, x) / Gamma(a): a series below x = a + 1, a continued fraction above.

    The continued fraction computes Q directly, so tiny p-values keep their relative precision.
    """
    if x <= 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    if x < a + 1.0:
        return max(0.0, 1.0 - _lower_gamma_series(a, x))
    return _upper_gamma_continued_fraction(a, x)


def _prefactor(a: float, x: float) -> float:
    """x^a e^-x / Gamma(a), in logs so it neither overflows nor underflows early."""
    return math.exp(a * math.log(x) - x - math.lgamma(a))


def _lower_gamma_series(a: float, x: float) -> float:
    """P(a, x) = x^a e^-x / Gamma(a) * sum_n x^n / (a (a+1) ... (a+n))."""
    term = total = 1.0 / a
    denominator = a
    for _ in range(_MAX_ITERATIONS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPSILON:
            break
    return total * _prefactor(a, x)


def _upper_gamma_continued_fraction(a: float, x: float) -> float:
    """Q(a, x) by the modified Lentz method on Legendre's continued fraction."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    fraction = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        step = d * c
        fraction *= step
        if abs(step - 1.0) < _EPSILON:
            break
    return fraction * _prefactor(a, x)


def _as_counts(counts) -> np.ndarray:
    try:
        arr = np.asarray(counts)
    except (TypeError, ValueError, OverflowError):
        arr = np.asarray(None)
    if arr.dtype == bool or arr.dtype.kind not in "iuf" or arr.ndim != 1:
        raise ArgumentTypeError(f"counts must be a 1-D array of whole numbers >= 0; got {short_repr(counts)}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ValueError(f"counts must be whole numbers >= 0; got {short_repr(counts)}")
    return arr
