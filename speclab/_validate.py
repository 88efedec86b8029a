"""Input checks shared by the whole package: one clear ValueError naming the argument.

A leaf module (imports nothing of speclab), so theory and verify may use it too.
"""

from __future__ import annotations

import numbers

import numpy as np

#: How far a probability row may sum from 1 before it is rejected (float32 softmax fits).
SUM_TOLERANCE = 1e-4


def as_unit_interval(value, name: str) -> np.ndarray:
    """Return `value` as a float array, every entry a number in [0, 1]."""
    arr = _as_float(value, name)
    if np.any(np.isnan(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must lie in [0, 1] (and not be NaN); got {_show(value)}")
    return arr


def as_nonnegative(value, name: str) -> np.ndarray:
    """Return `value` as a float array, every entry a finite number >= 0."""
    arr = _as_float(value, name)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be a finite number >= 0; got {_show(value)}")
    return arr


def as_count_array(value, name: str, minimum: int = 0) -> np.ndarray:
    """Return `value` as an int array, every entry a whole number >= minimum."""
    arr = np.asarray(value)
    if arr.dtype == bool or arr.dtype.kind not in "iuf" or arr.size == 0:
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {_show(value)}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must be a whole number >= {minimum}; got {_show(value)}")
    if np.any(arr < minimum):
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {_show(value)}")
    return arr.astype(np.int64)


def as_count(value, name: str, minimum: int = 0) -> int:
    """Return `value` as a Python int >= minimum (rejects bools, floats with fractions, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, float, np.floating)):
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}")
    if np.ndim(value) != 0:
        raise ValueError(f"{name} must be a single whole number; got {_show(value)}")
    return int(as_count_array(value, name, minimum))


def as_probability_rows(value, name: str) -> np.ndarray:
    """Return `value` as a float64 array whose last axis holds probability vectors."""
    arr = _as_float(value, name)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(f"{name} must hold probability vectors along its last axis; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative and finite (probabilities)")
    sums = arr.sum(axis=-1)
    if np.any(np.abs(sums - 1.0) > SUM_TOLERANCE):
        worst = float(sums.flat[np.argmax(np.abs(sums - 1.0))])
        raise ValueError(f"{name} rows must each sum to 1 (within {SUM_TOLERANCE:g}); one sums to {worst:.6g}")
    return arr


def _as_float(value, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers; got {_show(value)}") from None
    return arr


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
