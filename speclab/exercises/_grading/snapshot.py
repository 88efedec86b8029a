"""speclab's grading values as imported: put back before a check, verified after each case.

`take_snapshot()` copies the globals of speclab's modules (and of numpy, math, random, os, json
and Python's own builtins), their classes' attributes and their functions' code when the
exercises are imported. `originals_restored()` puts back whatever a notebook rebound since (a tolerance,
a reference function, `sl.breakeven_alpha` itself) for the duration of a check and names it.
`changes(armed)` names what differs from the snapshot now: a check calls it after every case,
so a learner's function that rebinds the check's own values while it runs (a tolerance, a
`require_*` helper, the reference answer) is caught before that case's verdict counts.

The snapshot lives in a closure and read-only views, and the functions here hold what they use
as default arguments: rebinding or clearing a module global cannot switch the guard off. What
it cannot see: a change undone before the case ends (from a thread, or a later call of the
learner's function), and code that reaches into closures, frames or objects' insides. An
in-kernel grader cannot stop a determined cheat; it need not be fooled by the obvious.
"""

from __future__ import annotations

import builtins
import contextlib
import sys
import types

#: Modules whose globals are copied at import (with every speclab module loaded by then); os and
#: json carry the verdict out of the check's child process.
EXTRA_MODULES = ("numpy", "numpy.random", "math", "random", "builtins", "os", "json", "json.encoder")
#: speclab modules that legitimately keep runtime state or never take part in grading.
UNGUARDED_PREFIXES = ("speclab.real", "speclab.widgets", "speclab.plots", "speclab.cli")
#: Builtins left alone: `input` (a check's child process replaces it) and everything that is not
#: Python's own function or type (IPython adds and re-adds `display`, `get_ipython`, `exit`).
UNGUARDED_BUILTINS = frozenset({"input"})


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _guarded(name: str) -> bool:
    if name in EXTRA_MODULES:
        return True
    return (name == "speclab" or name.startswith("speclab.")) and not name.startswith(UNGUARDED_PREFIXES)


def _guarded_builtin(key: str, value) -> bool:
    return (not key.startswith("_") and key not in UNGUARDED_BUILTINS
            and isinstance(value, (types.BuiltinFunctionType, type)))


#: Names a module global could shadow: a new global `abs` in a grading module changes its `abs`.
BUILTIN_NAMES = frozenset(key for key, value in vars(builtins).items() if _guarded_builtin(key, value))


def function_state(function) -> tuple:
    """What a call of `function` runs: its code and defaults."""
    return function.__code__, function.__defaults__, function.__kwdefaults__


def _set_function_state(function, state) -> None:
    function.__code__, function.__defaults__, function.__kwdefaults__ = state


def _module_entry(name: str, module) -> tuple:
    namespace = dict(vars(module))
    if name == "builtins":
        namespace = {key: value for key, value in namespace.items() if _guarded_builtin(key, value)}
    classes = {value: types.MappingProxyType({k: v for k, v in vars(value).items() if not k.startswith("__")})
               for value in namespace.values()
               if isinstance(value, type) and getattr(value, "__module__", None) == name}
    functions = {value: function_state(value) for value in namespace.values() if isinstance(value, types.FunctionType)}
    for attributes in classes.values():
        functions.update({value: function_state(value) for value in attributes.values()
                          if isinstance(value, types.FunctionType)})
    return (name, module, types.MappingProxyType(namespace), tuple(classes.items()), tuple(functions.items()))


def _store():
    entries: dict = {}

    def take() -> None:
        """Copy the guarded modules not copied yet: globals, class attributes, function code."""
        for name, module in list(sys.modules.items()):
            if module is not None and _guarded(name) and name not in entries:
                entries[name] = _module_entry(name, module)

    def current() -> tuple:
        return tuple(entries.values())

    return take, current


take_snapshot, _entries = _store()


def _put(namespace: dict, key, value):
    def put():
        if value is _MISSING:
            namespace.pop(key, None)
        else:
            namespace[key] = value
    return put


def _put_attribute(cls, key, value):
    def put():
        if value is _MISSING:
            with contextlib.suppress(AttributeError):
                delattr(cls, key)
        else:
            setattr(cls, key, value)
    return put


def _put_function(function, state):
    return lambda: _set_function_state(function, state)


def _differences(armed=None, *, entries=_entries, builtin_names=BUILTIN_NAMES, missing=_MISSING, put=_put,
                 put_attribute=_put_attribute, put_function=_put_function, state_of=function_state) -> list:
    """(name, put_back, undo) for each guarded value that differs from the snapshot now.

    `armed` maps a function to the tripwire code it runs during a check (guards.tripwires).
    """
    armed = armed or {}
    found = []
    for name, module, namespace, classes, functions in entries():
        current = vars(module)
        for key, value in namespace.items():
            now = current.get(key, missing)
            if now is not value:
                found.append((f"{name}.{key}", put(current, key, value), put(current, key, now)))
        if name != "builtins":
            for key in sorted(builtin_names.intersection(current).difference(namespace)):
                found.append((f"{name}.{key}", put(current, key, missing), put(current, key, current[key])))
        for cls, attributes in classes:
            for key, value in attributes.items():
                now = vars(cls).get(key, missing)
                if now is not value:
                    found.append((f"{name}.{cls.__name__}.{key}", put_attribute(cls, key, value),
                                  put_attribute(cls, key, now)))
        for function, state in functions:
            expected = (armed[function],) + state[1:] if function in armed else state
            now = state_of(function)
            if any(a is not b for a, b in zip(now, expected)):
                found.append((f"{name}.{function.__qualname__}.__code__", put_function(function, expected),
                              put_function(function, now)))
    return found


def changes(armed=None, put_back: bool = False, *, differences=_differences) -> list:
    """Names of the guarded values that differ from the snapshot now (`armed`: see _differences);
    with `put_back`, each is put back as it is found."""
    found = differences(armed)
    for _, restore, _ in found if put_back else ():
        restore()
    return [name for name, _, _ in found]


@contextlib.contextmanager
def originals_restored(*, differences=_differences):
    """Put back every guarded value the notebook changed; yield their names.

    On exit, whatever changed during the check is put back too, then the notebook's own values,
    so a check run in-process leaves the notebook exactly as it was.
    """
    changed, undo = [], []
    for name, put_back, undo_step in differences():
        changed.append(name)
        undo.append(undo_step)
        put_back()
    try:
        yield changed
    finally:
        for _, put_back, _ in differences():
            put_back()
        for step in reversed(undo):
            step()


def watch(functions):
    """A function naming which of `functions` (the check's own, made per check) changed since now."""
    states = tuple((function, function_state(function)) for function in functions
                   if isinstance(function, types.FunctionType))

    def changed() -> list:
        return [f"{function.__qualname__}.__code__" for function, state in states
                if any(a is not b for a, b in zip(function_state(function), state))]
    return changed


def describe_changes(changed) -> str:
    """One markdown sentence naming what the notebook had changed (at most five names)."""
    if not changed:
        return ""
    return (f"Noticed: this notebook had changed {name_list(changed)}. The check used speclab's own values "
            "and functions instead.")


def name_list(names) -> str:
    """At most five names as markdown code, and how many more."""
    shown = ", ".join(f"`{name}`" for name in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")
