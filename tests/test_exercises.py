"""The graded exercises: a correct answer passes, plausible wrong answers fail, checks never raise.

Hostile learner code (exceptions, prints, loops, crashes) and cheats are in test_exercises_hostile.py.
"""

import numpy as np
import pytest

import speclab as sl
from speclab.exercises import ex1, ex2, ex3, ex4, ex5
from speclab.exercises._grading import feedback as feedback_module
from speclab.verify import residual

EXERCISES = {"ex1": ex1, "ex2": ex2, "ex3": ex3, "ex4": ex4, "ex5": ex5}
#: The exercises of notebook 11 (exercise 6 lives in notebook 06).
NOTEBOOK_10 = ("ex1", "ex2", "ex3", "ex4")


def grade(exercise, fn, **kwargs):
    return exercise.grade(fn, **kwargs)


def learners_copy(exercise):
    """The reference solution as a learner would have it: its shown source, run in the notebook."""
    namespace = {}
    exec(exercise.solution_source(), namespace)
    return namespace[exercise.function_name]


# ----------------------------------------------------------------------------- reference solutions

@pytest.mark.parametrize("name", list(EXERCISES))
def test_reference_solution_passes(name, capsys):
    assert EXERCISES[name].check(learners_copy(EXERCISES[name])) is True
    assert capsys.readouterr().out.startswith("Correct:")


def test_verdict_is_deterministic():
    assert grade(ex4, lambda c, k, g: 0.5) == grade(ex4, lambda c, k, g: 0.5)
    assert grade(ex2, learners_copy(ex2)) == grade(ex2, learners_copy(ex2))


# ----------------------------------------------------------------------------- ex1 wrong answers

def _accept(p, q, x, rng):
    return rng.random() < p[x] / q[x]


def ex1_resample_from_p(p, q, x, rng):
    if _accept(p, q, x, rng):
        return True, int(x)
    return False, int(rng.choice(len(p), p=p))


def ex1_accept_when_q_above_p(p, q, x, rng):
    if q[x] > p[x]:
        return True, int(x)
    return False, int(rng.choice(len(p), p=residual(p, q)))


def ex1_accept_with_probability_p(p, q, x, rng):
    if rng.random() < p[x]:
        return True, int(x)
    return False, int(rng.choice(len(p), p=residual(p, q)))


def ex1_argmax_of_residual(p, q, x, rng):
    if _accept(p, q, x, rng):
        return True, int(x)
    return False, int(np.argmax(p - q))


def ex1_residual_the_wrong_way(p, q, x, rng):
    if _accept(p, q, x, rng):
        return True, int(x)
    r = np.maximum(q - p, 0)
    return False, int(rng.choice(len(p), p=r / r.sum()))


def ex1_accept_deterministically_when_p_at_least_q(p, q, x, rng):
    if p[x] >= q[x]:
        return True, int(x)
    return False, int(rng.choice(len(p), p=residual(p, q)))


def ex1_rejected_but_returns_x(p, q, x, rng):
    return bool(_accept(p, q, x, rng)), int(x)


@pytest.mark.parametrize("wrong", [
    ex1_resample_from_p, ex1_accept_when_q_above_p, ex1_accept_with_probability_p, ex1_argmax_of_residual,
    ex1_residual_the_wrong_way, ex1_accept_deterministically_when_p_at_least_q, ex1_rejected_but_returns_x,
])
def test_ex1_catches_wrong_rule(wrong):
    verdict = grade(ex1, wrong)
    assert verdict.kind == "incorrect" and "case:" in verdict.text


def test_ex1_reports_a_token_other_than_x_after_acceptance():
    def accepts_but_swaps(p, q, x, rng):
        return True, (int(x) + 1) % len(p)
    verdict = grade(ex1, accepts_but_swaps)
    assert "when accepted" in verdict.text and "accept_or_resample(p=" in verdict.text


def ex1_other_correct(p, q, x, rng):
    """A correct rule with different randomness: u * q < p and an inverse-CDF residual draw."""
    u, v = rng.random(2)
    if u * q[x] < p[x]:
        return np.bool_(True), np.int64(x)
    cdf = np.cumsum(np.maximum(p - q, 0.0))
    return np.bool_(False), np.int64(min(np.searchsorted(cdf, v * cdf[-1], side="right"), len(p) - 1))


def test_ex1_passes_another_correct_rule():
    assert grade(ex1, ex1_other_correct).passed



# ----------------------------------------------------------------------------- ex2 wrong answers

