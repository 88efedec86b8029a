"""Run the learner's code safely: under a time limit, on copies of the inputs, errors caught.

`LearnerFunction` wraps the learner's function: each call gets fresh copies of its array
arguments, and an exception, a changed input or a bad return value becomes a `CheckStop`.
`run_with_time_limit` runs a whole case in a worker thread and gives up after N seconds.
"""

from __future__ import annotations

import ctypes
import inspect
import threading

import numpy as np

from .formatting import describe_call
from .outcomes import InputMutated, LearnerRaised, NotAFunction, NotAttempted, TimedOut


class _Stop(BaseException):
    """Raised asynchronously inside a worker thread that ran past its time limit."""


class LearnerFunction:
    """The learner's `fn`, called safely: copies in, mutation and exceptions turned into feedback.

    `validate(result, args, call)` checks the return value and returns it normalized (raising
    `BadReturn`); `call` is the markdown description of the call, for the message.
    """

    def __init__(self, fn, name: str, arg_names, validate):
        self.fn, self.name, self.arg_names, self.validate = fn, name, tuple(arg_names), validate

    def __call__(self, *args):
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        try:
            result = self.fn(*copies)
        except NotImplementedError:
            raise NotAttempted(self.name) from None
        except (Exception, SystemExit) as error:
            raise LearnerRaised(error, self.describe(args)) from None
        for arg_name, original, given in zip(self.arg_names, args, copies):
            if isinstance(original, np.ndarray) and not _same_array(original, given):
                raise InputMutated(arg_name, self.describe(args))
        return self.validate(result, args, lambda: self.describe(args))

    def describe(self, args) -> str:
        return describe_call(self.name, self.arg_names, args)


def require_function(fn, name: str, arg_names) -> None:
    """Raise `NotAFunction` unless `fn` is callable with exactly the exercise's arguments."""
    usage = f"`{name}({', '.join(arg_names)})`"
    if not callable(fn):
        raise NotAFunction(f"check expects your function {usage}, e.g. `check({name})`; got `{type(fn).__name__}`.")
    try:
        inspect.signature(fn).bind(*arg_names)
    except TypeError:
        raise NotAFunction(f"your function must take exactly the arguments {usage}.") from None
    except ValueError:
        pass  # builtins without a signature: let the call itself decide


def run_with_time_limit(task, seconds: float, case: str):
    """Return `task()` run in a worker thread; raise `TimedOut` if it takes over `seconds`.

    A runaway thread is asked to stop with an asynchronous exception, which interrupts pure
    Python loops; one stuck inside C code is left as a daemon and cannot block the kernel's exit.
    """
    box = {}

    def target():
        try:
            box["value"] = task()
        except _Stop:
            pass
        except BaseException as error:  # re-raised in the caller's thread below
            box["error"] = error

    worker = threading.Thread(target=target, name="speclab-check", daemon=True)
    worker.start()
    try:
        worker.join(seconds)
    except KeyboardInterrupt:
        _stop(worker)
        raise
    if worker.is_alive():
        _stop(worker)
        raise TimedOut(seconds, case)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _stop(worker: threading.Thread) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_Stop))
    worker.join(0.5)


def _same_array(a: np.ndarray, b) -> bool:
    return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)

