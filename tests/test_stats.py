"""The chi-square test without scipy agrees with scipy, and rejects impossible tokens."""

import numpy as np
import pytest
from scipy import stats

import speclab as sl
from speclab.stats import chi_square_sf


@pytest.mark.parametrize("x, dof", [(0.5, 1), (3, 2), (10, 5), (100, 99), (150, 99), (400, 99), (30, 3), (1e-3, 50)])
def test_survival_function_matches_scipy(x, dof):
    assert chi_square_sf(x, dof) == pytest.approx(stats.chi2.sf(x, dof), rel=1e-9, abs=1e-300)


def test_test_statistic_matches_scipy():
    counts = np.array([30, 50, 20])
    probs = np.array([0.25, 0.5, 0.25])
    stat, p_value = sl.chi_square_test(counts, probs)
    ref = stats.chisquare(counts, probs * counts.sum())
    assert stat == pytest.approx(ref.statistic) and p_value == pytest.approx(ref.pvalue)


def test_impossible_category_gives_p_value_zero():
    assert sl.chi_square_test([5, 5, 1], [0.5, 0.5, 0.0])[1] == 0.0
    assert sl.chi_square_test([5, 5, 0], [0.5, 0.5, 0.0])[1] == pytest.approx(1.0)
