"""Exercise checks against hostile learner code and obvious cheats.

Nothing the learner's function raises, prints, returns or loops on reaches the notebook or keeps
running after the check; calls into the answer, randomness that ignores `rng`, grading values
changed before or during the check and the submitted reference solution are each seen and named.
Most run with the default forked child; the thread fallback (used where fork is unavailable) is
tested at the end.
"""

import builtins
import gc
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import types
import warnings

import numpy as np
import pytest

import speclab as sl
import speclab.theory
from speclab import roofline
from speclab.exercises import Case, ex1, ex2, ex3, ex4, ex5
from speclab.exercises._grading import exercise as exercise_module
from speclab.exercises._grading import guards, isolation, sampling, snapshot
from speclab.exercises import ex1_acceptance_rule as ex1_module
from speclab.exercises import ex2_adaptive_k as ex2_module
from speclab.exercises import ex3_multi_draft as ex3_module
from speclab.exercises import ex4_breakeven as ex4_module
from speclab.exercises import ex5_breakeven_batch as ex5_module

EXERCISES = {"ex1": ex1, "ex2": ex2, "ex3": ex3, "ex4": ex4, "ex5": ex5}


def learners_copy(exercise):
    """The reference solution as a learner would have it: its shown source, run in the notebook."""
    namespace = {}
    exec(exercise.solution_source(), namespace)
    return namespace[exercise.function_name]


BREAKEVEN = learners_copy(ex4)


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting to be reaped counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def eventually_dead(pid: int, seconds: float = 3.0) -> bool:
    end = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.02)
    return not alive(pid)


# ----------------------------------------------------------------------------- what it raises

class UnprintableError(Exception):
    def __str__(self):
        raise RuntimeError("no str for you")


class CustomBase(BaseException):
    pass


@pytest.mark.parametrize("error, shown", [
    (KeyboardInterrupt(), "raised `KeyboardInterrupt`"),
    (GeneratorExit(), "raised `GeneratorExit`"),
    (SystemExit(3), "raised `SystemExit: 3`"),
    (CustomBase("odd"), "raised `CustomBase: odd`"),
    (UnprintableError(), "raised `UnprintableError (its message cannot be printed)`"),
    (ValueError("x" * 10_000), "raised `ValueError: xxx"),
    (RecursionError("deep"), "raised `RecursionError: deep`"),
])
@pytest.mark.parametrize("name", list(EXERCISES))
def test_anything_the_function_raises_becomes_a_verdict(name, error, shown, capsys):
    def raises(*args):
        raise error
    assert EXERCISES[name].check(lambda *args: raises()) is False
    out = capsys.readouterr().out
    assert out.startswith("Incorrect:") and shown in out and len(out) < 1000


def test_infinite_recursion_becomes_a_verdict():
    def recurse(c, k, g):
        return recurse(c, k, g)
    assert "raised `RecursionError" in ex4.grade(recurse).text


def test_input_is_refused_during_a_check():
    assert "raised `EOFError: input() is not available" in ex4.grade(lambda c, k, g: float(input("alpha? "))).text


# ----------------------------------------------------------------------------- what it prints

def test_prints_are_captured_and_summarised_in_a_line(capfd):
    def chatty(c, k, g):
        print("debug: trying", c, k, g)
        print("x" * 1_000_000)
        sys.stderr.write("to stderr\n")
        warnings.warn("a warning")
        return 0.5
    assert ex4.check(chatty) is False
    out, err = capfd.readouterr()
    assert "xxxxxxxxxx" not in out + err and "to stderr" not in out and err == ""
    assert "Your code printed 1,000,0" in out and "It began: `debug: trying 0.1 1 0.0`" in out
    assert len(out) < 2000


def test_ten_megabytes_of_prints_do_not_reach_the_output(capfd):
    def loud(c, k, g):
        sys.stdout.write("y" * 10_000_000)
        return BREAKEVEN(c, k, g)
    assert ex4.check(loud) is True
    out, _ = capfd.readouterr()
    assert f"Your code printed {16 * 10_000_000:,} characters" in out and len(out) < 2000


