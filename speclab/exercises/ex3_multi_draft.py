"""Exercise 3: multi-draft speculation, n i.i.d. candidates from q, output still exactly p.

The reference tries the candidates in turn, each against what the earlier rejections leave of
the target (p_1 = p, p_{i+1} = norm(max(0, p_i - q))): SpecInfer's multi-step speculative
sampling (Miao et al. 2024), which verifies every node of its token tree this way. The check
tests the output distribution against p, and that n > 1 candidates accept more often than one.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np

from ..theory import acceptance_rate
from ..verify import residual
from ._grading.exercise import Case, Exercise
from ._grading.formatting import vector
from ._grading.outcomes import WrongAnswer
from ._grading.returns import accepted_and_token
from ._grading.sampling import draw, frequencies, lower_limit, require_distribution
from ._grading.sandbox import require_reproducible

#: Draws per case; every possible output cell has probability >= 0.05, so >= 500 expected.
DRAWS = 10_000

#: (what the case is about, p, q, number of candidates n), all tuples: nothing to change in place.
CASES = (
    ("a target and a draft that disagree, 3 candidates", (0.4, 0.3, 0.2, 0.1), (0.1, 0.2, 0.3, 0.4), 3),
    ("a single candidate (n = 1) is exercise 1's rule", (0.4, 0.3, 0.2, 0.1), (0.1, 0.2, 0.3, 0.4), 1),
    ("the draft puts most of its mass where the target has none, 2 candidates",
     (0.7, 0.3, 0.0, 0.0, 0.0), (0.1, 0.1, 0.4, 0.2, 0.2), 2),
    ("the target rules out a token the draft proposes (p(x) = 0), 3 candidates",
     (0.5, 0.3, 0.2, 0.0), (0.25, 0.25, 0.25, 0.25), 3),
    ("the draft equals the target (p == q), 3 candidates", (0.125, 0.25, 0.5, 0.125), (0.125, 0.25, 0.5, 0.125), 3),
    ("a one-hot draft: 4 identical candidates", (0.3, 0.2, 0.4, 0.1), (0.0, 0.0, 1.0, 0.0), 4),
    ("a weak draft and 8 candidates", (0.05, 0.1, 0.15, 0.2, 0.5), (0.4, 0.3, 0.15, 0.1, 0.05), 8),
)

#: Below this gain over one candidate, more candidates cannot help much (e.g. identical ones).
MIN_GAIN = 0.05
#: Candidate sets per case in the reproducibility run (on the first REPRODUCIBLE_CASES cases).
REPRODUCIBLE_DRAWS, REPRODUCIBLE_CASES = 100, 3

RNG_ADVICE = ("Take all randomness from `rng` (`rng.random()`, `rng.choice(...)`), not from `np.random`, "
              "the `random` module or a generator made inside your function; and keep no state between calls.")


def _tree_functions() -> tuple:
    """speclab's token-tree verification, where the package has it: it answers this exercise."""
    try:
        trees = importlib.import_module("speclab.trees.verification")
    except ImportError:
        return ()
    return tuple((f"speclab.trees.{name}", value) for name, value in vars(trees).items()
                 if inspect.isfunction(value) and value.__module__ == trees.__name__ and not name.startswith("_"))


FORBIDDEN = _tree_functions()

TASK = f"""\
Instead of one draft token, the draft proposes `n` candidates `x_1, ..., x_n`, drawn i.i.d.
from `q` (for a tree of drafts, this happens at every node). Verify them so that

- the emitted token is still distributed **exactly** as `p`, and
- with `n > 1` candidates a token is accepted **more often** than with one.

Return `(accepted, token)`: `accepted` is True when `token` is one of the candidates, False when
all were rejected and the token was drawn from what is left of the target. The check draws
{DRAWS:,} candidate sets in each of {len(CASES)} cases and tests the output distribution and
the acceptance rate. Take all randomness from `rng`."""

STUB = '''\
def verify_multi(p, q, candidates, rng):
    """Verify n candidate tokens drawn i.i.d. from q; return (accepted, token), token ~ p.

    p, q: 1-D numpy arrays, target and draft probabilities. candidates: 1-D int array of n
    token ids. rng: a numpy Generator; take all randomness from it.
    """
    raise NotImplementedError  # try each candidate in turn against what is left of the target
'''

HINTS = (
    "Start from exercise 1: for the first candidate, accept with probability `min(1, p(x)/q(x))`. "
    "If it is rejected, the token must come from the residual `r = norm(max(0, p - q))`.",
    "The second candidate is another draw from `q`, so give it exercise 1's rule again, but with "
    "the residual `r` in the role of the target: accept with probability `min(1, r(x)/q(x))`.",
    "Keep a variable `target` (start: `p`). For each candidate: accept with probability "
    "`min(1, target[x] / q[x])`, else `target = sl.residual(target, q)`. If all are rejected, "
    "draw from `target`. Accepting the candidate with the largest `p/q` instead biases the output.",
)

SOLUTION_IMPORTS = "import numpy as np\nfrom speclab.verify import residual   # norm(max(0, p - q))"


def verify_multi(p, q, candidates, rng):
    """Try the candidates in turn, each against what earlier rejections left of the target."""
    target = p
    for x in candidates:
        # Exercise 1's rule, with `target` in the role of p: lossless for `target` given x ~ q.
        if rng.random() < target[x] / q[x]:
            return True, int(x)
        # Rejected: what remains to be emitted is distributed as the residual.
        target = residual(target, q)
    return False, int(rng.choice(len(p), p=target))


