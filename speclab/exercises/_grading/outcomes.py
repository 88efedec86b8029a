"""Everything that can end a check early, each turned into the one feedback message it deserves.

A check raises one of these from deep inside a case; `Exercise.check` catches the family and
shows `.feedback()`, so the learner never sees a traceback.
"""

from __future__ import annotations

from .feedback import INCORRECT, NOT_ATTEMPTED, NOT_CHECKED, Feedback
from .formatting import safe_text


class CheckStop(Exception):
    """Base: the check is decided; `feedback()` says how."""

    def feedback(self) -> Feedback:
        raise NotImplementedError


class NotAttempted(CheckStop):
    """The learner's function still raises NotImplementedError (the untouched stub)."""

    def __init__(self, function_name: str):
        super().__init__(function_name)
        self.function_name = function_name

    def feedback(self) -> Feedback:
        return Feedback(NOT_ATTEMPTED, f"`{self.function_name}` still raises `NotImplementedError`. "
                        "Replace that line with your code, run the cell, then check again.")


class NotAFunction(CheckStop):
    """check() was given something that is not a function with the expected parameters."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def feedback(self) -> Feedback:
        return Feedback(INCORRECT, self.message)


class LearnerRaised(CheckStop):
    """The learner's function raised an exception on some input."""

    def __init__(self, error: BaseException, call: str):
        super().__init__(call)
        self.shown, self.call = safe_text(error), call   # formatted now: the error may misbehave later

    def feedback(self) -> Feedback:
        return Feedback(INCORRECT, f"your function raised `{self.shown}` on {self.call}.")


class BadReturn(CheckStop):
    """The learner's function returned a value of the wrong type, range or shape."""

    def __init__(self, problem: str, call: str):
        super().__init__(problem)
        self.problem, self.call = problem, call

    def feedback(self) -> Feedback:
        return Feedback(INCORRECT, f"{self.call} returned {self.problem}")


class InputMutated(CheckStop):
    """The learner's function changed an argument in place."""

    def __init__(self, argument: str, call: str):
        super().__init__(argument)
        self.argument, self.call = argument, call

    def feedback(self) -> Feedback:
        return Feedback(INCORRECT, f"your function changed its input `{self.argument}` in place on {self.call}. "
                        f"Work on a copy (e.g. `{self.argument} = {self.argument}.copy()`) or build new arrays.")


class TimedOut(CheckStop):
    """A case did not finish within the time limit (an endless loop, or far too slow)."""

    def __init__(self, seconds: float, case: str):
        super().__init__(seconds)
        self.seconds, self.case = seconds, case

    def feedback(self) -> Feedback:
        return Feedback(INCORRECT, f"timed out after {self.seconds:g} s on case: {self.case}. The check stopped "
                        "your code. Is there a loop that never ends? (If it is only slow, give it longer: "
                        "`check(your_function, time_limit=60)`.)")


class WrongAnswer(CheckStop):
    """A case ran but its result is wrong: what went in, what was expected, what came back."""

    def __init__(self, case: str, inputs: str, expected: str, got: str, advice: str = ""):
        super().__init__(case)
        self.case, self.inputs, self.expected, self.got, self.advice = case, inputs, expected, got, advice

    def feedback(self) -> Feedback:
        lines = [f"case: {self.case}", "", f"- inputs: {self.inputs}", f"- expected: {self.expected}",
                 f"- got: {self.got}"]
        if self.advice:
            lines += ["", self.advice]
        return Feedback(INCORRECT, "\n".join(lines))


class CalledTheAnswer(CheckStop):
    """The learner's function called a function that computes what the exercise asks for."""

    def __init__(self, names, call: str):
        super().__init__(names)
        self.names, self.call = list(dict.fromkeys(names)), call

    def feedback(self) -> Feedback:
        names = " and ".join(f"`{name}`" for name in self.names)
        return Feedback(INCORRECT, f"your function called {names} on {self.call}. That computes what this "
                        "exercise asks you to write: write it yourself (calling the other `sl` functions "
                        "the task mentions is fine).")


class SolutionSubmitted(CheckStop):
    """check() was handed the exercise's own reference solution."""

    def __init__(self, exercise: str):
        super().__init__(exercise)
        self.exercise = exercise

    def feedback(self) -> Feedback:
        return Feedback(INCORRECT, f"that is the exercise's own reference solution (`{self.exercise}.solution_function`). "
                        f"Check your own function; `{self.exercise}.solution()` shows the reference to compare with.")


class NotReproducible(CheckStop):
    """Two runs with the same inputs (and the same rng) disagreed: hidden randomness or state."""

    def __init__(self, call: str, first: str, second: str, advice: str):
        super().__init__(call)
        self.call, self.first, self.second, self.advice = call, first, second, advice

    def feedback(self) -> Feedback:
        return Feedback(INCORRECT, "case: the same inputs give the same answer\n\n"
                        f"- inputs: {self.call}, run twice with numpy's and Python's global random state "
                        "seeded differently\n"
                        f"- got: {self.first} the first time, {self.second} the second\n\n{self.advice}")


class ProcessEnded(CheckStop):
    """The process running the check ended without a verdict (os._exit, a crash, out of memory)."""

    def __init__(self, how: str):
        super().__init__(how)
        self.how = how

    def feedback(self) -> Feedback:
        return Feedback(INCORRECT, f"the check stopped before its verdict: {self.how}. Does your code end the "
                        "process (`os._exit`, `sys.exit` in a thread), crash in C code, or use up the memory?")


class Interrupted(CheckStop):
    """The learner interrupted the kernel while a check was running."""

    def feedback(self) -> Feedback:
        return Feedback(NOT_CHECKED, "the check was interrupted before its verdict; your function's code was stopped.")


class BadCheckArgument(CheckStop):
    """check() itself was called wrongly (e.g. time_limit="abc"): nothing was graded."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def feedback(self) -> Feedback:
        return Feedback(NOT_CHECKED, self.message)


class CheckerBroke(CheckStop):
    """The checker itself failed: say so plainly rather than blame the learner."""

    def __init__(self, error: BaseException):
        super().__init__(error)
        self.error = error

    def feedback(self) -> Feedback:
        return Feedback(INCORRECT, f"the checker itself failed (`{safe_text(self.error)}`); "
                        "this is a bug in speclab, please report it.")


#: Module globals that hold an exercise's cases (ex4's and ex5's TABLE, ex1's CASES).
CASE_TABLES = frozenset({"TABLE", "CASES"})


class ChangedTheChecker(CheckStop):
    """The learner's function rebound the check's own values or functions while the check ran."""

    def __init__(self, names):
        super().__init__(names)
        self.names = list(dict.fromkeys(names))

    def feedback(self) -> Feedback:
        shown = ", ".join(f"`{name}`" for name in self.names[:5])
        more = f" and {len(self.names) - 5} more" if len(self.names) > 5 else ""
        if all(name.rsplit(".", 1)[-1] in CASE_TABLES for name in self.names):
            return Feedback(INCORRECT, f"your function changed the check's own table of cases, {shown}{more}, "
                            "while the check ran (it modified or replaced it). The check reads its cases from "
                            "that table, so it cannot grade a function that changes it, even one whose answers "
                            "are right. If your code needs the table, work on a copy (`list(TABLE)`) and leave "
                            "the original as it is; then check again.")
        return Feedback(INCORRECT, f"your function changed {shown}{more} while the check ran. Those are the "
                        "check's own values and functions: a verdict that rests on changed ones means "
                        "nothing, so this check does not pass. Leave them alone and check again.")