def test_writes_to_the_file_descriptors_do_not_reach_the_output(capfd):
    def low_level(c, k, g):
        os.write(1, b"fd one\n")
        os.write(2, b"fd two\n")
        print("dunder", file=sys.__stdout__, flush=True)
        return BREAKEVEN(c, k, g)
    assert ex4.check(low_level) is True
    out, err = capfd.readouterr()
    assert "fd one" not in out and "fd two" not in err and "dunder" not in out


# ----------------------------------------------------------------------------- what it returns

class BadRepr:
    def __repr__(self):
        raise RuntimeError("no repr")


class ReprInterrupts:
    def __repr__(self):
        raise KeyboardInterrupt


class IntThatCannotCompare(int):
    def __lt__(self, other):
        raise RuntimeError("no comparing")
    __le__ = __gt__ = __ge__ = __lt__


class FloatThatCannotConvert(float):
    def __float__(self):
        raise RuntimeError("no float")


class TupleWithoutLength(tuple):
    def __len__(self):
        raise RuntimeError("no len")


@pytest.mark.parametrize("name, value, shown", [
    ("ex1", BadRepr(), "(BadRepr); it must return a pair"),
    ("ex1", (True, IntThatCannotCompare(1)), "raised `RuntimeError: no comparing` when the checker looked at it"),
    ("ex1", TupleWithoutLength((True, 1)), "raised `RuntimeError: no len`"),
    ("ex2", IntThatCannotCompare(3), "raised `RuntimeError: no comparing`"),
    ("ex4", FloatThatCannotConvert(0.5), "raised `RuntimeError: no float`"),
    ("ex4", BadRepr(), "(BadRepr); it must return a float"),
    ("ex3", [BadRepr(), BadRepr()], "(BadRepr); `accepted` must be"),
    ("ex4", ReprInterrupts(), "<a ReprInterrupts that cannot be printed>"),
    ("ex2", ReprInterrupts(), "<a ReprInterrupts that cannot be printed>"),
])
def test_a_hostile_return_value_is_the_learners_problem(name, value, shown):
    verdict = EXERCISES[name].grade(lambda *args: value)
    assert verdict.kind == "incorrect" and shown in verdict.text
    assert "checker itself failed" not in verdict.text


# ----------------------------------------------------------------------------- what it loops on, or ends

def test_a_loop_that_catches_base_exception_is_stopped_for_good(tmp_path):
    pid_file = tmp_path / "pid"

    def stubborn(c, k, g):
        pid_file.write_text(str(os.getpid()))
        while True:
            try:
                while True:
                    pass
            except BaseException:  # noqa: BLE001 (that is the point)
                pass
    before = time.monotonic()
    verdict = ex4.grade(stubborn, time_limit=0.5)
    assert "timed out after 0.5 s on case: cost_ratio = 0.1, K = 1" in verdict.text
    assert time.monotonic() - before < 5
    pid = int(pid_file.read_text())
    assert pid != os.getpid() and eventually_dead(pid)


def test_processes_the_function_started_are_stopped_with_it(tmp_path):
    pid_file = tmp_path / "pid"

    def spawns(c, k, g):
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        pid_file.write_text(str(busy.pid))
        return 0.5
    assert ex4.grade(spawns).kind == "incorrect"
    assert eventually_dead(int(pid_file.read_text()))


def test_a_slow_case_is_named_in_the_time_out():
    def slow_after_a_while(k, n):
        if k == 9:
            time.sleep(60)
        return max(1, min(16, k + 1 if n == k else k - 1))
    verdict = ex2.grade(slow_after_a_while, time_limit=0.5)
    assert "timed out after 0.5 s on case: returns an int in 1..16" in verdict.text


@pytest.mark.parametrize("ending, shown", [
    (lambda: os._exit(3), "it exited with code 3"),
    (lambda: os.kill(os.getpid(), signal.SIGKILL), "it was killed by signal SIGKILL"),
    (lambda: __import__("ctypes").string_at(0), "it was killed by signal SIGSEGV"),
])
def test_a_function_that_ends_the_process_gets_a_verdict(ending, shown):
    verdict = ex4.grade(lambda c, k, g: ending())
    assert verdict.kind == "incorrect" and "the check stopped before its verdict: " + shown in verdict.text


