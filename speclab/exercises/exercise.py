"""A graded exercise in the shape of Kaggle's learntools: check(fn), hint(n), solution().

An exercise owns its task text, the stub the learner starts from, progressive hints, a
reference solution (a real, tested function whose source `solution()` shows) and a list of
cases. `check` runs the cases in order against the learner's function, each under a time
limit, and shows the first failure; it never raises into the learner's notebook.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from .feedback import CORRECT, HINT, INCORRECT, SOLUTION, Feedback, show
from .outcomes import CheckerBroke, CheckStop
from .sandbox import LearnerFunction, require_function, run_with_time_limit


@dataclass(frozen=True)
class Case:
    """One graded situation: a name the learner can read and `run(learner)`.

    `run` raises a CheckStop (usually WrongAnswer) on failure; it may return a short markdown
    note that is added to the final "Correct" message (e.g. measured speedups).
    """

    name: str
    run: Callable


@dataclass(frozen=True, repr=False)
class Exercise:
    """One exercise: task, stub, hints, solution and the cases its check runs."""

    number: int
    title: str
    function_name: str
    arg_names: tuple
    task: str                 # markdown: what to write and why
    stub: str                 # source of the function the learner starts from
    hints: tuple              # markdown, from gentle to nearly the answer
    solution_function: Callable
    solution_imports: str     # import lines the solution needs, shown above its source
    validate: Callable        # return-value validator, see returns.py
    cases: Callable           # () -> list of Case, built lazily (some cases simulate)
    praise: str               # markdown shown on success
    time_limit: float = 10.0  # seconds per case

    @property
    def name(self) -> str:
        return f"ex{self.number}"

    # ------------------------------------------------------------------ learner-facing
    def check(self, fn=None, time_limit: float | None = None) -> bool:
        """Grade `fn`, show the verdict, return True when it passed. Never raises."""
        feedback = self.grade(fn, time_limit)
        show(feedback)
        return feedback.passed

    def hint(self, n: int = 1) -> None:
        """Show hint number n (1 is the gentlest)."""
        show(self.hint_feedback(n))

    def solution(self) -> None:
        """Show the reference solution's code."""
        show(Feedback(SOLUTION, f"\n\n```python\n{self.solution_source()}```"))

    # ------------------------------------------------------------------ the machinery
    def grade(self, fn, time_limit: float | None = None) -> Feedback:
        """The verdict on `fn` as a Feedback, without showing it."""
        if fn is None:
            return Feedback(INCORRECT, f"pass your function: `{self.name}.check({self.function_name})`.")
        limit = self.time_limit if time_limit is None else float(time_limit)
        try:
            require_function(fn, self.function_name, self.arg_names)
            learner = LearnerFunction(fn, self.function_name, self.arg_names, self.validate)
            notes = [run_with_time_limit(lambda case=case: case.run(learner), limit, case.name)
                     for case in self.cases()]
        except CheckStop as stop:
            return stop.feedback()
        except Exception as error:  # a bug in the checker, never the learner's fault
            return CheckerBroke(error).feedback()
        notes = "\n".join(note for note in notes if note)
        return Feedback(CORRECT, f"{self.praise}\n\n{notes}" if notes else self.praise)

    def hint_feedback(self, n: int) -> Feedback:
        count = len(self.hints)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= count:
            return Feedback(HINT, f"there are {count} hints: `{self.name}.hint(1)` to `{self.name}.hint({count})`.")
        more = f" More: `{self.name}.hint({n + 1})`." if n < count else ""
        return Feedback(HINT, f"({n}/{count}) {self.hints[n - 1]}{more}")

    def solution_source(self) -> str:
        return self.solution_imports + "\n\n" + inspect.getsource(self.solution_function)

    def stub_function(self) -> Callable:
        """The untouched stub as a function (what the notebook starts from)."""
        namespace: dict = {}
        exec(compile(self.stub, f"<{self.name} stub>", "exec"), namespace)
        return namespace[self.function_name]

    def _repr_markdown_(self) -> str:
        return f"### Exercise {self.number}: {self.title}\n\n{self.task}"

    def __repr__(self) -> str:
        return f"Exercise {self.number}: {self.title}\n\n{self.task}"
