"""Short, stable text for the values that appear in feedback: arrays, generators, floats.

Every function here may be handed a value made by the learner's code, whose `__repr__`,
`__str__` or `__name__` can raise, loop or be huge: each one is bounded (reprlib) and guarded,
and describes the value as unprintable rather than let the error escape.
"""

from __future__ import annotations

import reprlib

import numpy as np

_MAX_CHARS = 120
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _MAX_CHARS
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 8


def type_name(value) -> str:
    """The name of `value`'s type, even when the type is hostile."""
    try:
        return str(type(value).__name__)[:_MAX_CHARS]
    except BaseException:  # noqa: BLE001
        return "object"


def describe(value) -> str:
    """A one-line, deterministic description of `value` for a feedback message."""
    try:
        text = _describe(value)
    except BaseException:  # noqa: BLE001 (the value's own __repr__ failed)
        return f"<a {type_name(value)} that cannot be printed>"
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_CHARS else text[: _MAX_CHARS - 3] + "..."


def _describe(value) -> str:
    if isinstance(value, np.random.Generator):
        return "rng"
    if type(value) is np.ndarray:
        return np.array2string(value, precision=3, separator=", ", max_line_width=10_000, threshold=12)
    if type(value) in (float, np.float64, np.float32, np.float16):
        return f"{float(value):.6g}"
    return _REPR.repr(value)


def safe_text(error: BaseException) -> str:
    """`TypeName: first line of the message` for an exception whose `__str__` may misbehave."""
    name = type_name(error)
    try:
        message = str(error)
    except BaseException:  # noqa: BLE001
        return f"{name} (its message cannot be printed)"
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if len(first) > _MAX_CHARS:
        first = first[: _MAX_CHARS - 3] + "..."
    return f"{name}: {first.replace('`', chr(39))}" if first else name


def describe_call(name: str, arg_names, args) -> str:
    """`name(a=..., b=...)` as markdown code, e.g. for "on accept_or_resample(p=[...], ...)"."""
    inner = ", ".join(f"{arg}={describe(value)}" for arg, value in zip(arg_names, args))
    return f"`{name}({inner})`"


def describe_type(value) -> str:
    """`value` and its type, e.g. `None` or `2.0` (float)."""
    return f"`{describe(value)}` ({type_name(value)})"


def vector(values) -> str:
    """A probability vector with three decimals, as markdown code."""
    text = np.array2string(np.asarray(values, dtype=float), precision=3, separator=", ",
                           suppress_small=True, floatmode="fixed")
    return f"`{text}`"
