"""Keep a check honest against the obvious ways a notebook can fool it.

An in-kernel grader cannot stop a determined cheat, but it need not be fooled by the obvious:

- **changed grading values.** `take_snapshot()` copies the globals of speclab's modules (and of
  numpy, math and random), and the code of their functions, when the exercises are imported.
  `originals_restored()` puts back whatever the notebook has rebound since (a tolerance, a
  reference function, `sl.breakeven_alpha` itself) for the duration of a check and names it.
- **calling the answer.** `tripwires(functions)` makes the functions an exercise asks the learner
  to write (e.g. `sl.breakeven_alpha` in exercise 4, every exercise's own solution) record a call
  made from inside the learner's function. It swaps the functions' code, so every alias of them
  is covered; calls from the checker itself still reach the original.
- **randomness that ignores `rng`.** `global_random_seeded(seed)` reseeds numpy's and Python's
  global generators, so two runs that differ only there expose a function that uses them.

Each context manager undoes itself, so a check run in-process leaves the notebook as it was.
"""

from __future__ import annotations

import contextlib
import random
import sys
import types

import numpy as np

#: Modules whose globals are copied at import (with every speclab module loaded by then).
EXTRA_MODULES = ("numpy", "numpy.random", "math", "random")
#: speclab modules that legitimately keep runtime state or never take part in grading.
UNGUARDED_PREFIXES = ("speclab.real", "speclab.widgets", "speclab.plots", "speclab.cli")

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


# ----------------------------------------------------------------------------- snapshot of globals

_SNAPSHOT: dict = {}


def _guarded(name: str) -> bool:
    if name in EXTRA_MODULES:
        return True
    return (name == "speclab" or name.startswith("speclab.")) and not name.startswith(UNGUARDED_PREFIXES)


def _function_state(function) -> tuple:
    return function.__code__, function.__defaults__, function.__kwdefaults__


def take_snapshot() -> None:
    """Copy the guarded modules' globals, their classes' attributes and their functions' code."""
    for name, module in list(sys.modules.items()):
        if module is None or not _guarded(name) or name in _SNAPSHOT:
            continue
        namespace = dict(vars(module))
        classes = {value: {k: v for k, v in vars(value).items() if not k.startswith("__")}
                   for value in namespace.values()
                   if isinstance(value, type) and getattr(value, "__module__", None) == name}
        functions = {value: _function_state(value) for value in namespace.values()
                     if isinstance(value, types.FunctionType)}
        for attributes in classes.values():
            functions.update({value: _function_state(value) for value in attributes.values()
                              if isinstance(value, types.FunctionType)})
        _SNAPSHOT[name] = (module, namespace, classes, functions)


@contextlib.contextmanager
def originals_restored():
    """Put back every guarded global the notebook changed; yield their names; undo on exit."""
    changed, undo = [], []
    for name, (module, namespace, classes, functions) in _SNAPSHOT.items():
        current = vars(module)
        for key, value in namespace.items():
            now = current.get(key, _MISSING)
            if now is not value:
                changed.append(f"{name}.{key}")
                undo.append(_undo_item(current, key, now))
                current[key] = value
        for cls, attributes in classes.items():
            for key, value in attributes.items():
                now = vars(cls).get(key, _MISSING)
                if now is not value:
                    changed.append(f"{name}.{cls.__name__}.{key}")
                    undo.append(_undo_attribute(cls, key, now))
                    setattr(cls, key, value)
        for function, state in functions.items():
            if _differs(_function_state(function), state):
                changed.append(f"{name}.{function.__qualname__}.__code__")
                undo.append(_undo_function(function, _function_state(function)))
                function.__code__, function.__defaults__, function.__kwdefaults__ = state
    try:
        yield changed
    finally:
        for step in reversed(undo):
            step()


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _undo_item(namespace: dict, key, value):
    def undo():
        if value is _MISSING:
            namespace.pop(key, None)
        else:
            namespace[key] = value
    return undo


def _undo_attribute(cls, key, value):
    def undo():
        if value is _MISSING:
            with contextlib.suppress(AttributeError):
                delattr(cls, key)
        else:
            setattr(cls, key, value)
    return undo


def _undo_function(function, state):
    def undo():
        function.__code__, function.__defaults__, function.__kwdefaults__ = state
    return undo


def _differs(now: tuple, then: tuple) -> bool:
    return any(a is not b for a, b in zip(now, then))


def describe_changes(changed) -> str:
    """One markdown sentence naming what the notebook had changed (at most five names)."""
    if not changed:
        return ""
    shown = ", ".join(f"`{name}`" for name in changed[:5])
    more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
    return (f"Noticed: this notebook had changed {shown}{more}. The check used speclab's own values "
            "and functions instead.")


# ----------------------------------------------------------------------------- tripwires

def _template(*args, **kwargs):
    return __speclab_tripwire__("__speclab_tripwire_key__", args, kwargs)  # noqa: F821 (set per module)


_ARMED: dict = {}


def _dispatch(key, args, kwargs):
    label, original = _ARMED[key]
    if learner.running:
        learner.forbidden_calls.append(label)
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


@contextlib.contextmanager
def tripwires(functions):
    """Arm `functions` ((label, function) pairs): a call from the learner's code is recorded."""
    armed, hooked = [], []
    try:
        for label, function in functions:
            if not tripwire_ready(function) or any(function is other for other, _, _ in armed):
                continue
            key = f"{len(_ARMED)}:{label}"
            original = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                                          function.__defaults__, function.__closure__)
            original.__kwdefaults__ = function.__kwdefaults__
            _ARMED[key] = (label, original)
            armed.append((function, function.__code__, key))
            if _HOOK not in function.__globals__:
                function.__globals__[_HOOK] = _dispatch
                hooked.append(function.__globals__)
            function.__code__ = _tripwire_code(function, key)
        yield
    finally:
        for function, code, key in reversed(armed):
            function.__code__ = code
            _ARMED.pop(key, None)
        for namespace in hooked:
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
