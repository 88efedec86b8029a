"""Exercise 4: break-even with verification growth, the smallest alpha at which speculating pays.

Notebook 03 found the break-even acceptance rate when verifying K+1 tokens costs one target step.
Here a target pass over K+1 tokens costs 1 + verify_growth * K steps (a target that is not
purely memory-bound), and for some costs no alpha breaks even at all. Graded against the exact
`theory.breakeven_alpha(c, K, verify_growth)` over a table, to TOLERANCE; calling it is caught.
"""

from __future__ import annotations

import math

import speclab as sl

from ..theory import _bisect_breakeven, breakeven_alpha, speedup
from ._grading.exercise import Case, Exercise
from ._grading.formatting import describe
from ._grading.outcomes import WrongAnswer
from ._grading.returns import unit_interval_or_nan

TOLERANCE = 1e-3

#: (cost_ratio, K, verify_growth): from K = 1 (where the answer is cost_ratio + verify_growth) to
#: long drafts, free drafts, and costs where even alpha = 1 is slower (the answer is nan).
TABLE = (
    (0.1, 1, 0.0), (0.1, 1, 0.05), (0.05, 4, 0.0), (0.05, 4, 0.1), (0.1, 8, 0.02), (0.2, 8, 0.0),
    (0.02, 16, 0.03), (0.3, 3, 0.2), (0.0, 4, 0.0), (0.0, 6, 0.05), (0.5, 5, 0.3), (0.6, 16, 0.2),
    (0.9, 1, 0.0), (0.25, 3, 0.25), (0.4, 2, 0.7), (0.1, 8, 0.95),
)

#: Library code that computes the answer: calling it is not writing the search.
FORBIDDEN = (("sl.breakeven_alpha", breakeven_alpha), ("speclab.theory._bisect_breakeven", _bisect_breakeven))

TASK = f"""\
Each round costs `K` draft steps (each `cost_ratio` target steps) plus one target pass over the
`K + 1` tokens, which costs `1 + verify_growth * K` target steps (`verify_growth = 0` is notebook
03's assumption). A round emits `1 + alpha + ... + alpha^K` tokens on average, so
`sl.speedup(alpha, K, cost_ratio, verify_growth)` is that over `K * cost_ratio + 1 + verify_growth * K`.

Find the **break-even** acceptance rate: the smallest `alpha` in [0, 1] at which speculating is
no slower than plain decoding (speedup >= 1). When even `alpha = 1` is slower, there is none:
return `float("nan")`. Write the search yourself: calling `sl.speedup` is fine, calling
`sl.breakeven_alpha` (which answers this) is caught. Answers must be within {TOLERANCE:g} on a
table of {len(TABLE)} `(cost_ratio, K, verify_growth)` cases."""

STUB = '''\
def find_breakeven_alpha(cost_ratio, K, verify_growth):
    """The smallest alpha in [0, 1] at which speculating is no slower than plain decoding, or nan."""
    raise NotImplementedError  # search alpha in [0, 1] for sl.speedup(alpha, K, cost_ratio, verify_growth) == 1
'''

HINTS = (
    "The speedup grows with alpha (more accepted drafts, the same cost), so there is at most one "
    "crossing point: a bisection on [0, 1] finds it.",
    "First look at `alpha = 1`: if `sl.speedup(1.0, K, cost_ratio, verify_growth) < 1`, return "
    "`float('nan')`. Otherwise keep `lo, hi = 0.0, 1.0` and repeat about 50 times: `mid = (lo + hi) / 2`; "
    "if the speedup at `mid` is below 1 the answer is above `mid` (`lo = mid`), else `hi = mid`.",
    "Check the edges: with `K = 1` a round emits `1 + alpha` tokens for `1 + cost_ratio + verify_growth` "
    "target steps, so the answer is `cost_ratio + verify_growth`; with both at 0 it is 0.",
)

SOLUTION_IMPORTS = "import speclab as sl"


def find_breakeven_alpha(cost_ratio, K, verify_growth):
    """The smallest alpha in [0, 1] at which speculating is no slower than plain decoding, or nan."""
    if sl.speedup(1.0, K, cost_ratio, verify_growth) < 1.0:   # even perfect drafts lose: none
        return float("nan")
    lo, hi = 0.0, 1.0
    for _ in range(60):                                       # bisection: speedup grows with alpha
        mid = (lo + hi) / 2
        if sl.speedup(mid, K, cost_ratio, verify_growth) < 1.0:
            lo = mid
        else:
            hi = mid
    return hi


def run_case(learner, cost_ratio: float, k: int, growth: float) -> None:
    """Compare the learner's answer for one case with the exact break-even (nan when none)."""
    got = learner(cost_ratio, k, growth)
    exact = breakeven_alpha(cost_ratio, k, growth)
    call = f"`find_breakeven_alpha({cost_ratio}, {k}, {growth})`"
    case = f"cost_ratio = {cost_ratio}, K = {k}, verify_growth = {growth}"
    at_one = speedup(1.0, k, cost_ratio, growth)
    if math.isnan(exact):
        if not math.isnan(got):
            raise WrongAnswer(case, call, f"`nan`: even at alpha = 1 the speedup is only {at_one:.4f}",
                              f"{describe(got)}", "Check alpha = 1 first: if speculating loses even there, "
                              "no alpha breaks even.")
    elif math.isnan(got):
        raise WrongAnswer(case, call, f"{exact:.4f}; at alpha = 1 the speedup is {at_one:.4f} >= 1", "`nan`")
    elif abs(got - exact) > TOLERANCE:
        raise WrongAnswer(case, call, f"{exact:.4f} (within {TOLERANCE:g}); there the speedup is exactly 1",
                          f"{got:.4f}, where `sl.speedup({got:.4f}, {k}, {cost_ratio}, {growth})` = "
                          f"{speedup(got, k, cost_ratio, growth):.4f}")


def cases() -> list:
    return [Case(f"cost_ratio = {c}, K = {k}, verify_growth = {g}",
                 lambda learner, c=c, k=k, g=g: run_case(learner, c, k, g)) for c, k, g in TABLE]


def _praise() -> str:
    flat, grown = breakeven_alpha(0.05, 4), breakeven_alpha(0.05, 4, 0.1)
    return (f"your break-even matches the exact one (`sl.breakeven_alpha(cost_ratio, K, verify_growth)`) to "
            f"{TOLERANCE:g} on all {len(TABLE)} cases, including those where no alpha breaks even. Growth "
            f"raises the bar: at cost_ratio 0.05 and K = 4 the break-even alpha is {flat:.3f} when verifying "
            f"is free and {grown:.3f} with verify_growth 0.1; once cost_ratio + verify_growth exceeds 1, "
            "speculating never pays.")


ex4 = Exercise(
    number=4, title="break-even with verification growth", function_name="find_breakeven_alpha",
    arg_names=("cost_ratio", "K", "verify_growth"), task=TASK, stub=STUB, hints=HINTS,
    solution_function=find_breakeven_alpha, solution_imports=SOLUTION_IMPORTS,
    validate=unit_interval_or_nan, cases=cases, time_limit=10.0, forbidden=FORBIDDEN, praise=_praise(),
)
