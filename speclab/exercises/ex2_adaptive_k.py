"""Exercise 2: adaptive K, a rule for how many tokens to draft next round.

The learner's next_k(k, n_accepted) is tabulated (TabledPolicy) and graded on a text whose
acceptance changes along the way (SwitchingPair: easy stretches, then hard ones). Its exact
expected speedup (policy_time.py, what `sl.simulate` estimates) must beat the best fixed K,
computed for K = 1..16 on the same text, by MIN_GAIN.
"""

from __future__ import annotations

import numpy as np

from ..policies import AdaptiveK
from ._grading.exercise import Case, Exercise
from ._grading.outcomes import WrongAnswer
from ._grading.policy_time import expected_speedup, fixed_k_speedups
from ._grading.returns import int_in_range
from ._grading.sandbox import require_reproducible
from ._grading.stretches import SwitchingPair, plot_stretches
from ._grading.tabled_policy import TabledPolicy

MIN_K, MAX_K, START_K = 1, 16, 4
#: It must keep growing after full acceptances at least up to here.
GROW_BELOW = 8

#: The text: 400 tokens in stretches of 50, easy (draft agreement 0.95, mean alpha 0.97) and hard
#: (agreement 0, mean alpha 0.31); the same targets throughout, seed 0. A draft step costs
#: COST_RATIO target steps (the simulator's default cost model).
EASY, HARD, STRETCH, NUM_TOKENS, SEED = 0.95, 0.0, 50, 400, 0
COST_RATIO = 0.1

#: The learner's expected speedup must be at least MIN_GAIN times the best fixed K's (K = 3 here:
#: 1.618x). Exact values (tests/test_exercises_design.py recomputes them): sensible adaptive
#: rules gain 4-12% (grow 2 / shrink 1, sl.AdaptiveK's default: 1.041; grow 1 / shrink 1: 1.075;
#: n_accepted + 1: 1.088; double / halve: 1.115; the reference: 1.113), while a constant rule
#: reaches at most 1.001 (it is a fixed K after its first round, which drafts START_K), a rule
#: that shrinks only after n_accepted == 0 reaches 0.973, one that grows after any acceptance
#: 0.918, and jumping straight to 16 0.853.
MIN_GAIN = 1.02

def _stretch_alphas() -> tuple:
    """Mean alpha_t = sum(min(p_t, q_t)) over the easy and over the hard stretches of the text."""
    pair = SwitchingPair(EASY, HARD, STRETCH, seed=SEED)
    alpha, hard = pair.alpha(NUM_TOKENS), pair.is_hard(NUM_TOKENS)
    return float(alpha[~hard].mean()), float(alpha[hard].mean())


EASY_ALPHA, HARD_ALPHA = _stretch_alphas()

#: The library's own adaptive policy answers the exercise: calling it is not writing a rule.
FORBIDDEN = (("sl.AdaptiveK.next_k", AdaptiveK.next_k),)

TASK = f"""\
A fixed number of drafts `K` is a compromise: too few where the draft agrees with the target,
too many where it does not. Write a rule that adapts: given last round's `k` and how many of its
drafts the target accepted (`n_accepted`, 0..k), return how many to draft next round.

The check runs your rule on a text of {NUM_TOKENS} tokens that alternates stretches of {STRETCH}
easy tokens (mean alpha_t = Σ min(p_t, q_t) of {EASY_ALPHA:.2f}) and {STRETCH} hard ones ({HARD_ALPHA:.2f}),
with a draft step costing {COST_RATIO} target steps, starting at k = {START_K}. To pass, it must

- return an int in {MIN_K}..{MAX_K} and depend only on its two arguments,
- grow after a fully accepted round (`n_accepted == k`, for k below {GROW_BELOW}) and shrink after an
  immediate rejection (`n_accepted == 0`, for k above 1),
- beat the **best fixed K** on that text by at least {MIN_GAIN - 1:.0%} in expected speedup (the
  check computes the expected modelled speedup of every fixed K from 1 to {MAX_K} and of your
  rule exactly, so no simulation noise decides the verdict)."""

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
    "Grow fast while everything is accepted (e.g. double `k`), and after a rejection fall back to "
    "what the draft just managed: `n_accepted + 1`. Shrinking by one at a time is too slow when a "
    "hard stretch begins.",
    f"Keep the result in range with `max({MIN_K}, min({MAX_K}, new_k))`, and return a plain int.",
)

