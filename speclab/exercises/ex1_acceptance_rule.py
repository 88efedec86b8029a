"""Exercise 1: the acceptance rule at one position (Leviathan et al. 2023, Algorithm 1, one step).

The check draws x ~ q many times per case, calls the learner's function, and tests that the
acceptance frequency is sum(min(p, q)) and that the emitted tokens are distributed as p.
"""

from __future__ import annotations

import numpy as np

from ..theory import acceptance_rate
from ..verify import count_accepted, decide, residual, verify
from ._grading.exercise import Case, Exercise
from ._grading.formatting import vector
from ._grading.outcomes import WrongAnswer
from ._grading.returns import accepted_and_token
from ._grading.sampling import draw, frequencies, require_distribution, require_rate
from ._grading.sandbox import require_reproducible

#: Draws per case: with every possible cell at probability >= 0.05 each expected count is >= 500.
DRAWS = 10_000
#: Calls per case in the reproducibility run (on the first REPRODUCIBLE_CASES cases).
REPRODUCIBLE_DRAWS, REPRODUCIBLE_CASES = 100, 3

#: Library code that applies this very rule: calling it is not writing it.
FORBIDDEN = (("sl.verify", verify), ("speclab.verify.decide", decide),
             ("speclab.verify.count_accepted", count_accepted))

RNG_ADVICE = ("Take all randomness from `rng` (`rng.random()`, `rng.choice(...)`), not from `np.random`, "
              "the `random` module or a generator made inside your function; and keep no state between calls.")

#: (what the case is about, p, q), all tuples (nothing to change in place). Probabilities are exact
#: in binary where it matters (p == q).
CASES = (
    ("a target and a draft that disagree", (0.4, 0.3, 0.2, 0.1), (0.1, 0.2, 0.3, 0.4)),
    ("the target rules out a token the draft proposes (p(x) = 0)", (0.5, 0.3, 0.2, 0.0), (0.25, 0.25, 0.25, 0.25)),
    ("the draft puts most of its mass where the target has none", (0.7, 0.3, 0.0, 0.0, 0.0), (0.1, 0.1, 0.4, 0.2, 0.2)),
    ("the draft equals the target (p == q)", (0.125, 0.25, 0.5, 0.125), (0.125, 0.25, 0.5, 0.125)),
    ("a one-hot draft (it always proposes token 2)", (0.3, 0.2, 0.4, 0.1), (0.0, 0.0, 1.0, 0.0)),
    ("a one-hot target (greedy: it only ever wants token 1)", (0.0, 1.0, 0.0, 0.0), (0.25, 0.25, 0.25, 0.25)),
    ("the draft never proposes tokens the target likes", (0.25, 0.25, 0.25, 0.25), (0.5, 0.5, 0.0, 0.0)),
)

TASK = f"""\
Write the rule that makes speculative decoding lossless, at one position. The draft proposed
token `x`, drawn from its distribution `q`; the target's distribution is `p`.

- Accept `x` with probability `min(1, p(x) / q(x))`.
- Otherwise reject it and draw the token from the **residual** `norm(max(0, p - q))`.

Return `(accepted, token)`: `token` is `x` when accepted. Done right, the emitted token is
distributed exactly as `p`, whatever `q` is. The check draws {DRAWS:,} tokens in each of
{len(CASES)} cases (including `p(x) = 0`, `p == q` and a one-hot draft) and tests exactly that.
Take all randomness from `rng`, and write the rule yourself rather than call `sl.verify`."""

STUB = '''\
def accept_or_resample(p, q, x, rng):
    """Accept the draft token x (drawn from q) or replace it; return (accepted, token).

    p, q: 1-D numpy arrays, the target's and the draft's probabilities over the vocabulary.
    x: the draft's token id. rng: a numpy Generator; take all randomness from it.
    """
    raise NotImplementedError  # accept with probability min(1, p[x] / q[x]), else resample
'''

