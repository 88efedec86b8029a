"""A graded exercise in the shape of Kaggle's learntools: check(fn), hint(n), solution().

An exercise owns its task text, the stub the learner starts from, progressive hints, a
reference solution (a real, tested function whose source `solution()` shows), the library
functions that would answer it for the learner, and a list of cases. `check` runs the cases in
order against the learner's function, isolated and under a time limit per case (isolation.py),
with speclab's own grading values and the tripwires in place (snapshot.py, guards.py), and shows
the first failure; it never raises into the learner's notebook. After every case it verifies that
nothing the check relies on was changed meanwhile, and refuses to pass a function that did.

The check grades with the exercise's fields as built (a closure keeps them), and binds its guards
as default arguments: neither `object.__setattr__` on an exercise nor rebinding a module global
reaches them.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from dataclasses import dataclass
from typing import Callable

from . import guards, snapshot
from .feedback import CORRECT, HINT, NOT_CHECKED, SOLUTION, Feedback, show
from .isolation import run_check, with_note
from .outcomes import ChangedTheChecker, CheckerBroke, CheckStop
from .returns import is_int
from .sandbox import LearnerFunction, as_time_limit, refuse_solution, require_function


def _registry():
    """Each exercise's fields as built, and every reference solution, kept in a closure."""
    fields_by_id: dict = {}
    solutions: list = []

    def record(exercise) -> None:
        fields_by_id[id(exercise)] = types.MappingProxyType(
            {field.name: getattr(exercise, field.name) for field in dataclasses.fields(exercise)})
        solutions.append((f"ex{exercise.number}.solution_function", exercise.solution_function))

    return record, fields_by_id.__getitem__, lambda: tuple(solutions)


#: `_record(exercise)` as it is made; `_fields(id)` its fields; `_solutions()` what no check may call.
_record, _fields, _solutions = _registry()


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
        _record(self)

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
        spec = _fields(id(self))
        if fn is None:
            return Feedback(NOT_CHECKED, f"pass your function: `{self.name}.check({spec['function_name']})`.")
        try:
            limit = as_time_limit(time_limit, spec["time_limit"])
        except CheckStop as stop:
            return stop.feedback()
        return run_check(lambda progress: _grade_guarded(self, spec, fn, progress), limit)

    def hint_feedback(self, n: int) -> Feedback:
        count = len(self.hints)
        if not is_int(n) or not 1 <= n <= count:
            return Feedback(HINT, f"there are {count} hints: `{self.name}.hint(1)` to `{self.name}.hint({count})`.")
        n = int(n)
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


# ----------------------------------------------------------------------------- the check itself

def _grade_guarded(exercise, spec, fn, progress, *, restored=snapshot.originals_restored,
                   changes=snapshot.changes, tripwires=guards.tripwires, state=guards.learner) -> Feedback:
    """Grade with speclab's own values restored and the tripwires armed (undone afterwards)."""
    state.forbidden_calls.clear()
    try:
        refuse_solution(fn, spec["solution_function"], exercise.name)   # before its code is swapped
    except CheckStop as stop:
        return stop.feedback()
    altered = [f"{exercise.name}.{name}" for name, value in spec.items() if getattr(exercise, name, None) is not value]
    try:
        with restored() as changed, tripwires(spec["forbidden"] + _solutions()) as armed:
            feedback = _run_cases(spec, fn, progress, lambda: changes(armed.codes, put_back=True) + armed.changes())
    finally:
        state.forbidden_calls.clear()    # nothing lingers where the check ran in-process
    return with_note(feedback, snapshot.describe_changes(altered + changed))


def _run_cases(spec, fn, progress, tampered) -> Feedback:
    """Run the cases in order; after each, refuse the verdict if the check's own values changed.

    `tampered()` names what changed and puts it back, so the verdict is built by speclab's own code.
    """
    setup = _attempt(lambda: _prepare(spec, fn))
    if isinstance(setup, Feedback):
        return _verified(setup, tampered())
    learner, plan, watched = setup
    notes = []
    for name, run in plan:
        progress(name)
        outcome = _attempt(lambda: run(learner))
        changed = tampered() + watched()
        if isinstance(outcome, Feedback) or changed:
            return _verified(outcome, changed)
        notes.append(outcome)
    notes = "\n".join(note for note in notes if note)
    return Feedback(CORRECT, f"{spec['praise']}\n\n{notes}" if notes else spec["praise"])


def _prepare(spec, fn) -> tuple:
    """The learner's function wrapped, the cases as a tuple, and a watch on the cases' own code."""
    require_function(fn, spec["function_name"], spec["arg_names"])
    learner = LearnerFunction(fn, spec["function_name"], spec["arg_names"], spec["validate"])
    plan = tuple((case.name, case.run) for case in spec["cases"]())
    return learner, plan, snapshot.watch([run for _, run in plan] + [spec["validate"]])


def _attempt(action):
    """What `action()` returned, or the Feedback of the CheckStop (or checker failure) it raised."""
    try:
        return action()
    except CheckStop as stop:
        return stop.feedback()
    except Exception as error:  # a bug in the checker, never the learner's fault
        return CheckerBroke(error).feedback()


def _verified(outcome, changed) -> Feedback:
    """`outcome`, unless the learner's code changed the check's own values: then that is the verdict."""
    return ChangedTheChecker(changed).feedback() if changed else outcome
