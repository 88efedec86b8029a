"""Input checks for the figures: one clear error naming the argument, before matplotlib sees it.

Thin wrappers over `speclab._validate` for what figures take: lists of curves' parameters, one
distribution, tables of simulated values, a marked point, an object of a given kind.
"""

from __future__ import annotations

import numpy as np

from .._validate import (ArgumentTypeError, as_count, as_flag, as_probability_rows, as_real_array, as_real_in,
                         short_repr)

#: One finite number in [low, high]: number(value, name, low, high).
number = as_real_in

__all__ = ["ArgumentTypeError", "as_count", "as_flag", "as_real_array", "number"]   # re-exported for the figures

#: The most curves, bars or grid cells one figure draws (more cannot be read, and takes long to draw).
MAX_ITEMS = 1_000


def distribution(value, name: str) -> np.ndarray:
    """One probability vector (1-D, non-negative, sums to 1)."""
    arr = as_probability_rows(value, name)
    if arr.ndim != 1 or arr.size > MAX_ITEMS:
        raise ValueError(f"{name} must be one probability vector of at most {MAX_ITEMS:,} tokens; got shape {arr.shape}")
    return arr


def same_size(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Refuse two arrays of different shapes, naming both."""
    if np.shape(a) != np.shape(b):
        raise ValueError(f"{name_a} and {name_b} must have the same shape; got {np.shape(a)} and {np.shape(b)}")


def reals(value, name: str, ndim: int = 1, low: float = -np.inf, high: float = np.inf,
          allow_nan: bool = False) -> np.ndarray:
    """A non-empty array of `ndim` dimensions of finite numbers in [low, high] (a number is a 1-list).

    With `allow_nan`, NaN marks a cell with no value (alpha where nothing was drafted).
    """
    arr = as_real_array(value, name)
    arr = np.atleast_1d(arr) if ndim == 1 else arr
    if arr.ndim != ndim or arr.size == 0 or arr.size > MAX_ITEMS * (MAX_ITEMS if ndim > 1 else 1):
        raise ValueError(f"{name} must be a non-empty {ndim}-D array of numbers; got shape {arr.shape}")
    known = arr[~np.isnan(arr)] if allow_nan else arr
    if known.size == 0:
        raise ValueError(f"{name} must hold at least one number (not only NaN); got {short_repr(value)}")
    if not np.all(np.isfinite(known)) or np.any((known < low) | (known > high)):
        raise ValueError(f"{name} must hold finite numbers in [{low:g}, {high:g}]; got {short_repr(value)}")
    return arr


def whole(value, name: str, minimum: int = 0, maximum: int = MAX_ITEMS) -> list:
    """A non-empty list of whole numbers in minimum..maximum (a number is a 1-list)."""
    arr = as_real_array(value, name)
    if arr.ndim > 1 or arr.size == 0 or arr.size > MAX_ITEMS:
        raise ValueError(f"{name} must be a non-empty list of whole numbers; got shape {arr.shape}")
    return [as_count(float(x), name, minimum, maximum) for x in np.atleast_1d(arr)]


def optional_count(value, name: str, minimum: int = 0, maximum: int | None = None):
    """None, or a whole number in minimum..maximum."""
    return None if value is None else as_count(value, name, minimum, maximum)


def point(value, name: str):
    """None, or an (x, y) pair of finite numbers to mark."""
    if value is None:
        return None
    arr = as_real_array(value, name)
    if arr.shape != (2,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be None or an (x, y) pair of finite numbers; got {short_repr(value)}")
    return float(arr[0]), float(arr[1])


def instance(value, kind, name: str, example: str):
    """`value` itself when it is a `kind` (a class or a tuple of them); else one error naming it."""
    if not isinstance(value, kind):
        raise ArgumentTypeError(f"{name} must be {example}; got {short_repr(value)} ({type(value).__name__})")
    return value


def labels(value, name: str, size: int) -> list:
    """`size` labels (anything printable) as a list of strings."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != size:
        raise ValueError(f"{name} must be a list of {size} labels; got {short_repr(value)}")
    return [str(x) for x in value]


