"""Input checks shared by the whole package: one clear error naming the argument.

A wrong value raises ValueError; a wrong type (a string, a bool, a complex number, an array
where one number is needed) raises ArgumentTypeError, which is a TypeError and also a
ValueError, so code that catches ValueError (the CLI, the exercise checks) sees every bad input.
A leaf module (imports nothing of speclab but its limits), so theory and verify may use it too.
"""

from __future__ import annotations

import numbers

import numpy as np

from .limits import MAX_ELEMENTS, MEMORY_BYTES, human_bytes

#: How far a probability row may sum from 1 before it is rejected (float32 softmax fits).
SUM_TOLERANCE = 1e-4


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type; a ValueError too, so one `except ValueError` catches all."""


# ----------------------------------------------------------------------------- real numbers

def as_unit_interval(value, name: str, scalar: bool = False):
    """`value` as a float array (a float when `scalar`), every entry a number in [0, 1]."""
    arr = as_real_array(value, name, scalar)
    if np.any(np.isnan(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must lie in [0, 1] (and not be NaN); got {short_repr(value)}")
    return float(arr) if scalar else arr


def as_nonnegative(value, name: str, scalar: bool = False):
    """`value` as a float array (a float when `scalar`), every entry a finite number >= 0."""
    arr = as_real_array(value, name, scalar)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be a finite number >= 0; got {short_repr(value)}")
    return float(arr) if scalar else arr


def as_real_in(value, name: str, low: float, high: float) -> float:
    """`value` as one float in [low, high] (a slider's range, say); NaN and infinities refused."""
    x = float(as_real_array(value, name, scalar=True))
    if not low <= x <= high:
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}]; got {short_repr(value)}")
    return x


def in_ranges(**ranges) -> list:
    """Check named (value, low, high) triples, e.g. a widget's starting values against its sliders.

    An int `low` asks for a whole number; a value outside its range is an error, never clamped.
    """
    return [as_count(value, name, low, high) if isinstance(low, int) else as_real_in(value, name, low, high)
            for name, (value, low, high) in ranges.items()]


def as_real_array(value, name: str, scalar: bool = False) -> np.ndarray:
    """`value` as a float64 array of real numbers; rejects str, bool, complex, None, objects.

    With `scalar`, the value must be one number (a 0-d array is returned).
    """
    arr = _numeric_array(value, name, "a real number" if scalar else "a real number or an array of them")
    if scalar and arr.ndim != 0:
        raise ArgumentTypeError(f"{name} must be a single real number; got an array of shape {arr.shape}")
    return arr.astype(np.float64)


# ----------------------------------------------------------------------------- whole numbers