@pytest.fixture
def interruptible():
    """Ctrl-C raises KeyboardInterrupt, as in a Jupyter kernel; a shell that starts pytest in the
    background hands it SIGINT ignored, and then no interrupt would ever arrive."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_interrupting_the_kernel_stops_the_check_and_its_process(tmp_path, interruptible):
    pid_file = tmp_path / "pid"

    def forever(c, k, g):
        pid_file.write_text(str(os.getpid()))
        while True:
            pass
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    verdict = ex4.grade(forever, time_limit=60)
    timer.join()
    assert verdict.kind == "not checked" and "interrupted" in verdict.text, verdict.text
    assert eventually_dead(int(pid_file.read_text()))


def test_an_interrupt_taken_by_another_thread_still_stops_the_check(tmp_path, interruptible):
    """Jupyter kernels run several threads, and SIGINT may land on any of them; the check must
    notice it within a moment, not when its time limit runs out."""
    pid_file = tmp_path / "pid"

    def forever(c, k, g):
        pid_file.write_text(str(os.getpid()))
        while True:
            pass
    bystander = threading.Event()
    helper = threading.Thread(target=bystander.wait, daemon=True)
    helper.start()
    timer = threading.Timer(1.0, signal.pthread_kill, (helper.ident, signal.SIGINT))
    timer.start()
    start = time.monotonic()
    verdict = ex4.grade(forever, time_limit=60)
    took = time.monotonic() - start
    timer.join()
    bystander.set()
    assert verdict.kind == "not checked" and "interrupted" in verdict.text, verdict.text
    assert took < 10
    assert eventually_dead(int(pid_file.read_text()))


# ----------------------------------------------------------------------------- check()'s own arguments

class SignatureRaises:
    @property
    def __signature__(self):
        raise KeyboardInterrupt

    def __call__(self, cost_ratio, K, verify_growth):
        return 0.5


class SignatureLoops(SignatureRaises):
    @property
    def __signature__(self):
        while True:
            pass


class CallableRule:
    def __call__(self, cost_ratio, K, verify_growth):
        return BREAKEVEN(cost_ratio, K, verify_growth)


def test_a_hostile_callable_is_read_safely():
    assert "reading your function's arguments raised `KeyboardInterrupt`" in ex4.grade(SignatureRaises()).text
    verdict = ex4.grade(SignatureLoops(), time_limit=0.5)
    assert "timed out after 0.5 s on case: starting the check (reading your function)" in verdict.text
    assert ex4.grade(CallableRule()).passed


@pytest.mark.parametrize("time_limit", ["abc", 0, -1, float("nan"), float("inf"), True, [5], np.float64(0), 1j])
def test_a_bad_time_limit_is_named_and_nothing_is_graded(time_limit, capsys):
    assert ex4.check(BREAKEVEN, time_limit=time_limit) is False
    out = capsys.readouterr().out
    assert out.startswith("Not checked: time_limit must be a positive number of seconds per case")
    assert "Nothing was checked." in out


@pytest.mark.parametrize("time_limit", [5, 2.5, np.float32(5), np.int64(5)])
def test_any_positive_number_is_a_time_limit(time_limit):
    assert ex4.grade(BREAKEVEN, time_limit=time_limit).passed


# ----------------------------------------------------------------------------- calling the answer

def test_ex4_calling_breakeven_alpha_is_caught():
    verdict = ex4.grade(lambda c, k, g: sl.breakeven_alpha(c, k, g))
    assert verdict.kind == "incorrect" and "your function called `sl.breakeven_alpha`" in verdict.text


def test_ex4_calling_it_through_another_name_and_hiding_the_error_is_caught():
    def sneaky(c, k, g):
        try:
            return speclab.theory.breakeven_alpha(c, k, verify_growth=g)
        except BaseException:  # noqa: BLE001
            return BREAKEVEN(c, k, g)
    assert "your function called `sl.breakeven_alpha`" in ex4.grade(sneaky).text


def test_ex1_calling_sl_verify_is_caught():
    def via_verify(p, q, x, rng):
        v = sl.verify(np.stack([p, p]), q[None, :], [x], rng)
        return v.n_accepted == 1, int(v.tokens[0])
    assert "your function called `sl.verify`" in ex1.grade(via_verify).text


def test_ex2_handing_in_the_library_policy_is_caught():
    assert "your function called `sl.AdaptiveK.next_k`" in ex2.grade(sl.AdaptiveK().next_k).text


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_reference_solution_itself_is_refused(name):
    exercise = EXERCISES[name]
    verdict = exercise.grade(exercise.solution_function)
    assert verdict.kind == "incorrect" and f"own reference solution (`{name}.solution_function`)" in verdict.text
    same_code = types.FunctionType(exercise.solution_function.__code__, exercise.solution_function.__globals__)
    assert "own reference solution" in exercise.grade(same_code).text


@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_wrapper_around_the_reference_solution_is_caught(name):
    exercise = EXERCISES[name]
    verdict = exercise.grade(lambda *args: exercise.solution_function(*args))
    assert f"your function called `{name}.solution_function`" in verdict.text


def test_another_exercises_solution_is_caught_too():
    verdict = ex1.grade(lambda p, q, x, rng: ex3.solution_function(p, q, np.array([x]), rng))
    assert "your function called `ex3.solution_function`" in verdict.text


def test_after_a_check_the_library_works_as_before():
    ex4.grade(lambda c, k, g: sl.breakeven_alpha(c, k, g))
    assert sl.breakeven_alpha(0.1, 1) == pytest.approx(0.1)
    assert ex4.solution_function(0.1, 1, 0.0) == pytest.approx(0.1)


# ----------------------------------------------------------------------------- randomness besides rng

def _rule_with(uniform):
    """Exercise 1's rule, correct in distribution, drawing its uniforms from `uniform(rng)`."""
    def rule(p, q, x, rng):
        if uniform(rng) < p[x] / q[x]:
            return True, int(x)
        cdf = np.cumsum(sl.residual(p, q))      # the library's residual is fine to use
        return False, int(min(np.searchsorted(cdf, uniform(rng), side="right"), len(p) - 1))
    return rule


