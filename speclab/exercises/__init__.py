"""Graded exercises, learntools-style: `ex1.check(fn)`, `ex1.hint(n)`, `ex1.solution()`.

    from speclab.exercises import ex1, ex2, ex3, ex4, ex5
    ex1            # shows the task
    ex1.stub       # the function to start from (its source)
    ex1.check(accept_or_resample)

The five exercises close the course (notebook 10), in course order; exercise 5 is notebook 06's
break-even batch size. `ex6` is its old name, kept so old notebooks still import.
Checks are seeded and deterministic, run the learner's code isolated (a child process on Linux)
under a time limit, and turn every failure (wrong answer, exception, endless loop, bad type,
changed input, a call to the function the exercise asks for, randomness that ignores `rng`,
the check's own values changed before or during it) into short feedback.
"""

from .ex1_acceptance_rule import ex1
from .ex2_adaptive_k import ex2
from .ex3_multi_draft import ex3
from .ex4_breakeven import ex4
from .ex5_breakeven_batch import ex5

ex6 = ex5   # its name before the exercises were numbered in course order
from ._grading.exercise import Case, Exercise
from ._grading.feedback import Feedback
from ._grading.snapshot import take_snapshot

take_snapshot()   # speclab's grading values as imported; a check restores and verifies them (snapshot.py)

__all__ = ["Case", "Exercise", "Feedback", "ex1", "ex2", "ex3", "ex4", "ex5", "ex6"]