def as_count(value, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    """`value` as a Python int in minimum..maximum (rejects bools, strings, fractions, NaN, arrays)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, float, np.floating)):
        raise ArgumentTypeError(f"{name} must be a whole number {_bounds(minimum, maximum)}; "
                                f"got {short_repr(value)} ({type(value).__name__})")
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value) or value != np.round(value):
            raise ValueError(f"{name} must be a whole number {_bounds(minimum, maximum)}; got {short_repr(value)}")
    count = int(value)
    if count < minimum or (maximum is not None and count > maximum):
        raise ValueError(f"{name} must be a whole number {_bounds(minimum, maximum)}; got {short_repr(value)}")
    return count


def as_whole_numbers(value, name: str, minimum: int = 0) -> np.ndarray:
    """`value` as a float64 array of whole numbers >= minimum, of any size (2**63 - 1 included).

    For the closed forms, which only compute with k: float64 holds every k they can tell apart.
    """
    arr = _numeric_array(value, name, f"a whole number {_bounds(minimum, None)} or an array of them")
    floats = arr.astype(np.float64)
    if not np.all(np.isfinite(floats)) or np.any(floats != np.round(floats)) or np.any(floats < minimum):
        raise ValueError(f"{name} must be a whole number {_bounds(minimum, None)}; got {short_repr(value)}")
    return floats


def as_count_array(value, name: str, minimum: int = 0, maximum: int | None = None) -> np.ndarray:
    """`value` as a non-empty int64 array, every entry a whole number in minimum..maximum."""
    floats = as_whole_numbers(value, name, minimum)
    if floats.size == 0:
        raise ValueError(f"{name} must hold at least one whole number {_bounds(minimum, maximum)}")
    limit = np.iinfo(np.int64).max if maximum is None else maximum
    # 2**63 - 1 rounds up to 2.0**63 as a float, so the int64 bound is checked as ">= 2**63"
    if np.any(floats >= 2.0**63 if maximum is None else floats > limit):
        raise ValueError(f"{name} must be a whole number {_bounds(minimum, limit)}; got {short_repr(value)}")
    arr = np.asarray(value)
    return arr.astype(np.int64) if arr.dtype.kind in "iu" else floats.astype(np.int64)


def as_flag(value, name: str, allow_none: bool = False):
    """`value` as a bool (True/False, numpy's too); None too when `allow_none` (e.g. "decide for me")."""
    if value is None and allow_none:
        return None
    if not isinstance(value, (bool, np.bool_)):
        allowed = "True, False or None" if allow_none else "True or False"
        raise ArgumentTypeError(f"{name} must be {allowed}; got {short_repr(value)} ({type(value).__name__})")
    return bool(value)


# ----------------------------------------------------------------------------- arrays

def as_probability_rows(value, name: str) -> np.ndarray:
    """`value` as a float64 array whose last axis holds probability vectors."""
    arr = as_real_array(value, name)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(f"{name} must hold probability vectors along its last axis; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative and finite (probabilities)")
    sums = arr.sum(axis=-1)
    if np.any(np.abs(sums - 1.0) > SUM_TOLERANCE):
        worst = float(sums.flat[np.argmax(np.abs(sums - 1.0))])
        raise ValueError(f"{name} rows must each sum to 1 (within {SUM_TOLERANCE:g}); one sums to {worst:.6g}")
    return arr


def as_logits(value, name: str) -> np.ndarray:
    """`value` as float rows of logits or log-probabilities: no NaN, no +inf, a finite entry in every row."""
    arr = as_real_array(value, name)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(f"{name} must hold rows of logits along its last axis; got shape {arr.shape}")
    if np.any(np.isnan(arr) | (arr == np.inf)) or not np.all(np.isfinite(arr).any(axis=-1)):
        raise ValueError(f"{name} must be logits or log-probabilities: no NaN or +inf, and a finite "
                         "entry in every row")
    return arr


def broadcast_shape(**arrays) -> tuple:
    """The common shape of named arrays, or a ValueError naming them and their shapes.

    Also refuses a broadcast result beyond MAX_ELEMENTS, before anything that size is built.
    """
    shapes = {name: np.shape(a) for name, a in arrays.items()}
    try:
        shape = np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(f"{_join(list(shapes))} must have shapes that broadcast together; got {listed}") from None
    if int(np.prod(shape, dtype=np.float64)) > MAX_ELEMENTS:
        raise ValueError(f"{_join(list(shapes))} broadcast to shape {shape}, more than "
                         f"{MAX_ELEMENTS:,} elements; pass smaller arrays")
    return shape


def check_memory(nbytes: float, what: str, names: str) -> None:
    """Refuse work whose estimated memory exceeds MEMORY_BYTES, naming the arguments to reduce."""
    if nbytes > MEMORY_BYTES:
        raise ValueError(f"{what} would need about {human_bytes(nbytes)} of memory, more than the "
                         f"{human_bytes(MEMORY_BYTES)} limit; reduce {names}")


# ----------------------------------------------------------------------------- helpers

def _numeric_array(value, name: str, what: str) -> np.ndarray:
    """An int/uint/float array of `value`; ArgumentTypeError naming `name` for anything else."""
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be {what}; got {short_repr(value)} ({type(value).__name__})")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raise ArgumentTypeError(f"{name} must be {what} (rows of equal length); got {short_repr(value)}") from None
    if arr.dtype == object:
        arr = _from_objects(arr, name, what, value)
    if arr.dtype.kind not in "iuf":
        kind = "complex" if arr.dtype.kind == "c" else arr.dtype.name
        raise ArgumentTypeError(f"{name} must be {what}; got {short_repr(value)} ({kind})")
    if arr.size > MAX_ELEMENTS:
        raise ValueError(f"{name} holds {arr.size:,} numbers, more than {MAX_ELEMENTS:,} elements; pass a smaller array")
    return arr


def _from_objects(arr: np.ndarray, name: str, what: str, value) -> np.ndarray:
    """Python ints too large for int64 (or Fractions, Decimals) as float64; anything else refused."""
    items = arr.ravel().tolist()
    if all(isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)) for x in items):
        with np.errstate(over="ignore"):
            try:
                return np.array([float(x) for x in items], dtype=np.float64).reshape(arr.shape)
            except OverflowError:
                return np.array([np.inf if x > 0 else -np.inf for x in items]).reshape(arr.shape)
    raise ArgumentTypeError(f"{name} must be {what}; got {short_repr(value)}")


def _bounds(minimum, maximum) -> str:
    return f">= {minimum}" if maximum is None else f">= {minimum} and <= {maximum:,}"


def _join(names: list) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def short_repr(value) -> str:
    """repr(value), cut to 60 characters; never raises (a broken __repr__ gives the type name)."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())              # one line: numpy prints arrays over several
    return text if len(text) <= 60 else text[:57] + "..."