@pytest.mark.parametrize("uniform", [
    lambda rng: np.random.random(),                  # numpy's global generator
    lambda rng: random.random(),                     # Python's
    lambda rng: np.random.default_rng().random(),    # a fresh, unseeded generator each call
], ids=["np.random", "random", "default_rng()"])
def test_ex1_randomness_that_ignores_rng_is_caught(uniform):
    verdict = ex1.grade(_rule_with(uniform))
    assert verdict.kind == "incorrect" and "case: the same inputs give the same answer" in verdict.text
    assert "numpy's and Python's global random state seeded differently" in verdict.text
    assert "Take all randomness from `rng`" in verdict.text


def test_ex1_the_same_rule_drawing_from_rng_passes():
    verdict = ex1.grade(_rule_with(lambda rng: rng.random()))
    assert verdict.passed, verdict.text


def test_ex3_randomness_that_ignores_rng_is_caught():
    verify_multi = learners_copy(ex3)
    verdict = ex3.grade(lambda p, q, c, rng: verify_multi(p, q, c, np.random.default_rng(np.random.randint(1 << 30))))
    assert "the same inputs give the same answer" in verdict.text


def test_ex2_a_random_rule_is_caught():
    verdict = ex2.grade(lambda k, n: int(np.random.randint(1, 17)))
    assert "the same inputs give the same answer" in verdict.text and "no randomness" in verdict.text


# ----------------------------------------------------------------------------- changed grading values

def test_loosened_tolerance_does_not_pass_a_wrong_answer(monkeypatch):
    monkeypatch.setattr(ex4_module, "TOLERANCE", 1.0)
    verdict = ex4.grade(lambda c, k, g: 0.5)
    assert verdict.kind == "incorrect" and "within 0.001" in verdict.text
    assert "Noticed: this notebook had changed `speclab.exercises.ex4_breakeven.TOLERANCE`" in verdict.text
    assert ex4_module.TOLERANCE == 1.0          # the notebook's own value is left as it set it


def test_a_replaced_reference_function_is_not_used(monkeypatch):
    monkeypatch.setattr(ex4_module, "breakeven_alpha", lambda *args: 0.5)
    verdict = ex4.grade(lambda c, k, g: 0.5)
    assert verdict.kind == "incorrect" and "`speclab.exercises.ex4_breakeven.breakeven_alpha`" in verdict.text


def test_replaced_code_of_a_library_function_is_not_used(monkeypatch):
    def half(c, k, verify_growth=0.0):
        return 0.5
    monkeypatch.setattr(speclab.theory.breakeven_alpha, "__code__", half.__code__)
    verdict = ex4.grade(lambda c, k, g: 0.5)
    assert verdict.kind == "incorrect" and "breakeven_alpha.__code__" in verdict.text


