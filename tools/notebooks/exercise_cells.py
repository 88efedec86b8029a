"""One exercise's cells, the same in the lesson it closes and in the capstone (notebook 11).

Task texts and stubs come from `speclab.exercises`, so every notebook and the checker never drift;
`with_exercise` appends an exercise to a lesson, before its closing "Next:" line.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from speclab.exercises.ex2_adaptive_k import STRETCH  # noqa: E402
from tools.nbtools import code, md  # noqa: E402

#: Which lesson each exercise closes (its number -> the notebook's two-digit prefix).
LESSON = {1: "02", 4: "03", 2: "04", 5: "06", 3: "09"}

MOTIVATION = {
    1: """
Speculative decoding changes nothing about the output: every token is distributed exactly as the
target would have sampled it. That guarantee rests on a few lines: accept the draft token with
probability $\\min(1, p(x)/q(x))$, otherwise resample from the residual. Write them yourself, and
let the check try them on awkward cases: a target that rules a token out, a draft equal to the
target, a draft that always proposes the same token.
""",
    2: f"""
The best fixed $K$ assumes one $\\alpha$. In a real conversation $\\alpha$ moves: boilerplate is
easy to draft, a tricky argument is not. A policy that watches how each round went can draft
further when the draft is on a roll and pull back when it is not. The check grades your rule on
the text below: stretches of {STRETCH} tokens the draft finds easy, then {STRETCH} it finds hard.
Each kind of stretch wants a very different $K$, so any single $K$ is a compromise; the check
computes the best one exactly and asks your rule to beat it.
""",
    3: """
A single draft token is accepted with probability $\\alpha$. If the draft proposes several
candidates for the same position, as in the token trees of SpecInfer (Miao et al. 2024), the
target has more chances to find one it likes, but only if they are verified carefully: the
obvious ideas (pick the candidate the target likes most; check each one against $p$) bias the
output. The rule you will write, each candidate judged against what the earlier rejections left
of the target, is SpecInfer's multi-step speculative sampling. Medusa (Cai et al. 2024) also
verifies a tree, but its heads propose their top-$k$ tokens rather than samples, and when
sampling it accepts by *typical acceptance*, a threshold that does not keep the output
distributed as $p$. Your candidates are drawn with replacement, so they can repeat, and the
check's one-hot case shows that a repeat adds nothing; drawing without replacement does better
(the message on success says why, and where to read more).
""",
    4: """
A draft step is cheap but not free, and neither, always, is verification. Below some acceptance
rate the drafts and the longer target pass cost more than they save, and speculation makes
decoding *slower*. The break-even $\\alpha$ of the speedup formula assumes the target scores
$K+1$ tokens for the price of one, which holds while decoding is memory-bound; notebook 06 shows
when it stops holding (large batches). Here each of the $K$ extra tokens adds `verify_growth`
target steps to the verifying pass, and you will find the threshold yourself.
""",
    5: """
Verification is cheap because one decoding step streams every weight once, and scoring $K+1$
tokens hides inside that time, until the batch is so large that the arithmetic dominates. Past
that point every drafted token costs real compute, and beyond some batch size speculation makes
decoding slower. Derive that batch from the roofline and the speedup formula of notebook 03; the
check compares it with `speclab.roofline.breakeven_batch` on eight cases (an H100 in fp16 and
int4, an A100, an L4).
""",
}

#: A picture between the motivation and the task, where one helps.
FIGURES = {
    2: "from speclab.exercises.ex2_adaptive_k import plot_text\n\nfig = plot_text()",
}

HOW_IT_WORKS = """
Fill in the function (replace `raise NotImplementedError`), run its cell, then run the check
cell: it says *Correct*, or shows the first case that failed, with its inputs, what was expected
and what came back. Stuck? Uncomment `{name}.hint()` (then `hint(2)`, `hint(3)`), and
`{name}.solution()` to compare with a reference answer. The check is seeded, so the same function
always gets the same verdict.
"""


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


def with_exercise(cells: list, exercise) -> list:
    """The lesson's cells with its exercise appended, before the last cell's "Next:" paragraph."""
    cells = list(cells)
    last = cells[-1]
    body, _, following = last.source.rpartition("\nNext:")
    closing = []
    if last.cell_type == "markdown" and body:
        cells[-1] = md(body)
        closing = [md("Next:" + following)]
    intro = md(f"## Your turn\n{HOW_IT_WORKS.format(name=exercise.name)}\n"
               "The same exercise waits in notebook 11, with the course's other four.")
    imports = code(f"import numpy as np\nfrom speclab.exercises import {exercise.name}")
    return cells + [intro, imports] + exercise_cells(exercise) + closing
