"""Exercise 6 (notebook 06): the reference passes, plausible mistakes fail, bad returns are named."""

import math

import pytest

import speclab as sl
from speclab.exercises.ex5_breakeven_batch import breakeven_batch, ex5


def learners_copy():
    """The reference solution as a learner would have it: its shown source, run in the notebook."""
    namespace = {}
    exec(ex5.solution_source(), namespace)
    return namespace["breakeven_batch"]


def test_reference_solution_passes():
    feedback = ex5.grade(learners_copy())
    assert feedback.passed, feedback.text


def test_submitting_the_solution_function_itself_is_refused():
    assert not ex5.grade(breakeven_batch).passed


def test_a_call_into_the_library_answer_is_caught():
    from speclab import roofline

    def calls_the_library(alpha, K, cost_ratio, ridge_tokens):
        roofline.breakeven_batch(alpha, K, cost_ratio, 7e9, 3.35e12, 989e12)
        return learners_copy()(alpha, K, cost_ratio, ridge_tokens)

    feedback = ex5.grade(calls_the_library)
    assert not feedback.passed and "speclab.roofline.breakeven_batch" in feedback.text


def test_stub_reads_not_attempted():
    feedback = ex5.grade(ex5.stub_function())
    assert not feedback.passed and "NotImplementedError" in feedback.text


@pytest.mark.parametrize("wrong", [
    lambda a, k, c, r: sl.expected_tokens(a, k) * r / (k + 1),                    # forgot the drafts' cost
    lambda a, k, c, r: r / (k + 1),                                                # where it turns compute-bound
    lambda a, k, c, r: (sl.expected_tokens(a, k) - 1 - k * c) * r / (k + 1),     # forgot the bonus token
    lambda a, k, c, r: (sl.expected_tokens(a, k) - k * c) * r / k,                # K tokens per pass, not K+1
])
def test_plausible_mistakes_fail(wrong):
    feedback = ex5.grade(wrong)
    assert not feedback.passed and "speedup" in feedback.text


@pytest.mark.parametrize("value, words", [(None, "None"), (True, "bool"), (math.nan, "finite"), (-3.0, "> 0")])
def test_bad_returns_are_named(value, words):
    feedback = ex5.grade(lambda a, k, c, r: value)
    assert not feedback.passed and words in feedback.text


def test_solution_shows_the_learners_function_name():
    assert "def breakeven_batch(alpha, K, cost_ratio, ridge_tokens):" in ex5.solution_source()