HINTS = (
    "Draw one uniform number `u = rng.random()`. The event `u < p[x] / q[x]` has probability "
    "`min(1, p(x)/q(x))`; `q[x] > 0` because `x` was drawn from `q`.",
    "After a rejection the token comes from the residual: the part of `p` the draft under-proposes. "
    "Compute `np.maximum(p - q, 0)` and divide it by its sum.",
    "Sample from a probability vector `r` with `rng.choice(len(r), p=r)`, and return plain values: "
    "`return False, int(token)`.",
)

SOLUTION_IMPORTS = "import numpy as np"


def accept_or_resample(p, q, x, rng):
    """Accept the draft token x (drawn from q) or replace it; return (accepted, token)."""
    # Step 1-2: accept x with probability min(1, p(x)/q(x)); q[x] > 0 since x ~ q.
    if rng.random() < p[x] / q[x]:
        return True, int(x)
    # Step 3: resample from the residual norm(max(0, p - q)), the mass the draft under-proposes.
    residual = np.maximum(p - q, 0.0)
    token = rng.choice(len(p), p=residual / residual.sum())
    return False, int(token)


def run_case(learner, index: int, title: str, p, q) -> None:
    """Draw DRAWS drafts x ~ q, apply the learner's rule, test acceptance and output."""
    p, q = np.array(p), np.array(q)
    drafts = draw(q, DRAWS, np.random.default_rng([1, index]))
    rng = np.random.default_rng([2, index])
    accepted = np.zeros(DRAWS, dtype=bool)
    tokens = np.zeros(DRAWS, dtype=np.int64)
    for i, x in enumerate(drafts.tolist()):
        accepted[i], tokens[i] = learner(p, q, x, rng)
        if accepted[i] and tokens[i] != x:
            raise WrongAnswer(title, learner.describe((p, q, x, rng)), f"token = {x} (the draft x) when accepted",
                              f"`(True, {tokens[i]})`")
    inputs = f"p = {vector(p)}, q = {vector(q)}, {DRAWS} drafts x ~ q"
    require_rate(int(accepted.sum()), DRAWS, acceptance_rate(p, q), title, inputs, "Σ min(p, q)",
                 "A correct rule accepts x with probability min(1, p(x)/q(x)); averaged over x ~ q "
                 "that is Σ min(p, q).")
    require_distribution(tokens, p, title, inputs, _residual_advice(tokens[~accepted], p, q))


def _residual_advice(rejected_tokens, p, q) -> str:
    if len(rejected_tokens) == 0:
        return ""
    return (f"After a rejection your tokens had frequencies {vector(frequencies(rejected_tokens, len(p)))}; "
            f"the residual norm(max(0, p − q)) is {vector(residual(p, q))}.")


def reproducibility_calls() -> list:
    """Argument tuples for a short run on the first cases, with a fresh rng of a fixed seed."""
    calls = []
    for i, (_, p, q) in enumerate(CASES[:REPRODUCIBLE_CASES]):
        p, q, rng = np.array(p), np.array(q), np.random.default_rng([5, i])
        calls += [(p, q, x, rng) for x in draw(q, REPRODUCIBLE_DRAWS, np.random.default_rng([6, i])).tolist()]
    return calls


def cases() -> list:
    return [Case("takes all its randomness from rng",
                 lambda learner: require_reproducible(learner, reproducibility_calls, RNG_ADVICE))] + [
        Case(title, lambda learner, i=i, title=title, p=p, q=q: run_case(learner, i, title, p, q))
        for i, (title, p, q) in enumerate(CASES)]


ex1 = Exercise(
    number=1, title="the acceptance rule", function_name="accept_or_resample",
    arg_names=("p", "q", "x", "rng"), task=TASK, stub=STUB, hints=HINTS,
    solution_function=accept_or_resample, solution_imports=SOLUTION_IMPORTS,
    validate=accepted_and_token, cases=cases, time_limit=20.0, forbidden=FORBIDDEN,
    praise="the emitted tokens follow p exactly and the acceptance rate is Σ min(p, q) in all "
           f"{len(CASES)} cases. This is the rule inside `sl.verify`.",
)
