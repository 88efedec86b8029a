"""Short, stable text for the values that appear in feedback: arrays, generators, floats."""

from __future__ import annotations

import numpy as np

_MAX_CHARS = 120


def describe(value) -> str:
    """A one-line, deterministic description of `value` for a feedback message."""
    if isinstance(value, np.random.Generator):
        return "rng"
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=3, separator=", ", max_line_width=10_000, threshold=12)
    elif isinstance(value, (float, np.floating)):
        text = f"{float(value):.6g}"
    else:
        text = repr(value)
    return text if len(text) <= _MAX_CHARS else text[: _MAX_CHARS - 3] + "..."


def describe_call(name: str, arg_names, args) -> str:
    """`name(a=..., b=...)` as markdown code, e.g. for "on accept_or_resample(p=[...], ...)"."""
    inner = ", ".join(f"{arg}={describe(value)}" for arg, value in zip(arg_names, args))
    return f"`{name}({inner})`"


def describe_type(value) -> str:
    """`value` and its type, e.g. `None` or `2.0` (float)."""
    return f"`{describe(value)}` ({type(value).__name__})"


def vector(values) -> str:
    """A probability vector with three decimals, as markdown code."""
    text = np.array2string(np.asarray(values, dtype=float), precision=3, separator=", ",
                           suppress_small=True, floatmode="fixed")
    return f"`{text}`"
