"""Everything that can end a check early, each turned into the one feedback message it deserves.

A check raises one of these from deep inside a case; `Exercise.check` catches the family and
shows `.feedback()`, so the learner never sees a traceback.
"""

from __future__ import annotations

from .feedback import INCORRECT, NOT_ATTEMPTED, Feedback


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
        self.error, self.call = error, call

    def feedback(self) -> Feedback:
        message = str(self.error).strip().splitlines()[0] if str(self.error).strip() else ""
        shown = f"{type(self.error).__name__}: {message}" if message else type(self.error).__name__
        return Feedback(INCORRECT, f"your function raised `{shown}` on {self.call}.")


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
        return Feedback(INCORRECT, f"timed out after {self.seconds:g} s on case: {self.case}. "
                        "Is there a loop that never ends?")


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


class CheckerBroke(CheckStop):
    """The checker itself failed: say so plainly rather than blame the learner."""

    def __init__(self, error: BaseException):
        super().__init__(error)
        self.error = error

    def feedback(self) -> Feedback:
        return Feedback(INCORRECT, f"the checker itself failed (`{type(self.error).__name__}: {self.error}`); "
                        "this is a bug in speclab, please report it.")
