"""Keep a check honest against the obvious ways a notebook can fool it.

An in-kernel grader cannot stop a determined cheat, but it need not be fooled by the obvious:

- **changed grading values**, before or during a check: snapshot.py.
- **calling the answer.** `tripwires(functions)` makes the functions an exercise asks the learner
  to write (e.g. `sl.breakeven_alpha` in exercise 4, every exercise's own solution) record a call
  made from inside the learner's function. It swaps the functions' code, so every alias of them
  is covered; calls from the checker itself still reach the original. It yields an `Armed`
  record that names a tripwire the learner's code disarmed.
- **randomness that ignores `rng`.** `global_random_seeded(seed)` reseeds numpy's and Python's
  global generators, so two runs that differ only there expose a function that uses them.

Each context manager undoes itself, so a check run in-process leaves the notebook as it was.
"""

from __future__ import annotations

import contextlib
import random
import types

import numpy as np

_HOOK = "__speclab_tripwire__"
_KEY = "__speclab_tripwire_key__"


class LearnerState:
    """Whether the learner's function is running now, and what forbidden calls it made."""

    def __init__(self):
        self.running = False
        self.forbidden_calls: list = []


#: The one state object: set by `LearnerFunction` around each call, read by the tripwires.
learner = LearnerState()


class ForbiddenCallSignal(BaseException):
    """Raised inside the learner's function by a tripwire (the call is recorded either way)."""


# ----------------------------------------------------------------------------- tripwires

def _template(*args, **kwargs):
    return __speclab_tripwire__("__speclab_tripwire_key__", args, kwargs)  # noqa: F821 (set per module)


_ARMED: dict = {}


def _dispatch(key, args, kwargs, *, state=learner, registry=_ARMED):
    label, original = registry[key]
    if state.running:
        state.forbidden_calls.append(label)
        raise ForbiddenCallSignal(label)
    return original(*args, **kwargs)


def _tripwire_code(function, key: str):
    code = _template.__code__
    consts = tuple(key if const == _KEY else const for const in code.co_consts)
    return code.replace(co_consts=consts, co_name=function.__code__.co_name,
                        co_filename=function.__code__.co_filename)


def tripwire_ready(function) -> bool:
    """True when `function`'s code can be swapped for a tripwire (a plain function, no closure)."""
    return isinstance(function, types.FunctionType) and not function.__code__.co_freevars


class Armed:
    """The tripwires of one check: each armed function's tripwire code, and the hooked modules."""

    def __init__(self):
        self.codes: dict = {}
        self.hooked: list = []

    def changes(self) -> list:
        """Names of tripwires that no longer fire (code swapped back, hook replaced)."""
        names = [f"{function.__qualname__}.__code__" for function, code in self.codes.items()
                 if function.__code__ is not code]
        return names + [f"{namespace.get('__name__')}.{_HOOK}" for namespace in self.hooked
                        if namespace.get(_HOOK) is not _dispatch]


@contextlib.contextmanager
def tripwires(functions):
    """Arm `functions` ((label, function) pairs): a call from the learner's code is recorded."""
    armed, saved = Armed(), []
    try:
        for label, function in functions:
            if not tripwire_ready(function) or function in armed.codes:
                continue
            key = f"{len(_ARMED)}:{label}"
            original = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                                          function.__defaults__, function.__closure__)
            original.__kwdefaults__ = function.__kwdefaults__
            _ARMED[key] = (label, original)
            saved.append((function, function.__code__, key))
            if _HOOK not in function.__globals__:
                function.__globals__[_HOOK] = _dispatch
                armed.hooked.append(function.__globals__)
            function.__code__ = armed.codes[function] = _tripwire_code(function, key)
        yield armed
    finally:
        for function, code, key in reversed(saved):
            function.__code__ = code
            _ARMED.pop(key, None)
        for namespace in armed.hooked:
            namespace.pop(_HOOK, None)


# ----------------------------------------------------------------------------- global randomness

@contextlib.contextmanager
def global_random_seeded(seed: int):
    """Seed numpy's and Python's global generators with `seed`; restore their states on exit."""
    numpy_state, python_state = np.random.get_state(), random.getstate()
    np.random.seed(seed)
    random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
