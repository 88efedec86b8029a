"""A graded exercise in the shape of Kaggle's learntools: check(fn), hint(n), solution().

An exercise owns its task text, the stub the learner starts from, progressive hints, a
reference solution (a real, tested function whose source `solution()` shows), the library
functions that would answer it for the learner, and a list of cases. `check` runs the cases in
order against the learner's function, isolated and under a time limit per case (isolation.py),
with speclab's own grading values and the tripwires in place (guards.py), and shows the first
failure; it never raises into the learner's notebook.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from . import guards
from .feedback import CORRECT, HINT, NOT_CHECKED, SOLUTION, Feedback, show
from .isolation import run_check, with_note
from .outcomes import CheckerBroke, CheckStop
from .sandbox import LearnerFunction, as_time_limit, refuse_solution, require_function

#: Every exercise's reference solution, registered as it is made: no check may call any of them.
_SOLUTIONS: list = []


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
    forbidden: tuple = ()     # (label, function): library code that answers the exercise

    def __post_init__(self):
        _SOLUTIONS.append((f"{self.name}.solution_function", self.solution_function))

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
        """The verdict on `fn` as a Feedback, without showing it. `time_limit`: seconds per case."""
        if fn is None:
            return Feedback(NOT_CHECKED, f"pass your function: `{self.name}.check({self.function_name})`.")
        try:
            limit = as_time_limit(time_limit, self.time_limit)
        except CheckStop as stop:
            return stop.feedback()
        return run_check(lambda progress: self._grade_guarded(fn, progress), limit)

    def _grade_guarded(self, fn, progress) -> Feedback:
        """Grade with speclab's own values restored and the tripwires armed (undone afterwards)."""
        guards.learner.forbidden_calls.clear()
        try:
            refuse_solution(fn, self.solution_function, self.name)   # before its code is swapped
        except CheckStop as stop:
            return stop.feedback()
        try:
            with guards.originals_restored() as changed, guards.tripwires(self.forbidden + tuple(_SOLUTIONS)):
                feedback = self._run_cases(fn, progress)
        finally:
            guards.learner.forbidden_calls.clear()    # nothing lingers where the check ran in-process
        return with_note(feedback, guards.describe_changes(changed))

    def _run_cases(self, fn, progress) -> Feedback:
        try:
            require_function(fn, self.function_name, self.arg_names)
            learner = LearnerFunction(fn, self.function_name, self.arg_names, self.validate)
            notes = []
            for case in self.cases():
                progress(case.name)
                notes.append(case.run(learner))
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
