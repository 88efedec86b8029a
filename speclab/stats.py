"""Pearson's chi-square goodness-of-fit test, with the course's input rules, on scipy's distribution.

Used by the graded exercises and the losslessness checks to decide whether a sampler draws from
the right distribution. The statistic is computed here (cells of probability 0 drop out, and a
count in one is impossible); its p-value P(X >= statistic) for X chi-square with df degrees of
freedom is scipy's `chi2.sf` (the regularized upper incomplete gamma Q(df/2, x/2)).
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import ArgumentTypeError, as_count, as_probability_rows, as_real_array, short_repr


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
    """P(X >= x) for X chi-square with `df` degrees of freedom (the test's p-value), from scipy."""
    from scipy.stats import chi2      # imported here: `import speclab` stays fast

    x = float(as_real_array(x, "x", scalar=True))
    if not x >= 0:
        raise ValueError(f"x must be a chi-square statistic >= 0 (inf allowed); got {short_repr(x)}")
    return float(chi2.sf(x, as_count(df, "df", minimum=1, maximum=np.iinfo(np.int64).max)))


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple:
    """The Wilson score interval of a rate successes/trials (scipy's binomtest); (nan, nan) with no trials.

    successes and trials are whole numbers with 0 <= successes <= trials; confidence lies strictly
    between 0 and 1 (an interval at confidence 0 or 1 is a point or everything, never an estimate).
    """
    trials = as_count(trials, "trials", maximum=np.iinfo(np.int64).max)
    successes = as_count(successes, "successes", maximum=trials)
    confidence = float(as_real_array(confidence, "confidence", scalar=True))
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1 (0.95, say); got {short_repr(confidence)}")
    if trials == 0:
        return float("nan"), float("nan")
    from scipy.stats import binomtest      # imported here: `import speclab` stays fast

    ci = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


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
