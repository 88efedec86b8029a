"""Exercise 2: adaptive K, a rule for how many tokens to draft next round, graded in the simulator.

The learner's next_k(k, n_accepted) is tabulated (TabledPolicy) and run on a low-, a medium-
and a high-agreement synthetic pair; its modelled speedup is compared with fixed K = 4.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..policies import FixedK
from ..simulator import CostModel, SyntheticPair, simulate
from .exercise import Case, Exercise
from .outcomes import WrongAnswer
from .returns import int_in_range
from .tabled_policy import TabledPolicy

MIN_K, MAX_K, START_K, BASELINE_K = 1, 16, 4, 4
#: It must keep growing after full acceptances at least up to here (fixed K = 8 wins at high agreement).
GROW_BELOW = 8

#: (name, agreement) of the three synthetic pairs; alpha is about 0.46, 0.66 and 0.93.
PAIRS = (("low agreement", 0.2), ("medium agreement", 0.5), ("high agreement", 0.9))
SIMULATION = dict(num_tokens=200, trials=500, seed=0)

#: The learner's speedup must reach this fraction of fixed K = 4's on every pair. Measured
#: (500 trials, seeds 0-3 vary it by < 1%): sensible rules reach >= 0.90 of fixed K = 4 on the
#: medium pair (grow 2 / shrink 1: 0.96, 1.04 low, 1.24 high; double / halve: 0.92; n+1: 0.93;
#: reset to 1: 0.91), while always 16 (0.56 low), always 8 (0.80 low), always 1 (0.82 medium,
#: 0.57 high) and a rule that swaps growing and shrinking (0.57 low) fall clearly below.
MIN_RATIO = 0.85

TASK = f"""\
A fixed number of drafts `K` is a compromise: too few when the draft agrees with the target,
too many when it does not. Write a rule that adapts: given last round's `k` and how many of its
drafts the target accepted (`n_accepted`, 0..k), return how many to draft next round.

The check runs your rule in `sl.simulate` on three synthetic pairs (low, medium and high
agreement, default cost model: a draft step costs 0.1 target steps), starting at k = {START_K}.
To pass, it must

- return an int in {MIN_K}..{MAX_K} and depend only on its two arguments,
- grow after a fully accepted round (`n_accepted == k`, for k below {GROW_BELOW}) and shrink after an
  immediate rejection (`n_accepted == 0`, for k above 1),
- reach at least {MIN_RATIO:.0%} of fixed K = {BASELINE_K}'s modelled speedup on every pair."""

STUB = f'''\
def next_k(k, n_accepted):
    """How many tokens to draft next round, given last round's k and how many were accepted.

    Returns an int in {MIN_K}..{MAX_K}.
    """
    raise NotImplementedError  # draft more after a fully accepted round, fewer after a rejection
'''

HINTS = (
    "A round where all k drafts were accepted (`n_accepted == k`) says the draft is tracking the "
    "target: draft more. A rejection wasted the drafts after it: draft fewer.",
    "Move in small steps, e.g. `k + 2` after a fully accepted round and `k - 1` otherwise. "
    "Growing faster than shrinking pays, because long accepted runs are where the speedup is.",
    f"Keep the result in range with `max({MIN_K}, min({MAX_K}, new_k))`, and return a plain int.",
)

SOLUTION_IMPORTS = "# no imports needed"


def next_k(k, n_accepted):
    """Draft 2 more after a fully accepted round, 1 fewer after a rejection; stay in 1..16."""
    new_k = k + 2 if n_accepted == k else k - 1
    return max(1, min(16, new_k))


@lru_cache(maxsize=None)
def baseline_speedup(agreement: float) -> float:
    """Fixed K = 4's modelled speedup on the pair, the bar the learner's rule is held to."""
    return _simulate(FixedK(BASELINE_K), agreement).speedup


def _simulate(policy, agreement: float):
    pair = SyntheticPair(vocab_size=100, agreement=agreement, seed=0)
    return simulate(pair, cost=CostModel(), policy=policy, **SIMULATION)


def tabulate(learner) -> TabledPolicy:
    """The learner's rule over its whole domain; every return value is validated on the way."""
    return TabledPolicy.tabulate(learner, start_k=START_K, max_k=MAX_K)


def check_pure(learner) -> None:
    first, second = tabulate(learner).table, tabulate(learner).table
    if not np.array_equal(first, second):
        k, n = np.argwhere(first != second)[0]
        raise WrongAnswer("the same inputs give the same answer", f"`next_k({k}, {n})`, called twice",
                          "the same k both times (the simulator relies on it)", f"{first[k, n]}, then {second[k, n]}",
                          "Do not keep state between calls or use randomness: depend only on k and n_accepted.")


def check_grows(learner) -> None:
    table = tabulate(learner).table
    for k in range(MIN_K, GROW_BELOW):
        if table[k, k] <= k:
            raise WrongAnswer("grows after a fully accepted round", f"`next_k({k}, {k})`",
                              f"more than {k}", str(table[k, k]), HINTS[0])


def check_shrinks(learner) -> None:
    table = tabulate(learner).table
    for k in range(MIN_K + 1, MAX_K + 1):
        if table[k, 0] >= k:
            raise WrongAnswer("shrinks after an immediate rejection", f"`next_k({k}, 0)`",
                              f"less than {k}", str(table[k, 0]), HINTS[0])


def check_speed(learner, name: str, agreement: float) -> str:
    """Simulate the rule on one pair; fail below MIN_RATIO of fixed K = 4, else report the numbers."""
    result = _simulate(tabulate(learner), agreement)
    baseline = baseline_speedup(agreement)
    mean_k = result.draft_passes / result.target_passes
    got = f"speedup {result.speedup:.3f} (your rule drafted {mean_k:.1f} tokens per round on average)"
    if result.speedup < MIN_RATIO * baseline:
        raise WrongAnswer(f"speed on the {name} pair (agreement {agreement}, alpha {result.alpha:.2f})",
                          f"`sl.simulate(SyntheticPair(agreement={agreement}), policy=<your rule>)`",
                          f"speedup at least {MIN_RATIO} × fixed K = {BASELINE_K}'s {baseline:.3f} = "
                          f"{MIN_RATIO * baseline:.3f}", got)
    return f"- {name}: {result.speedup:.3f}× (fixed K = {BASELINE_K}: {baseline:.3f}×), {mean_k:.1f} drafts per round"


def cases() -> list:
    return [
        Case(f"returns an int in {MIN_K}..{MAX_K}", lambda learner: tabulate(learner) and None),
        Case("the same inputs give the same answer", check_pure),
        Case("grows after a fully accepted round", check_grows),
        Case("shrinks after an immediate rejection", check_shrinks),
    ] + [Case(f"speed on the {name} pair", lambda learner, name=name, a=a: check_speed(learner, name, a))
         for name, a in PAIRS]


ex2 = Exercise(
    number=2, title="adaptive K", function_name="next_k",
    arg_names=("k", "n_accepted"), task=TASK, stub=STUB, hints=HINTS,
    solution_function=next_k, solution_imports=SOLUTION_IMPORTS,
    validate=int_in_range(MIN_K, MAX_K), cases=cases, time_limit=30.0,
    praise="your rule keeps up with fixed K = 4 everywhere. Modelled speedups "
           "(`sl.AdaptiveK` is the built-in version):",
)