@pytest.mark.parametrize("wrong, message", [
    (lambda k, n: min(16, k + 2) if n == k else k, "shrinks"),                     # never shrinks
    (lambda k, n: k + 1 if n == k else k - 1, "1..16"),                           # returns 0 (and 17)
    (lambda k, n: 16, "shrinks"),                                                 # always 16
    (lambda k, n: 4, "grows"),                                                    # fixed K = 4
    (lambda k, n: max(1, k - 1) if n == k else min(16, k + 2), "grows"),          # growing and shrinking swapped
    (lambda k, n: max(1, k - 1) if n == 0 else min(16, k + 4), "beats the best fixed K"),  # grows on partials
    (lambda k, n: 16 if n == k else max(1, k - 1), "beats the best fixed K"),     # jumps straight to 16
    (lambda k, n: min(16, k + 2) if n == k else (max(1, k - 1) if n == 0 else k), "beats the best fixed K"),
    (lambda k, n: min(16, k + 1) if n > 0 else max(1, k - 1), "beats the best fixed K"),  # grows on any accept
    (lambda k, n: float(min(16, k + 1)) if n == k else float(max(1, k - 1)), "float"),
])
def test_ex2_catches_bad_policy(wrong, message):
    verdict = grade(ex2, wrong)
    assert verdict.kind == "incorrect" and message in verdict.text


def test_ex2_reports_the_best_fixed_k_it_was_held_to():
    verdict = grade(ex2, lambda k, n: min(16, k + 2) if n == k else (max(1, k - 1) if n == 0 else k))
    assert "the best fixed K's (K = 3: 1.618×)" in verdict.text and "-2.7% against K = 3" in verdict.text


def test_ex2_catches_a_policy_with_state():
    calls = []

    def remembers(k, n):
        calls.append(1)
        return min(16, k + 2) if n == k else max(1, k - 1 - (len(calls) > 200))  # drifts over time
    assert "the same inputs give the same answer" in grade(ex2, remembers).text


