"""Exercise 5 (notebook 10, on notebook 06's roofline): the batch size beyond which speculative decoding is slower.

Graded against `roofline.breakeven_batch` (no KV cache, fp16) over a table of
(alpha, K, cost_ratio, ridge_tokens), to a relative 1e-3.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import speclab as sl

from .. import roofline
from ._grading.exercise import Case, Exercise
from ._grading.formatting import describe, describe_type
from ._grading.outcomes import BadReturn, WrongAnswer

TOLERANCE = 1e-3

#: (alpha, K, cost_ratio, ridge_tokens): an H100 in fp16 (295) and int4 (74), an A100 (153), an L4 (403).
TABLE = (
    (0.8, 4, 0.05, 295), (0.6, 4, 0.05, 74), (0.8, 1, 0.0, 295), (0.9, 8, 0.02, 153),
    (0.7, 2, 0.1, 403), (0.95, 6, 0.0, 74), (0.5, 3, 0.05, 153), (0.99, 16, 0.01, 295),
)

TASK = f"""\
At batch size `B` one weight pass serves `B` sequences. A plain step scores `B` tokens, a
verification pass `B * (K + 1)`. Both cost one memory-bound step while the tokens per weight
pass stay at or below `ridge_tokens`; beyond it a pass costs (tokens / `ridge_tokens`) steps.
A round emits `sl.expected_tokens(alpha, K)` tokens on average and costs `K * cost_ratio` (the
drafts) plus the verification pass, counted in plain steps at the same batch.

Write `breakeven_batch(alpha, K, cost_ratio, ridge_tokens)`: the batch size at which the
speedup falls to exactly 1 (beyond it speculation is slower than plain decoding). Every case
in the table pays at batch 1. Answers must be within a relative {TOLERANCE:g} on
{len(TABLE)} cases."""

STUB = '''\
def breakeven_batch(alpha, K, cost_ratio, ridge_tokens):
    """The batch size beyond which speculative decoding is slower than plain decoding."""
    raise NotImplementedError  # where does expected_tokens / (K * cost_ratio + verification cost) reach 1?
'''

HINTS = (
    "The speedup is `sl.expected_tokens(alpha, K) / (K * cost_ratio + ratio)`, where `ratio` is the "
    "verification pass's cost over one plain step. It equals 1 when `ratio = expected_tokens - K * cost_ratio`.",
    "While `B * (K + 1) <= ridge_tokens` the ratio is 1. Past that (and while the plain step is still "
    "memory-bound) it is `B * (K + 1) / ridge_tokens`: it grows linearly with `B`.",
    "Solve `B * (K + 1) / ridge_tokens = expected_tokens - K * cost_ratio` for `B`. The batch where the "
    "pass turns compute-bound, `ridge_tokens / (K + 1)`, is not the answer: there the speedup is still above 1.",
)

SOLUTION_IMPORTS = "import speclab as sl"


def breakeven_batch(alpha, K, cost_ratio, ridge_tokens):
    """The batch size beyond which speculative decoding is slower than plain decoding."""
    room = sl.expected_tokens(alpha, K) - K * cost_ratio   # the verification cost that still pays
    return room * ridge_tokens / (K + 1)                    # B (K+1) / ridge_tokens = room


def positive_number(value, args, call):
    """Validator for a finite number > 0 (a batch size may be fractional here)."""
    if value is None:
        raise BadReturn("`None`: did you forget the `return` line?", call())
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise BadReturn(f"{describe_type(value)}; it must return a number (a batch size).", call())
    try:
        number = float(value)
    except OverflowError:         # an int beyond any float
        number = math.inf
    if not math.isfinite(number) or number <= 0:
        raise BadReturn(f"`{describe(value)}`; it must return a finite batch size > 0.", call())
    return number


def exact(alpha, k, c, ridge_tokens) -> float:
    """The package's answer: a model with bytes/FLOP such that ridge_tokens is what is given."""
    return roofline.breakeven_batch(alpha, k, c, params=1e9, bandwidth=1e12, peak_flops=ridge_tokens * 1e12)


def run_case(learner, alpha, k, c, ridge_tokens) -> None:
    got = learner(alpha, k, c, ridge_tokens)
    want = exact(alpha, k, c, ridge_tokens)
    if abs(got - want) > TOLERANCE * want:
        raise WrongAnswer(f"alpha = {alpha}, K = {k}, cost_ratio = {c}, ridge_tokens = {ridge_tokens}",
                          f"`breakeven_batch({alpha}, {k}, {c}, {ridge_tokens})`",
                          f"{want:.3f} (within a relative {TOLERANCE:g}); there the speedup is exactly 1",
                          f"{describe(got)}{_speedup_at(alpha, k, c, ridge_tokens, got)}")


def _speedup_at(alpha, k, c, ridge_tokens, batch) -> str:
    """", where the speedup is ..." at the learner's batch; "" where the roofline has no finite
    answer (a batch so large that its FLOPs overflow, or one the roofline refuses)."""
    try:
        with np.errstate(all="ignore"):
            speedup = roofline.batch_speedup(alpha, k, c, 1e9, 1e12, ridge_tokens * 1e12, batch)
    except (ValueError, ArithmeticError):
        return ", a batch far beyond any the roofline models"
    return f", where the speedup is {speedup:.4f}" if math.isfinite(speedup) else ""


def cases() -> list:
    return [Case(f"alpha = {a}, K = {k}, cost_ratio = {c}, ridge_tokens = {r}",
                 lambda learner, a=a, k=k, c=c, r=r: run_case(learner, a, k, c, r)) for a, k, c, r in TABLE]


FORBIDDEN = (("speclab.roofline.breakeven_batch", roofline.breakeven_batch),)

ex5 = Exercise(
    number=5, title="the batch size where speculation stops paying", function_name="breakeven_batch",
    arg_names=("alpha", "K", "cost_ratio", "ridge_tokens"), task=TASK, stub=STUB, hints=HINTS,
    solution_function=breakeven_batch, solution_imports=SOLUTION_IMPORTS,
    validate=positive_number, cases=cases, time_limit=10.0, forbidden=FORBIDDEN,
    praise=f"your break-even batch matches `speclab.roofline.breakeven_batch` to a relative {TOLERANCE:g} "
           f"on all {len(TABLE)} cases. Beyond it, the drafts' verification costs more than they save.",
)
