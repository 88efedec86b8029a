"""The chi-square test: its statistic agrees with scipy, its p-values are calibrated, impossible tokens fail."""

import numpy as np
import pytest
from scipy import stats

import speclab as sl
from speclab.stats import chi_square_sf


def test_p_values_are_calibrated_and_a_wrong_distribution_is_rejected():
    # Under the null, P(p < 0.05) = 0.05: 2,000 seeded tests land within 0.05 +- 0.02 (about 4 sigma).
    rng = np.random.default_rng(0)
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    p_values = [sl.chi_square_test(rng.multinomial(500, probs), probs)[1] for _ in range(2000)]
    assert 0.03 < np.mean(np.array(p_values) < 0.05) < 0.07
    wrong = rng.multinomial(5000, [0.15, 0.2, 0.3, 0.35])
    assert sl.chi_square_test(wrong, probs)[1] < 1e-6


def test_survival_function_refuses_no_freedom():
    assert chi_square_sf(3.0, 2) == pytest.approx(np.exp(-1.5))      # chi-square with 2 df is Exp(1/2)
    with pytest.raises(ValueError, match="df"):
        chi_square_sf(1.0, 0)


def test_test_statistic_matches_scipy():
    counts = np.array([30, 50, 20])
    probs = np.array([0.25, 0.5, 0.25])
    stat, p_value = sl.chi_square_test(counts, probs)
    ref = stats.chisquare(counts, probs * counts.sum())
    assert stat == pytest.approx(ref.statistic) and p_value == pytest.approx(ref.pvalue)


def test_impossible_category_gives_p_value_zero():
    assert sl.chi_square_test([5, 5, 1], [0.5, 0.5, 0.0])[1] == 0.0
    assert sl.chi_square_test([5, 5, 0], [0.5, 0.5, 0.0])[1] == pytest.approx(1.0)