def test_a_zero_false_alarm_rate_does_not_pass_a_wrong_sampler(monkeypatch):
    monkeypatch.setattr(sampling, "FALSE_ALARM", 0.0)
    def resample_from_p(p, q, x, rng):
        if rng.random() < p[x] / q[x]:
            return True, int(x)
        return False, int(rng.choice(len(p), p=p))
    verdict = ex1.grade(resample_from_p)
    assert verdict.kind == "incorrect" and "speclab.exercises._grading.sampling.FALSE_ALARM" in verdict.text


def test_a_zero_bar_does_not_pass_a_slow_policy(monkeypatch):
    monkeypatch.setattr(ex2_module, "MIN_GAIN", 0.0)
    verdict = ex2.grade(lambda k, n: min(16, k + 2) if n == k else (max(1, k - 1) if n == 0 else k))
    assert "beats the best fixed K" in verdict.text and "ex2_adaptive_k.MIN_GAIN" in verdict.text


def test_a_replaced_acceptance_reference_does_not_pass_a_single_candidate(monkeypatch):
    monkeypatch.setattr(ex3_module, "reference_acceptance", lambda p, q, n: 0.0)
    rule = learners_copy(ex1)
    verdict = ex3.grade(lambda p, q, c, rng: rule(p, q, int(c[0]), rng))
    assert "more often than one candidate" in verdict.text and "reference_acceptance" in verdict.text


def test_a_correct_answer_still_passes_and_the_change_is_named(monkeypatch):
    monkeypatch.setattr(sl, "speedup", lambda *args: 2.0)
    verdict = ex4.grade(BREAKEVEN)
    assert verdict.passed and "`speclab.speedup`" in verdict.text


# ----------------------------------------------------------------------------- changed during the check

def _wrong_sampler(p, q, x, rng):
    """Exercise 1's rule with the wrong resampling: from p, not from the residual."""
    if rng.random() < p[x] / q[x]:
        return True, int(x)
    return False, int(rng.choice(len(p), p=p))


def _first_candidate_only(p, q, candidates, rng):
    return _wrong_sampler(p, q, int(candidates[0]), rng)


def _no_check(*args, **kwargs):
    return None


def _patching(changes, answer):
    """`answer`, after rebinding each `(module, name, value)` of `changes` at every call."""
    def learner(*args):
        for module, name, value in changes:
            setattr(module, name, value)
        return answer(*args)
    return learner


def _slow_policy(k, n):
    return min(16, k + 2) if n == k else (max(1, k - 1) if n == 0 else k)


MID_CHECK_CHEATS = {
    "ex1 require_* helpers": ("ex1", [(ex1_module, "require_rate", _no_check),
                                      (ex1_module, "require_distribution", _no_check)], _wrong_sampler,
                              "speclab.exercises.ex1_acceptance_rule.require_distribution"),
    "ex1 FALSE_ALARM": ("ex1", [(sampling, "FALSE_ALARM", 0.0)], _wrong_sampler, "sampling.FALSE_ALARM"),
    "ex1 no cases left": ("ex1", [(ex1_module, "CASES", ())], _wrong_sampler, "ex1_acceptance_rule.CASES"),
    "ex3 require_* and the floor": ("ex3", [(ex3_module, "require_distribution", _no_check),
                                            (ex3_module, "acceptance_floor", lambda *args: (0.0, ""))],
                                    _first_candidate_only, "ex3_multi_draft.acceptance_floor"),
    "ex4 breakeven_alpha": ("ex4", [(ex4_module, "breakeven_alpha", lambda *args: 0.5)], lambda c, k, g: 0.5,
                            "speclab.exercises.ex4_breakeven.breakeven_alpha"),
    "ex4 TOLERANCE": ("ex4", [(ex4_module, "TOLERANCE", 10.0)], lambda c, k, g: 0.5, "ex4_breakeven.TOLERANCE"),
    "ex4 a builtin": ("ex4", [(builtins, "abs", lambda x: 0.0)], lambda c, k, g: 0.5, "`builtins.abs`"),
    "ex4 a global shadowing a builtin": ("ex4", [(ex4_module, "abs", lambda x: 0.0)], lambda c, k, g: 0.5,
                                         "`speclab.exercises.ex4_breakeven.abs`"),
    "ex4 the guard itself": ("ex4", [(snapshot, "changes", lambda *args, **kwargs: []),
                                     (exercise_module, "_verified", lambda outcome, changed: outcome),
                                     (ex4_module, "TOLERANCE", 10.0)], lambda c, k, g: 0.5, "ex4_breakeven.TOLERANCE"),
    "ex4 the verdict's way out": ("ex4", [(json, "dumps", lambda *args, **kwargs: '["verdict", "correct", "ok"]')],
                                  lambda c, k, g: 0.5, "`json.dumps`"),
    "ex2 MIN_GAIN": ("ex2", [(ex2_module, "MIN_GAIN", 0.0)], _slow_policy, "ex2_adaptive_k.MIN_GAIN"),
    "ex5 TOLERANCE": ("ex5", [(ex5_module, "TOLERANCE", 1e9)], lambda a, k, c, r: 5.0, "ex5_breakeven_batch.TOLERANCE"),
    "ex5 exact": ("ex5", [(ex5_module, "exact", lambda *args: 5.0)], lambda a, k, c, r: 5.0,
                  "ex5_breakeven_batch.exact"),
    "ex5 roofline.breakeven_batch": ("ex5", [(roofline, "breakeven_batch", lambda *args, **kwargs: 5.0)],
                                     lambda a, k, c, r: 5.0, "`speclab.roofline.breakeven_batch`"),
}


