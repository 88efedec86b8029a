"""Build notebooks/09_exercises.ipynb: four graded exercises, each a stub, a check, hints, a solution.

Task texts and stubs come from `speclab.exercises`, so the notebook and the checker never drift.
The stored outputs show the untouched state ("Not attempted yet"), which nbval compares.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from speclab.exercises import ex1, ex2, ex3, ex4  # noqa: E402
from tools.nbtools import build, code, header_cells, md  # noqa: E402

FILENAME = "09_exercises.ipynb"

BLURB = """
Four exercises that put the course to work: the acceptance rule itself, a policy that adapts the
number of drafts, verification of several candidate drafts at once, and the break-even
acceptance rate. Each one gives you a function to write and a check cell that grades it
honestly: the acceptance rule is run thousands of times and its output distribution tested, the
policy is raced in the simulator, the break-even compared with the exact value.

**How it works.** Fill in the function (replace `raise NotImplementedError`), run its cell,
then run the check cell. The check says *Correct*, or shows the first case that failed: its
inputs, what was expected and what came back. Stuck? Uncomment `exN.hint()` (then `hint(2)`,
`hint(3)` for more), and `exN.solution()` when you want to compare with a reference answer.
Checks are seeded, so the same function always gets the same verdict.
"""

MOTIVATION = {
    1: """
Notebook 02 showed that speculative decoding changes nothing about the output: every token is
distributed exactly as the target would have sampled it. That guarantee rests on a few lines:
accept the draft token with probability $\\min(1, p(x)/q(x))$, otherwise resample from the
residual. Write them yourself, and let the check try them on awkward cases: a target that rules
a token out, a draft equal to the target, a draft that always proposes the same token.
""",
    2: """
Notebook 03 found the best fixed $K$ for a known $\\alpha$. In a real conversation $\\alpha$ moves:
boilerplate is easy to draft, a tricky argument is not. A policy that watches how each round
went can draft further when the draft is on a roll and pull back when it is not.
""",
    3: """
A single draft token is accepted with probability $\\alpha$. If the draft proposes several
candidates for the same position (tree drafting, as in SpecInfer and Medusa), the target has
more chances to find one it likes, but only if they are verified carefully: the obvious ideas
(pick the candidate the target likes most; check each one against $p$) bias the output.
""",
    4: """
A draft step is cheap but not free. Below some acceptance rate the drafts cost more than they
save and speculation makes decoding *slower*. Knowing that threshold tells you, before any
benchmark, whether a draft model can possibly pay off at a given cost ratio.
""",
}


def exercise_cells(exercise) -> list:
    """Motivation and task, the stub to fill, the check, and commented-out help."""
    return [
        md(f"## Exercise {exercise.number}: {exercise.title}\n{MOTIVATION[exercise.number]}\n"
           f"**Your task.** {exercise.task}"),
        code(exercise.stub),
        code(f"{exercise.name}.check({exercise.function_name})"),
        code(f"# {exercise.name}.hint()\n# {exercise.name}.hint(2)\n# {exercise.name}.solution()"),
    ]


CELLS = header_cells(FILENAME, "06 · Exercises: write the rule, adapt K, verify many drafts, break even", BLURB) + [
    code("import numpy as np\nfrom speclab.exercises import ex1, ex2, ex3, ex4"),
]
for _exercise in (ex1, ex2, ex3, ex4):
    CELLS += exercise_cells(_exercise)
CELLS.append(md("""
## Where next

All four answers live in the package, tested: `sl.verify` is exercise 1's rule applied to a
whole round, `sl.AdaptiveK` is a policy like exercise 2's, and `sl.breakeven_alpha` solves
exercise 4 exactly. The real-model notebook uses the same rule on a real draft and target.
"""))


if __name__ == "__main__":
    print(build(FILENAME, CELLS))
