"""Call the learner's function safely: copies in, every outcome turned into feedback.

`LearnerFunction` wraps the learner's function: each call gets fresh copies of its array
arguments; anything it raises (BaseException included), a changed input, a call into a function
the exercise forbids, or a bad return value becomes a `CheckStop`. A return value whose own
methods misbehave while the checker inspects it is the learner's problem, reported as such.
Where the whole check runs (a child process, under a time limit) is `isolation.py`'s business.
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np

from . import guards
from .formatting import describe_call, safe_text, type_name
from .outcomes import (BadCheckArgument, BadReturn, CalledTheAnswer, ChangedTheChecker, CheckStop, InputMutated,
                       LearnerRaised, NotAFunction, NotAttempted, NotReproducible, SolutionSubmitted)


class LearnerFunction:
    """The learner's `fn`, called safely: copies in, mutation and exceptions turned into feedback.

    `validate(result, args, call)` checks the return value and returns it normalized (raising
    `BadReturn`); `call` is the markdown description of the call, for the message.
    """

    def __init__(self, fn, name: str, arg_names, validate, state=guards.learner):
        self.fn, self.name, self.arg_names, self.validate = fn, name, tuple(arg_names), validate
        self.state = state    # bound now: rebinding `guards.learner` during the check changes nothing

    def __call__(self, *args):
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        result, error = self._run(copies)
        if self.state.forbidden_calls:
            raise CalledTheAnswer(self.state.forbidden_calls, self.describe(args))
        if isinstance(error, NotImplementedError):
            raise NotAttempted(self.name)
        if error is not None:
            raise LearnerRaised(error, self.describe(args))
        for arg_name, original, given in zip(self.arg_names, args, copies):
            if isinstance(original, np.ndarray) and not _same_array(original, given):
                raise InputMutated(arg_name, self.describe(args))
        try:
            return self.validate(result, args, lambda: self.describe(args))
        except CheckStop:
            raise
        except BaseException as problem:  # noqa: BLE001 (the returned value's own methods failed)
            raise BadReturn(f"a `{type_name(result)}` that raised `{safe_text(problem)}` when the checker "
                            "looked at it; return plain Python values.", self.describe(args)) from None

    def _run(self, copies) -> tuple:
        """(result, None) or (None, what it raised); BaseException too, never re-raised here."""
        self.state.running = True
        try:
            result = self.fn(*copies)
        except BaseException as error:  # noqa: BLE001 (KeyboardInterrupt, SystemExit, GeneratorExit, ...)
            return None, error
        finally:
            running, self.state.running = self.state.running, False
        if not running:           # it switched the tripwires off to call the answer unseen
            raise ChangedTheChecker(["speclab.exercises._grading.guards.learner.running"])
        return result, None

    def describe(self, args) -> str:
        return describe_call(self.name, self.arg_names, args)


def require_function(fn, name: str, arg_names) -> None:
    """Raise `NotAFunction` unless `fn` is callable with exactly the exercise's arguments."""
    usage = f"`{name}({', '.join(arg_names)})`"
    try:
        is_callable = callable(fn)
    except BaseException:  # noqa: BLE001
        is_callable = False
    if not is_callable:
        raise NotAFunction(f"check expects your function {usage}, e.g. `check({name})`; got `{type_name(fn)}`.")
    try:
        inspect.signature(fn).bind(*arg_names)
    except TypeError:
        raise NotAFunction(f"your function must take exactly the arguments {usage}.") from None
    except ValueError:
        pass  # builtins without a signature: let the call itself decide
    except BaseException as error:  # noqa: BLE001
        raise NotAFunction(f"reading your function's arguments raised `{safe_text(error)}`; "
                           f"pass a plain function {usage}.") from None


def refuse_solution(fn, solution, exercise: str) -> None:
    """Raise `SolutionSubmitted` when `fn` is the reference solution (or a copy of its code object)."""
    try:
        same = fn is solution or getattr(fn, "__code__", None) is solution.__code__ \
            or getattr(getattr(fn, "__func__", None), "__code__", None) is solution.__code__
    except BaseException:  # noqa: BLE001 (a hostile __getattr__: not the solution, anyway)
        same = False
    if same:
        raise SolutionSubmitted(exercise)


def require_reproducible(learner: LearnerFunction, calls, advice: str) -> None:
    """Run `calls()` (fresh argument tuples) twice, with the global random state seeded differently.

    The same inputs (the same rng seed included) must give the same answers; a function that draws
    from `np.random`, `random`, a generator of its own or state kept between calls does not.
    """
    runs = []
    for seed in (1, 2):
        with guards.global_random_seeded(seed):
            runs.append([(args, learner(*args)) for args in calls()])
    for (args, first), (_, second) in zip(*runs):
        if repr(first) != repr(second):   # normalized values: repr is safe, and equal for two nans
            raise NotReproducible(learner.describe(args), f"`{first!r}`", f"`{second!r}`", advice)


def as_time_limit(value, default: float) -> float:
    """`value` (None for the default) as a positive, finite number of seconds, or BadCheckArgument."""
    if value is None:
        return float(default)
    allowed = f"time_limit must be a positive number of seconds per case, e.g. `time_limit={default:g}`"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise BadCheckArgument(f"{allowed}; got `{type_name(value)}`. Nothing was checked.")
    try:
        seconds = float(value)
    except BaseException:  # noqa: BLE001
        raise BadCheckArgument(f"{allowed}; got a `{type_name(value)}` that is not a number.") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise BadCheckArgument(f"{allowed}; got `{seconds!r}`. Nothing was checked.")
    return seconds


def _same_array(a: np.ndarray, b) -> bool:
    return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