@pytest.mark.parametrize("cheat", list(MID_CHECK_CHEATS))
def test_grading_values_changed_during_the_check_do_not_pass(cheat):
    name, changes, answer, shown = MID_CHECK_CHEATS[cheat]
    verdict = EXERCISES[name].grade(_patching(changes, answer))
    assert verdict.kind == "incorrect" and "while the check ran" in verdict.text and shown in verdict.text, verdict.text
    assert "checker itself failed" not in verdict.text


def test_ex3_under_a_zero_false_alarm_rate_gets_an_honest_verdict():
    """Even a correct rule: the statistics it would be judged by were switched off."""
    verdict = ex3.grade(_patching([(sampling, "FALSE_ALARM", 0.0)], learners_copy(ex3)))
    assert verdict.kind == "incorrect" and "`speclab.exercises._grading.sampling.FALSE_ALARM`" in verdict.text
    assert "while the check ran" in verdict.text and "checker itself failed" not in verdict.text


def test_emptying_the_case_list_during_the_check_does_not_pass():
    def right_once_then_empties(c, k, g):
        for found in gc.get_objects():
            if isinstance(found, list) and found and all(isinstance(item, Case) for item in found):
                found.clear()
        object.__setattr__(ex4, "cases", lambda: [])
        return BREAKEVEN(c, k, g) if (c, k, g) == ex4_module.TABLE[0] else 0.5
    verdict = ex4.grade(right_once_then_empties)
    assert verdict.kind == "incorrect", verdict.text
    assert "case: cost_ratio = 0.1, K = 1, verify_growth = 0.05" in verdict.text


def test_a_notebook_that_empties_an_exercises_cases_is_still_graded_in_full():
    original = ex4.cases
    object.__setattr__(ex4, "cases", lambda: [])
    try:
        verdict = ex4.grade(lambda c, k, g: 0.5)
        passing = ex4.grade(BREAKEVEN)
    finally:
        object.__setattr__(ex4, "cases", original)
    assert verdict.kind == "incorrect" and "expected: 0.1000" in verdict.text and "`ex4.cases`" in verdict.text
    assert passing.passed and "on all 16 cases" in passing.text


def test_switching_the_tripwires_off_is_caught():
    def silences(c, k, g):
        guards.learner.running = False
        return sl.breakeven_alpha(c, k, g)
    verdict = ex4.grade(silences)
    assert verdict.kind == "incorrect" and "`speclab.exercises._grading.guards.learner.running`" in verdict.text

    def unhooks(c, k, g):
        vars(speclab.theory)["__speclab_tripwire__"] = lambda key, args, kwargs: 0.5
        return sl.breakeven_alpha(c, k, g)
    verdict = ex4.grade(unhooks)
    assert verdict.kind == "incorrect" and "speclab.theory.__speclab_tripwire__" in verdict.text