@pytest.mark.parametrize("good", [
    lambda k, n: min(16, 2 * k) if n == k else max(1, k // 2),                     # double / halve
    lambda k, n: np.int64(min(16, max(1, n + 1))),                                 # n_accepted + 1
    lambda k, n: max(1, min(16, k + 1 if n == k else k - 1)),                      # grow 1 / shrink 1
    lambda k, n: max(1, min(16, k + 2 if n == k else k - 1)),                      # sl.AdaptiveK's default
])
def test_ex2_accepts_other_sensible_policies(good):
    verdict = grade(ex2, good)
    assert verdict.passed, verdict.text
    assert "against the best fixed K = 3 (1.618×)" in verdict.text


# ----------------------------------------------------------------------------- ex3 wrong answers

accept_or_resample = learners_copy(ex1)   # the learner's own exercise-1 rule, reused in exercise 3

def ex3_first_candidate_only(p, q, candidates, rng):
    return accept_or_resample(p, q, int(candidates[0]), rng)


def ex3_largest_ratio(p, q, candidates, rng):
    x = int(max(candidates, key=lambda t: p[t] / q[t]))
    return accept_or_resample(p, q, x, rng)


def ex3_residual_not_updated(p, q, candidates, rng):
    for x in candidates:
        if rng.random() < p[x] / q[x]:
            return True, int(x)
    return False, int(rng.choice(len(p), p=residual(p, q)))


def ex3_fallback_from_p(p, q, candidates, rng):
    target = p
    for x in candidates:
        if rng.random() < target[x] / q[x]:
            return True, int(x)
        target = residual(target, q)
    return False, int(rng.choice(len(p), p=p))


def ex3_argmax_bonus(p, q, candidates, rng):
    target = p
    for x in candidates:
        if rng.random() < target[x] / q[x]:
            return True, int(x)
        target = residual(target, q)
    return False, int(np.argmax(target))


def ex3_accept_any_candidate_the_target_likes_more(p, q, candidates, rng):
    for x in candidates:
        if p[x] >= q[x]:
            return True, int(x)
    return False, int(rng.choice(len(p), p=residual(p, q)))


@pytest.mark.parametrize("wrong, message", [
    (ex3_first_candidate_only, "more often than one candidate"),
    (ex3_largest_ratio, "distributed as p"),
    (ex3_residual_not_updated, "distributed as p"),
    (ex3_fallback_from_p, "distributed as p"),
    (ex3_argmax_bonus, "distributed as p"),
    (ex3_accept_any_candidate_the_target_likes_more, "distributed as p"),
])
def test_ex3_catches_wrong_verifier(wrong, message):
    verdict = grade(ex3, wrong)
    assert verdict.kind == "incorrect" and message in verdict.text


def test_ex3_reports_an_accepted_token_that_is_no_candidate():
    verdict = grade(ex3, lambda p, q, c, rng: (True, int(np.argmax(p))))
    assert "one of the candidates" in verdict.text


# ----------------------------------------------------------------------------- ex4 wrong answers

def _bisect(condition):
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if condition(mid) else (lo, mid)
    return hi


def _with_nan_when_none(search):
    """A learner's search plus the right nan when even alpha = 1 loses, so only the search is wrong."""
    return lambda c, k, g: float("nan") if sl.speedup(1.0, k, c, g) < 1 else search(c, k, g)


@pytest.mark.parametrize("wrong", [
    # ignores verification growth: notebook 03's break-even
    _with_nan_when_none(lambda c, k, g: _bisect(lambda a: sl.speedup(a, k, c) < 1)),
    # growth counted once per round instead of once per draft: 1 + g instead of 1 + g*K
    _with_nan_when_none(lambda c, k, g: _bisect(lambda a: sl.expected_tokens(a, k) / (k * c + 1 + g) < 1)),
    # forgets the bonus token: alpha + ... + alpha^K tokens per round instead of 1 + ... + alpha^K
    _with_nan_when_none(lambda c, k, g: _bisect(
        lambda a: sum(a**i for i in range(1, k + 1)) / (k * c + 1 + g * k) < 1)),
    # the right search, but 1.0 instead of nan when no alpha breaks even
    lambda c, k, g: _bisect(lambda a: sl.speedup(a, k, c, g) < 1),
    # nan whenever speculating does not clearly win
    lambda c, k, g: float("nan") if sl.speedup(1.0, k, c, g) < 1.5 else _bisect(lambda a: sl.speedup(a, k, c, g) < 1),
    lambda c, k, g: c + g,                                                # K = 1's answer for every K
    _with_nan_when_none(lambda c, k, g: next(float(a) for a in np.linspace(0, 1, 101)
                                             if sl.speedup(a, k, c, g) >= 1)),   # coarse grid
    lambda c, k, g: 0.0,                                                  # ignores the costs
])
def test_ex4_catches_wrong_breakeven(wrong):
    verdict = grade(ex4, wrong)
    assert verdict.kind == "incorrect" and "expected:" in verdict.text


def test_ex4_names_the_missing_nan():
    verdict = grade(ex4, lambda c, k, g: _bisect(lambda a: sl.speedup(a, k, c, g) < 1))
    assert "expected: `nan`: even at alpha = 1" in verdict.text and "verify_growth = 0.7" in verdict.text


def test_ex4_accepts_a_root_finder_from_scipy():
    from scipy.optimize import brentq

    def with_brentq(c, k, g):
        gap = lambda a: sl.speedup(a, k, c, g) - 1.0  # noqa: E731
        if gap(1.0) < 0:
            return float("nan")
        return 0.0 if gap(0.0) >= 0 else brentq(gap, 0.0, 1.0, xtol=1e-12)
    assert grade(ex4, with_brentq).passed


# ----------------------------------------------------------------------------- checks never raise

def _forever(*args):
    while True:
        pass


def _raises(*args):
    raise ValueError("boom")


def _returns_none(*args):
    return None


def _returns_nan(*args):
    return float("nan")


def _returns_string(*args):
    return "4"


@pytest.mark.parametrize("name", list(EXERCISES))
@pytest.mark.parametrize("fn, expected", [
    (_raises, "raised `ValueError: boom`"),
    (_returns_none, "`None`"),
    (_returns_nan, "`nan`"),
    (_returns_string, "'4'"),
    (lambda *args: (_ for _ in ()).throw(KeyError("k")), "raised `KeyError"),
])
def test_bad_behaviour_becomes_feedback(name, fn, expected):
    exercise = EXERCISES[name]
    learner = lambda *args: fn(*args)  # noqa: E731  (variadic fits every signature)
    verdict = exercise.grade(learner)
    assert verdict.kind == "incorrect"
    assert expected in verdict.text


@pytest.mark.parametrize("name", list(EXERCISES))
def test_endless_loop_times_out(name):
    verdict = EXERCISES[name].grade(lambda *args: _forever(), time_limit=0.3)
    assert "timed out after 0.3 s on case:" in verdict.text


@pytest.mark.parametrize("name", list(EXERCISES))
def test_untouched_stub_is_not_attempted(name, capsys):
    exercise = EXERCISES[name]
    assert exercise.check(exercise.stub_function()) is False
    assert capsys.readouterr().out.startswith("Not attempted yet:")


@pytest.mark.parametrize("name", list(EXERCISES))
@pytest.mark.parametrize("not_a_function, expected", [
    (None, "pass your function"), (42, "check expects your function"), (lambda: 0, "exactly the arguments"),
    ("accept_or_resample", "check expects your function"),
])
def test_wrong_argument_to_check_becomes_feedback(name, not_a_function, expected):
    assert expected in EXERCISES[name].grade(not_a_function).text


def test_mutating_p_is_reported():
    def zeroes_p(p, q, x, rng):
        p[x] = 0.0
        return True, int(x)
    verdict = grade(ex1, zeroes_p)
    assert "changed its input `p` in place" in verdict.text


def test_mutating_candidates_is_reported():
    verify_multi = learners_copy(ex3)

    def sorts_candidates(p, q, candidates, rng):
        candidates.sort()
        return verify_multi(p, q, candidates, rng)
    assert "changed its input `candidates` in place" in grade(ex3, sorts_candidates).text


@pytest.mark.parametrize("value, expected", [
    ((1, 0), "`accepted` must be `True` or `False`"),
    ((True, 2.0), "`token` must be an int"),
    ((False, 99), "outside the vocabulary"),
    ([True], "pair `(accepted, token)`"),
])
def test_ex1_wrong_return_types_are_named(value, expected):
    assert expected in grade(ex1, lambda p, q, x, rng: value).text


def test_ex4_out_of_range_and_bool_are_named():
    assert "outside [0, 1]" in grade(ex4, lambda c, k, g: 1.5).text
    assert "(bool)" in grade(ex4, lambda c, k, g: True).text


NASTY_RETURNS = [
    None, float("nan"), float("inf"), -1, 10**400, 2**63, "x", b"", [], (), (True,), (True, 1, 2), {}, object(),
    np.array([True, 1]), np.array(0.5), np.float32("nan"), (np.nan, 1), (True, np.nan), (None, None),
    (True, -1), (False, 10**400), (np.array([True]), 0), 1j, (True, 1.5), True, 3.0, np.int8(-3),
]


@pytest.mark.parametrize("name", list(EXERCISES))
@pytest.mark.parametrize("value", NASTY_RETURNS, ids=repr)
def test_any_return_value_gets_feedback_never_a_traceback(name, value):
    verdict = EXERCISES[name].grade(lambda *args: value, time_limit=5)
    assert verdict.kind == "incorrect" and "checker itself failed" not in verdict.text


# ----------------------------------------------------------------------------- hints, solutions, display

@pytest.mark.parametrize("name", list(EXERCISES))
def test_hints_are_progressive_and_bounded(name, capsys):
    exercise = EXERCISES[name]
    exercise.hint()
    first = capsys.readouterr().out
    assert first.startswith("Hint: (1/") and f"{name}.hint(2)" in first
    exercise.hint(len(exercise.hints))
    assert f"({len(exercise.hints)}/{len(exercise.hints)})" in capsys.readouterr().out
    exercise.hint(99)
    assert "there are" in capsys.readouterr().out


@pytest.mark.parametrize("name", list(EXERCISES))
def test_solution_shows_code_that_defines_the_function(name, capsys):
    exercise = EXERCISES[name]
    exercise.solution()
    out = capsys.readouterr().out
    assert out.startswith("Solution:") and f"def {exercise.function_name}(" in out
    namespace = {}
    exec(exercise.solution_source(), namespace)   # the shown code runs and passes as it is
    assert exercise.grade(namespace[exercise.function_name]).passed


@pytest.mark.parametrize("name", list(EXERCISES))
def test_task_and_stub_are_shown(name):
    exercise = EXERCISES[name]
    assert exercise._repr_markdown_().startswith(f"### Exercise {exercise.number}")
    assert f"def {exercise.function_name}(" in exercise.stub and "NotImplementedError" in exercise.stub


def test_feedback_is_coloured_markdown_in_ipython(monkeypatch):
    shown = []
    monkeypatch.setattr(feedback_module, "in_ipython", lambda: True)
    monkeypatch.setattr("IPython.display.display", shown.append)
    assert ex4.check(ex4.stub_function()) is False
    markdown = shown[0]._repr_markdown_()
    assert markdown.startswith('<span style="color:#8a6a00">**Not attempted yet:**</span>')
    assert repr(shown[0]).startswith("Not attempted yet:")


def test_committed_notebook_holds_the_current_stubs_untouched():
    import nbformat
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "notebooks" / "11_exercises.ipynb"
    sources = [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    for name in NOTEBOOK_10:
        exercise = EXERCISES[name]
        assert exercise.stub.strip() in sources, f"rebuild the notebook: {name}'s stub changed"
        assert any(f"{name}.check({exercise.function_name})" in source for source in sources)


def _contrast_on_white(hex_colour: str) -> float:
    """WCAG 2 contrast ratio of a colour against white."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_every_feedback_colour_is_readable_on_white():
    from speclab.exercises._grading.feedback import _COLOURS

    assert min(_contrast_on_white(colour) for colour in _COLOURS.values()) >= 4.5

