"""Checks on what the learner's function returned: the right type, range, no NaN.

Each validator takes (value, args, call): the returned value, the call's arguments, and
`call()`, which describes the call for the message. It returns the value normalized (Python
bool / int / float) or raises `BadReturn`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .formatting import describe, describe_type
from .outcomes import BadReturn


def is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def is_int(value) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not is_bool(value)


def accepted_and_token(value, args, call):
    """Validator for `(accepted, token)`: a bool and a token id in 0..len(p)-1 (p is args[0])."""
    vocab_size = len(args[0])
    if value is None:
        raise BadReturn("`None`: did you forget the `return (accepted, token)` line?", call())
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise BadReturn(f"{describe_type(value)}; it must return a pair `(accepted, token)`.", call())
    accepted, token = value
    if not is_bool(accepted):
        raise BadReturn(f"accepted = {describe_type(accepted)}; `accepted` must be `True` or `False`.", call())
    if not is_int(token):
        raise BadReturn(f"token = {describe_type(token)}; `token` must be an int token id "
                        "(use `int(...)` on a numpy result).", call())
    if not 0 <= token < vocab_size:
        raise BadReturn(f"token = `{token}`, outside the vocabulary 0..{vocab_size - 1}.", call())
    return bool(accepted), int(token)


def int_in_range(low: int, high: int):
    """Validator for an int in low..high (numpy ints welcome, bools and floats not)."""

    def validate(value, args, call):
        if value is None:
            raise BadReturn("`None`: did you forget the `return` line?", call())
        if not is_int(value):
            raise BadReturn(f"{describe_type(value)}; it must return an int in {low}..{high}.", call())
        if not low <= value <= high:
            raise BadReturn(f"`{value}`; it must return an int in {low}..{high}.", call())
        return int(value)

    return validate


def unit_interval_or_nan(value, args, call):
    """Validator for a number in [0, 1], or nan ("there is none"); ints and numpy floats are fine."""
    if value is None:
        raise BadReturn("`None`: did you forget the `return` line? (Return `float('nan')` when there "
                        "is no answer.)", call())
    if is_bool(value) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise BadReturn(f"{describe_type(value)}; it must return a float in [0, 1], or `float('nan')`.", call())
    number = float(value)
    if not math.isnan(number) and not 0 <= number <= 1:
        raise BadReturn(f"`{describe(value)}`, outside [0, 1]; alpha is a probability.", call())
    return number