def test_ex6_an_astronomical_batch_is_simply_wrong():
    verdict = ex5.grade(lambda a, k, c, r: 1e308)
    assert verdict.kind == "incorrect" and "checker itself failed" not in verdict.text
    assert "expected: 186.534" in verdict.text and "got: 1e+308" in verdict.text
    assert "Your code printed" not in verdict.text           # no RuntimeWarning either
    assert "finite batch size > 0" in ex5.grade(lambda a, k, c, r: 10**400).text


@pytest.mark.parametrize("n", [np.int64(2), np.int32(2), np.uint8(2), 2])
def test_hint_numbers_may_be_numpy_integers(n, capsys):
    ex5.hint(n)
    assert capsys.readouterr().out.startswith("Hint: (2/3)")


@pytest.mark.parametrize("n", [True, np.bool_(True), 2.0, "2", None])
def test_hint_numbers_must_be_integers(n, capsys):
    ex5.hint(n)
    assert capsys.readouterr().out.startswith("Hint: there are 3 hints")


def test_exercise_5_is_exported_in_course_order_and_its_old_name_still_imports():
    import speclab.exercises
    assert "ex5" in speclab.exercises.__all__ and speclab.exercises.ex5 is ex5_module.ex5
    assert speclab.exercises.ex6 is ex5_module.ex5 and ex5_module.ex5.name == "ex5"
    numbers = [getattr(speclab.exercises, f"ex{n}").number for n in range(1, 6)]
    assert numbers == [1, 2, 3, 4, 5]


# ----------------------------------------------------------------------------- without fork (a thread)

@pytest.fixture
def threads(monkeypatch):
    monkeypatch.setattr(isolation, "USE_FORK", False)


def _no_worker_left(seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while any(t.name == "speclab-check" and t.is_alive() for t in threading.enumerate()):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def test_thread_fallback_grades_and_catches_the_same(threads, capfd):
    assert ex4.check(BREAKEVEN) is True
    assert "called `sl.breakeven_alpha`" in ex4.grade(lambda c, k, g: sl.breakeven_alpha(c, k, g)).text
    assert "raised `KeyboardInterrupt`" in ex4.grade(lambda c, k, g: (_ for _ in ()).throw(KeyboardInterrupt)).text
    assert "own reference solution" in ex4.grade(ex4.solution_function).text
    capfd.readouterr()
    stdout = sys.stdout
    assert "Your code printed 6 characters" in ex4.grade(lambda c, k, g: print("hello") or 0.5).text
    assert sys.stdout is stdout and "hello" not in capfd.readouterr().out


def test_thread_fallback_leaves_the_library_and_global_state_as_they_were(threads, monkeypatch):
    monkeypatch.setattr(ex4_module, "TOLERANCE", 1.0)
    numpy_state = np.random.get_state()[1].copy()
    python_state = random.getstate()
    assert "Noticed" in ex4.grade(lambda c, k, g: sl.breakeven_alpha(c, k, g)).text
    assert ex4_module.TOLERANCE == 1.0
    assert sl.breakeven_alpha(0.1, 1) == pytest.approx(0.1)
    assert ex4.solution_function(0.1, 1, 0.0) == pytest.approx(0.1)
    assert np.array_equal(np.random.get_state()[1], numpy_state) and random.getstate() == python_state


def test_thread_fallback_refuses_a_change_during_the_check_and_undoes_it(threads, monkeypatch):
    monkeypatch.setattr(ex4_module, "TOLERANCE", 0.5)          # the notebook's own value, before the check
    verdict = ex4.grade(_patching([(ex4_module, "TOLERANCE", 10.0), (ex4_module, "speedup", None)],
                                  lambda c, k, g: 0.5))
    assert verdict.kind == "incorrect" and "while the check ran" in verdict.text
    assert ex4_module.TOLERANCE == 0.5 and ex4_module.speedup is speclab.theory.speedup


def test_thread_fallback_stops_an_endless_loop(threads):
    def forever(k, n):
        while True:
            pass
    verdict = ex2.grade(forever, time_limit=0.3)
    assert "timed out after 0.3 s" in verdict.text and "still running" not in verdict.text
    assert _no_worker_left()


def test_thread_fallback_says_when_a_function_refuses_to_stop(threads):
    def stubborn_for_a_while(c, k, g):
        end = time.monotonic() + 2.0
        while time.monotonic() < end:       # ignores the stop request, then ends by itself
            try:
                time.sleep(0.01)
            except BaseException:  # noqa: BLE001
                pass
        return 0.5
    verdict = ex4.grade(stubborn_for_a_while, time_limit=0.3)
    assert "timed out" in verdict.text and "still running in the background" in verdict.text
    assert _no_worker_left()


# ----------------------------------------------------------------------------- in a real kernel

def test_nothing_reaches_a_real_notebook():
    """In Jupyter, a forked child could still print through the kernel: the check cuts it off."""
    import nbformat
    from nbclient import NotebookClient

    hostile = '''
import os, sys, logging
from IPython.display import HTML, display
from speclab.exercises import ex4

def hostile(c, k, g):
    print("PRINTED")
    sys.stderr.write("STDERR")
    os.write(1, b"FDWRITE")
    display(HTML("<b>DISPLAYED</b>"))
    logging.getLogger().error("LOGGED")
    while True:
        try:
            print("LOOP")
        except BaseException:
            pass

ex4.check(hostile, time_limit=1)'''
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(hostile), nbformat.v4.new_code_cell("print('next cell')")]
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    first, second = (cell.outputs for cell in nb.cells)
    shown = [output.get("data", {}).get("text/markdown", "") for output in first]
    assert [output.output_type for output in first] == ["display_data", "execute_result"]
    assert first[1]["data"]["text/plain"] == "False"
    assert shown[0].startswith('<span style="color:#cc3333">**Incorrect:**</span> timed out after 1 s')
    assert [output.get("text") for output in second] == ["next cell\n"]


