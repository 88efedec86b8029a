"""Build notebooks/10_exercises.ipynb: four graded exercises, each a stub, a check, hints, a solution.

Task texts and stubs come from `speclab.exercises`, so the notebook and the checker never drift.
The stored outputs show the untouched state ("Not attempted yet"), which nbval compares.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from speclab.exercises import ex1, ex2, ex3, ex4, ex5  # noqa: E402
from speclab.exercises.ex2_adaptive_k import STRETCH  # noqa: E402
from tools.nbtools import build, code, header_cells, md  # noqa: E402
from tools.notebooks.closing import closing_cells  # noqa: E402

FILENAME = "10_exercises.ipynb"

BLURB = """
Five exercises that put the course to work, in course order: the acceptance rule itself, a policy
that adapts the number of drafts, verification of several candidate drafts at once, the break-even
acceptance rate when verification is not free, and the batch size beyond which speculation stops
paying. Each one gives you a function to write and a
check cell that grades it honestly: the acceptance rule is run thousands of times and its output
distribution tested, the policy is raced against every fixed K on a text whose difficulty
changes, the break-even compared with the exact value.

**How it works.** Fill in the function (replace `raise NotImplementedError`), run its cell,
then run the check cell. The check says *Correct*, or shows the first case that failed: its
inputs, what was expected and what came back. Stuck? Uncomment `exN.hint()` (then `hint(2)`,
`hint(3)` for more), and `exN.solution()` when you want to compare with a reference answer.
Checks are seeded, so the same function always gets the same verdict.

**What the checks guard against.** Your function runs in a separate process with a time limit
per case (`exN.check(f, time_limit=60)` to give it longer), so an endless loop or a crash cannot
hang the notebook, and what it prints is counted, not shown. Write each answer yourself: a check
notices a call to the library function that answers the exercise (e.g. `sl.breakeven_alpha` in
exercise 4) or to a reference solution, randomness that does not come from the `rng` you are
given, and grading values changed from the notebook.
"""

MOTIVATION = {
    1: """
Notebook 02 showed that speculative decoding changes nothing about the output: every token is
distributed exactly as the target would have sampled it. That guarantee rests on a few lines:
accept the draft token with probability $\\min(1, p(x)/q(x))$, otherwise resample from the
residual. Write them yourself, and let the check try them on awkward cases: a target that rules
a token out, a draft equal to the target, a draft that always proposes the same token.
""",
    2: f"""
Notebook 03 found the best fixed $K$ for a known $\\alpha$. In a real conversation $\\alpha$ moves:
boilerplate is easy to draft, a tricky argument is not. A policy that watches how each round
went can draft further when the draft is on a roll and pull back when it is not. The check
grades your rule on the text below: stretches of {STRETCH} tokens the draft finds easy, then
{STRETCH} it finds hard. Each kind of stretch wants a very different $K$, so any single $K$ is a compromise; the
check computes the best one exactly and asks your rule to beat it.
""",
    3: """
A single draft token is accepted with probability $\\alpha$. If the draft proposes several
candidates for the same position, as in the token trees of SpecInfer (Miao et al. 2024), the
target has more chances to find one it likes, but only if they are verified carefully: the
obvious ideas (pick the candidate the target likes most; check each one against $p$) bias the
output. The rule you will write, each candidate judged against what the earlier rejections left
of the target, is SpecInfer's multi-step speculative sampling. Medusa (Cai et al. 2024) also
verifies a tree, but its heads propose their top-$k$ tokens rather than samples, and when
sampling it accepts by *typical acceptance*, a threshold that is faster but does not keep the
output distributed as $p$. Your candidates are drawn with replacement, so they can repeat, and
the check's one-hot case shows that a repeat adds nothing; drawing without replacement does
better (the message on success says why, and where to read more).
""",
    4: """
A draft step is cheap but not free, and neither, always, is verification. Below some acceptance
rate the drafts and the longer target pass cost more than they save, and speculation makes
decoding *slower*. Notebook 03 found that threshold assuming the target scores $K+1$ tokens for
the price of one, which holds while decoding is memory-bound; notebook 06 shows when it stops
holding (large batches). Here each of the $K$ extra tokens adds `verify_growth` target steps to
the verifying pass, and you will find the threshold yourself.
""",
    5: """
Notebook 06 showed why verification is cheap: one decoding step streams every weight once, and
scoring $K+1$ tokens hides inside that time, until the batch is so large that the arithmetic
dominates. Past that point every drafted token costs real compute, and beyond some batch size
speculation makes decoding slower. Derive that batch from the roofline and notebook 03's speedup;
the check compares it with `speclab.roofline.breakeven_batch` on eight cases (an H100 in fp16 and
int4, an A100, an L4).
""",
}


#: A picture between the motivation and the task, where one helps.
FIGURES = {
    2: "from speclab.exercises.ex2_adaptive_k import plot_text\n\nfig = plot_text()",
}


def exercise_cells(exercise) -> list:
    """Motivation (and figure), task, the stub to fill, the check, and commented-out help."""
    motivation = md(f"## Exercise {exercise.number}: {exercise.title}\n{MOTIVATION[exercise.number]}")
    figure = [code(FIGURES[exercise.number])] if exercise.number in FIGURES else []
    return [
        motivation, *figure,
        md(f"**Your task.** {exercise.task}"),
        code(exercise.stub),
        code(f"passed = {exercise.name}.check({exercise.function_name})   # True or False, besides the feedback"),
        code(f"# {exercise.name}.hint()\n# {exercise.name}.hint(2)\n# {exercise.name}.solution()"),
    ]


CELLS = header_cells(FILENAME, "10 · Exercises: write the rule, adapt K, verify many drafts, break even, find the batch", BLURB) + [
    code("import numpy as np\nfrom speclab.exercises import ex1, ex2, ex3, ex4, ex5"),
]
for _exercise in (ex1, ex2, ex3, ex4, ex5):
    CELLS += exercise_cells(_exercise)
CELLS.append(md("""
## Where next

All five answers live in the package, tested: `sl.verify` is exercise 1's rule applied to a
whole round, `sl.AdaptiveK` is a policy like exercise 2's, and
`sl.breakeven_alpha(c, k, verify_growth)` solves exercise 4 exactly, and
`speclab.roofline.breakeven_batch` exercise 5. The real-model notebook
uses the same rule on a real draft and target.
"""))
CELLS += closing_cells()


if __name__ == "__main__":
    print(build(FILENAME, CELLS))
