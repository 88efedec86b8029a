"""Exercise 4: break-even, the smallest alpha at which k drafts at cost ratio c are no slower.

Graded against the exact `theory.breakeven_alpha` over a table of (cost_ratio, K), to 1e-3.
"""

from __future__ import annotations

import speclab as sl

from ..theory import breakeven_alpha, speedup
from .exercise import Case, Exercise
from .outcomes import WrongAnswer
from .returns import float_in_unit_interval

TOLERANCE = 1e-3

#: (cost_ratio, K), from the simplest (K = 1, where alpha = c) to long drafts and costly ones.
TABLE = (
    (0.1, 1), (0.5, 1), (0.1, 2), (0.1, 4), (0.05, 4), (0.3, 3), (0.2, 8),
    (0.0, 4), (0.01, 16), (0.5, 5), (0.75, 2), (0.9, 1), (0.9, 6), (0.6, 16),
)

TASK = f"""\
Speculating is not free: each round costs `K` draft steps (each `cost_ratio` target steps)
plus one target pass, and it only pays off when enough drafts are accepted. Find the
**break-even** acceptance rate: the smallest `alpha` in [0, 1] at which `K` drafts at this
cost ratio are no slower than plain decoding (speedup >= 1).

Under the paper's model, a round emits `1 + alpha + ... + alpha^K` tokens on average (the
accepted drafts plus one correction or bonus token) and costs `K * cost_ratio + 1` target steps;
`sl.speedup(alpha, K, cost_ratio)` computes the ratio. Answers must be within 1e-3 on a table
of {len(TABLE)} `(cost_ratio, K)` pairs with cost_ratio in [0, 0.9] and K from 1 to 16."""

STUB = '''\
def find_breakeven_alpha(cost_ratio, K):
    """The smallest alpha in [0, 1] at which K drafts at this cost ratio are no slower than plain decoding."""
    raise NotImplementedError  # search alpha in [0, 1] for speedup(alpha, K, cost_ratio) == 1
'''

HINTS = (
    "The speedup grows with alpha (more accepted drafts, same cost), so there is one crossing "
    "point: a bisection on [0, 1] finds it.",
    "Keep `lo, hi = 0.0, 1.0`. Repeat about 50 times: `mid = (lo + hi) / 2`; if "
    "`sl.speedup(mid, K, cost_ratio) < 1` the answer is above `mid` (`lo = mid`), else `hi = mid`.",
    "Check the edges: with `cost_ratio = 0` drafts are free and the answer is 0; with `K = 1` the "
    "round emits `1 + alpha` tokens for cost `1 + cost_ratio`, so the answer is `cost_ratio`. "
    "Forgetting the bonus token (using `alpha + ... + alpha^K` tokens) gets both wrong.",
)

SOLUTION_IMPORTS = "import speclab as sl"


def find_breakeven_alpha(cost_ratio, K):
    """The smallest alpha in [0, 1] at which K drafts at this cost ratio are no slower than plain decoding."""
    lo, hi = 0.0, 1.0
    for _ in range(60):                                  # bisection: speedup grows with alpha
        mid = (lo + hi) / 2
        if sl.speedup(mid, K, cost_ratio) < 1.0:
            lo = mid
        else:
            hi = mid
    return hi


def run_case(learner, cost_ratio: float, k: int) -> None:
    """Compare the learner's answer for one (cost_ratio, K) with the exact break-even."""
    got = learner(cost_ratio, k)
    exact = breakeven_alpha(cost_ratio, k)
    if abs(got - exact) > TOLERANCE:
        at_got = speedup(got, k, cost_ratio)
        raise WrongAnswer(f"cost_ratio = {cost_ratio}, K = {k}", f"`find_breakeven_alpha({cost_ratio}, {k})`",
                          f"{exact:.4f} (within {TOLERANCE:g}); there the speedup is exactly 1",
                          f"{got:.4f}, where `sl.speedup({got:.4f}, {k}, {cost_ratio})` = {at_got:.4f}")


def cases() -> list:
    return [Case(f"cost_ratio = {c}, K = {k}", lambda learner, c=c, k=k: run_case(learner, c, k)) for c, k in TABLE]


ex4 = Exercise(
    number=4, title="break-even acceptance rate", function_name="find_breakeven_alpha",
    arg_names=("cost_ratio", "K"), task=TASK, stub=STUB, hints=HINTS,
    solution_function=find_breakeven_alpha, solution_imports=SOLUTION_IMPORTS,
    validate=float_in_unit_interval, cases=cases, time_limit=10.0,
    praise=f"your break-even matches the exact one (`sl.breakeven_alpha`) to {TOLERANCE:g} on all "
           f"{len(TABLE)} pairs. Below it, speculating makes decoding slower.",
)