def test_ex3_forbids_the_packages_tree_verification_where_it_exists(monkeypatch):
    trees = types.ModuleType("speclab.trees.verification")
    exec("def verify_tree(p, q, tree, rng):\n    return None\n\ndef _helper():\n    return None", vars(trees))
    monkeypatch.setitem(sys.modules, "speclab.trees.verification", trees)
    assert [label for label, _ in ex3_module._tree_functions()] == ["speclab.trees.verify_tree"]
    monkeypatch.setitem(sys.modules, "speclab.trees.verification", None)      # absent: nothing to forbid
    assert ex3_module._tree_functions() == ()


def test_garbage_written_to_the_checkers_pipe_is_ignored(monkeypatch):
    pipes = []

    def recorded_pipe():
        pipes.append(real_pipe())
        return pipes[-1]
    real_pipe = os.pipe
    monkeypatch.setattr(os, "pipe", recorded_pipe)

    def scribbles(c, k, g):        # writes only to the check's own pipe, found through os.pipe
        os.write(pipes[-1][1], b'garbage\n{"not": "ours"}\n["verdict", "bogus kind", 3]\n[1, 2]\n')
        return 0.5
    verdict = ex4.grade(scribbles)
    assert verdict.kind == "incorrect" and "expected: 0.1000" in verdict.text


def test_when_fork_fails_the_check_runs_in_a_thread(monkeypatch):
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")
    monkeypatch.setattr(os, "fork", no_fork)
    assert ex4.grade(BREAKEVEN).passed
    assert "called `sl.breakeven_alpha`" in ex4.grade(lambda c, k, g: sl.breakeven_alpha(c, k, g)).text


def test_tripwires_leave_no_trace_once_disarmed():
    from speclab.exercises._grading import guards
    code = speclab.theory.breakeven_alpha.__code__
    guards.learner.forbidden_calls.clear()
    with guards.tripwires([("sl.breakeven_alpha", speclab.theory.breakeven_alpha)]):
        assert speclab.theory.breakeven_alpha.__code__ is not code
        assert sl.breakeven_alpha(0.1, 1) == pytest.approx(0.1)       # the checker's own calls go through
        guards.learner.running = True
        try:
            with pytest.raises(guards.ForbiddenCallSignal):
                sl.breakeven_alpha(0.1, 1)
        finally:
            guards.learner.running = False
    assert guards.learner.forbidden_calls == ["sl.breakeven_alpha"]
    guards.learner.forbidden_calls.clear()
    assert speclab.theory.breakeven_alpha.__code__ is code and "__speclab_tripwire__" not in vars(speclab.theory)
