"""Exercise 6 (notebook 06): the reference passes, plausible mistakes fail, bad returns are named."""

import math

import pytest

import speclab as sl
from speclab.exercises.ex6_breakeven_batch import breakeven_batch, ex6


def test_reference_solution_passes():
    feedback = ex6.grade(breakeven_batch)
    assert feedback.passed, feedback.text


def test_stub_reads_not_attempted():
    feedback = ex6.grade(ex6.stub_function())
    assert not feedback.passed and "NotImplementedError" in feedback.text


@pytest.mark.parametrize("wrong", [
    lambda a, k, c, r: sl.expected_tokens(a, k) * r / (k + 1),                    # forgot the drafts' cost
    lambda a, k, c, r: r / (k + 1),                                                # where it turns compute-bound
    lambda a, k, c, r: (sl.expected_tokens(a, k) - 1 - k * c) * r / (k + 1),     # forgot the bonus token
    lambda a, k, c, r: (sl.expected_tokens(a, k) - k * c) * r / k,                # K tokens per pass, not K+1
])
def test_plausible_mistakes_fail(wrong):
    feedback = ex6.grade(wrong)
    assert not feedback.passed and "speedup" in feedback.text


@pytest.mark.parametrize("value, words", [(None, "None"), (True, "bool"), (math.nan, "finite"), (-3.0, "> 0")])
def test_bad_returns_are_named(value, words):
    feedback = ex6.grade(lambda a, k, c, r: value)
    assert not feedback.passed and words in feedback.text


def test_solution_shows_the_learners_function_name():
    assert "def breakeven_batch(alpha, K, cost_ratio, ridge_tokens):" in ex6.solution_source()