SOLUTION_IMPORTS = "# no imports needed"


def next_k(k, n_accepted):
    """Double after a fully accepted round; after a rejection, draft one more than was accepted."""
    new_k = 2 * k if n_accepted == k else n_accepted + 1
    return max(1, min(16, new_k))


def text_alpha() -> np.ndarray:
    """alpha_t at each position of the graded text."""
    return SwitchingPair(EASY, HARD, STRETCH, seed=SEED).alpha(NUM_TOKENS)


def plot_text(ax=None):
    """The graded text: alpha_t along it, and the best fixed K for the whole of it."""
    fig = plot_stretches(SwitchingPair(EASY, HARD, STRETCH, seed=SEED), NUM_TOKENS, COST_RATIO, MAX_K, ax=ax)
    best_k, best = best_fixed_k()
    fig.axes[0].set_title(f"Exercise 2's text: one K for all of it is a compromise (best: K = {best_k}, "
                          f"{best:.2f}x expected speedup)", fontsize=10)
    # Below the axes: inside them every place is crossed by the text's jumps between the two levels.
    fig.axes[0].legend(handles=fig.axes[0].get_legend().legend_handles, loc="upper center", bbox_to_anchor=(0.5, -0.3),
                       ncols=2, fontsize=9, frameon=False)
    return fig


def best_fixed_k() -> tuple:
    """(K, speedup) of the best fixed K in 1..MAX_K on the graded text, computed exactly."""
    speedups = fixed_k_speedups(text_alpha(), MAX_K, COST_RATIO)
    best = int(np.argmax(speedups[1:])) + 1
    return best, float(speedups[best])


def tabulate(learner) -> TabledPolicy:
    """The learner's rule over its whole domain; every return value is validated on the way."""
    return TabledPolicy.tabulate(learner, start_k=START_K, max_k=MAX_K)


def all_arguments() -> list:
    return [(k, n) for k in range(MIN_K, MAX_K + 1) for n in range(k + 1)]


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


def check_speed(learner) -> str:
    """Fail below MIN_GAIN x the best fixed K's expected speedup; else report the numbers."""
    policy = tabulate(learner)
    alpha = text_alpha()
    got = expected_speedup(alpha, policy.table, START_K, COST_RATIO)
    best_k, best = best_fixed_k()
    if got < MIN_GAIN * best:
        raise WrongAnswer("beats the best fixed K on text with easy and hard stretches",
                          f"{NUM_TOKENS} tokens, stretches of {STRETCH} (alpha {EASY_ALPHA:.2f}, then {HARD_ALPHA:.2f}), "
                          f"c = {COST_RATIO}, your rule from k = {START_K}",
                          f"expected speedup at least {MIN_GAIN} × the best fixed K's (K = {best_k}: "
                          f"{best:.3f}×) = {MIN_GAIN * best:.3f}×",
                          f"{got:.3f}× ({got / best - 1:+.1%} against K = {best_k})",
                          "Adapt faster: grow quickly through an easy stretch and drop quickly when a "
                          "hard one starts.")
    return (f"- your rule: {got:.3f}× expected speedup, {got / best - 1:+.1%} against the best fixed "
            f"K = {best_k} ({best:.3f}×)")


def cases() -> list:
    advice = "Depend only on `k` and `n_accepted`: no randomness, and no state kept between calls."
    return [
        Case(f"returns an int in {MIN_K}..{MAX_K}", lambda learner: tabulate(learner) and None),
        Case("the same inputs give the same answer",
             lambda learner: require_reproducible(learner, all_arguments, advice)),
        Case("grows after a fully accepted round", check_grows),
        Case("shrinks after an immediate rejection", check_shrinks),
        Case("beats the best fixed K on text with easy and hard stretches", check_speed),
    ]


ex2 = Exercise(
    number=2, title="adaptive K", function_name="next_k",
    arg_names=("k", "n_accepted"), task=TASK, stub=STUB, hints=HINTS,
    solution_function=next_k, solution_imports=SOLUTION_IMPORTS,
    validate=int_in_range(MIN_K, MAX_K), cases=cases, time_limit=30.0, forbidden=FORBIDDEN,
    praise="your rule beats every fixed K on text whose difficulty changes. Exact expected modelled "
           "speedup (what `sl.simulate` estimates; `sl.AdaptiveK` is the library's adaptive policy):",
)
