"""Build notebooks/11_exercises.ipynb, the capstone: the five graded exercises again, the takeaways, further reading.

Each exercise also closes its lesson (tools/notebooks/exercise_cells.py); both use the same cells.
The stored outputs show the untouched state ("Not attempted yet"), which nbval compares.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from speclab.exercises import ex1, ex2, ex3, ex4, ex5  # noqa: E402
from tools.nbtools import build, code, header_cells, md  # noqa: E402
from tools.notebooks.closing import closing_cells  # noqa: E402
from tools.notebooks.exercise_cells import exercise_cells  # noqa: E402

FILENAME = "11_exercises.ipynb"

BLURB = """
The course's five exercises together, each also at the end of the lesson it belongs to: the
acceptance rule (notebook 02), break-even with verification growth (03), adaptive K (04), the
break-even batch (06) and verification of several candidate drafts at once (09). Each one gives
you a function to write and a check cell that grades it honestly: the acceptance rule is run
thousands of times and its output distribution tested, the policy is raced against every fixed K
on a text whose difficulty changes, the break-even compared with the exact value. The key
takeaways of the whole course and further reading close this notebook.

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

CELLS = header_cells(FILENAME, "11 · Exercises: write the rule, adapt K, verify many drafts, break even, find the batch", BLURB) + [
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