def reference_acceptance(p, q, n: int) -> float:
    """P(some candidate is accepted) under the recursive-residual scheme, exactly.

    Candidate i is accepted with probability sum(min(p_i, q)) whatever the earlier candidates were.
    """
    target, all_rejected = np.asarray(p, dtype=np.float64), 1.0
    for _ in range(n):
        all_rejected *= 1.0 - acceptance_rate(target, q)
        target = residual(target, q)
    return 1.0 - all_rejected


def acceptance_floor(p, q, n: int, draws: int = DRAWS) -> tuple:
    """(floor, why): the acceptance frequency below which the case fails.

    When more candidates help (gain >= MIN_GAIN), the floor is halfway between one candidate's
    rate and the reference's; tests check a correct answer clears it except with probability
    below FALSE_ALARM. Otherwise (n = 1, identical candidates, p == q) it is the lower limit
    for one candidate's rate: the answer must at least not accept less often than exercise 1.
    """
    single, best = acceptance_rate(p, q), reference_acceptance(p, q, n)
    if best - single >= MIN_GAIN:
        return (single + best) / 2, (f"more often than one candidate ({single:.3f}); trying the candidates "
                                     f"in turn against the updated residual accepts {best:.3f}")
    return lower_limit(single, draws), f"as often as one candidate does ({single:.3f})"


def run_case(learner, index: int, title: str, p, q, n: int) -> None:
    """Draw DRAWS candidate sets from q, verify each with the learner's function, test the output."""
    p, q = np.array(p), np.array(q)
    candidate_sets = draw(q, DRAWS * n, np.random.default_rng([3, index])).reshape(DRAWS, n)
    rng = np.random.default_rng([4, index])
    accepted = np.zeros(DRAWS, dtype=bool)
    tokens = np.zeros(DRAWS, dtype=np.int64)
    for i, candidates in enumerate(candidate_sets):
        accepted[i], tokens[i] = learner(p, q, candidates, rng)
        if accepted[i] and tokens[i] not in candidates:
            raise WrongAnswer(title, learner.describe((p, q, candidates, rng)),
                              "an accepted token is one of the candidates", f"`(True, {tokens[i]})`")
    inputs = f"p = {vector(p)}, q = {vector(q)}, {DRAWS} sets of {n} candidate{'s' if n > 1 else ''} ~ q"
    require_distribution(tokens, p, title, inputs, _leftover_advice(tokens[~accepted], p, q, n))
    floor, why = acceptance_floor(p, q, n)
    if accepted.mean() < floor:
        raise WrongAnswer(title, inputs, f"accepted {why}",
                          f"accepted {int(accepted.sum())} of {DRAWS} ({accepted.mean():.3f})",
                          "Use every candidate: after a rejection, try the next one.")


def leftover_target(p, q, n: int) -> np.ndarray:
    """What is left of the target after n rejections: p_{n+1} in the recursion above."""
    target = np.asarray(p, dtype=np.float64)
    for _ in range(n):
        target = residual(target, q)
    return target


def _leftover_advice(rejected_tokens, p, q, n: int) -> str:
    advice = ("Judge every candidate against what the earlier rejections left of the target, "
              "not against p itself." if n > 1 else "With one candidate this is exercise 1's rule.")
    if len(rejected_tokens) == 0:
        return advice
    return (f"{advice} When all candidates were rejected your tokens had frequencies "
            f"{vector(frequencies(rejected_tokens, len(p)))}; what is left of the target then is "
            f"{vector(leftover_target(p, q, n))}.")


def reproducibility_calls() -> list:
    """Argument tuples for a short run on the first cases, with a fresh rng of a fixed seed."""
    calls = []
    for i, (_, p, q, n) in enumerate(CASES[:REPRODUCIBLE_CASES]):
        p, q, rng = np.array(p), np.array(q), np.random.default_rng([7, i])
        sets = draw(q, REPRODUCIBLE_DRAWS * n, np.random.default_rng([8, i])).reshape(REPRODUCIBLE_DRAWS, n)
        calls += [(p, q, candidates, rng) for candidates in sets]
    return calls


def cases() -> list:
    return [Case("takes all its randomness from rng",
                 lambda learner: require_reproducible(learner, reproducibility_calls, RNG_ADVICE))] + [
        Case(title, lambda learner, i=i, title=title, p=p, q=q, n=n: run_case(learner, i, title, p, q, n))
        for i, (title, p, q, n) in enumerate(CASES)]


PRAISE = f"""\
the output follows p exactly in all {len(CASES)} cases, and extra candidates raise the acceptance \
rate. This is SpecInfer's multi-step speculative sampling (Miao et al. 2024), which verifies every \
node of its token tree this way. (Medusa, Cai et al. 2024, also verifies a tree, but its heads \
propose their top-k tokens, and when sampling it uses typical acceptance, which does not keep the \
output distributed as p.) Candidates drawn with replacement can repeat, and a repeat adds nothing: \
a candidate is only rejected where what is left of the target is below q, and there the new \
residual is 0, so the same token is rejected again (the one-hot case: four candidates, no gain). Drawing the candidates without \
replacement does better (recursive speculative decoding, Jeon et al. 2024), and SpecTr (Sun et al. \
2023) chooses among them by optimal transport, within a factor 1 - 1/e of the best acceptance possible."""


ex3 = Exercise(
    number=3, title="multi-draft speculation", function_name="verify_multi",
    arg_names=("p", "q", "candidates", "rng"), task=TASK, stub=STUB, hints=HINTS,
    solution_function=verify_multi, solution_imports=SOLUTION_IMPORTS,
    validate=accepted_and_token, cases=cases, time_limit=30.0, forbidden=FORBIDDEN, praise=PRAISE,
)
