"""Statistical verdicts on a learner's sampler: acceptance frequency and output distribution.

Sizing. A correct answer must fail a check with probability below 1e-6. Every test here fails a
correct answer with probability at most FALSE_ALARM = 1e-9, and one check runs at most
MAX_TESTS_PER_CHECK = 30 of them, so by the union bound a correct answer fails a check with
probability at most 3e-8. The remaining factor of 30 below 1e-6 absorbs the error of the
chi-square (normal) approximation in the far tail; the cases keep it small by making every
possible cell's expected count at least MIN_EXPECTED_COUNT (tests/test_exercises_design.py
checks that for every case table). One-sided rate limits use the Chernoff bound instead, which
needs no approximation. A wrong answer, by contrast, shifts some cell by several
percent, i.e. by tens of standard deviations at these sample sizes, and is caught for sure.
"""

from __future__ import annotations

import math

import numpy as np

from ...stats import chi_square_test
from ...verify import sample_categorical
from .formatting import vector
from .outcomes import WrongAnswer

FALSE_ALARM = 1e-9
MAX_TESTS_PER_CHECK = 30
MIN_EXPECTED_COUNT = 500


def draw(probs, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` i.i.d. token ids from the probability vector `probs` (the core's sampler)."""
    probs = np.asarray(probs, dtype=np.float64)
    return sample_categorical(np.broadcast_to(probs, (size, len(probs))), rng.random(size))


def frequencies(tokens, vocab_size: int) -> np.ndarray:
    """Empirical distribution of `tokens` over 0..vocab_size-1 (zeros when there are none)."""
    counts = np.bincount(np.asarray(tokens, dtype=np.int64), minlength=vocab_size)
    return counts / max(counts.sum(), 1)


def rate_differs(count: int, total: int, rate: float) -> bool:
    """Two-sided test that `count` successes in `total` trials came from probability `rate`."""
    _, p_value = chi_square_test([count, total - count], [rate, 1.0 - rate])
    return p_value < FALSE_ALARM


def distribution_differs(tokens, probs) -> tuple:
    """Chi-square test that `tokens` were drawn from `probs`; returns (differs, p_value)."""
    counts = np.bincount(np.asarray(tokens, dtype=np.int64), minlength=len(probs))
    _, p_value = chi_square_test(counts, probs)
    return p_value < FALSE_ALARM, p_value


def lower_limit(rate: float, total: int) -> float:
    """The rate below which a sampler with success probability `rate` falls, over `total`
    trials, with probability at most FALSE_ALARM.

    Chernoff: P(observed <= a) <= exp(-total * KL(a || rate)) for a < rate, exact for any
    `total` (no normal approximation, which is too optimistic near 0 or 1).
    """
    if rate <= 0.0:
        return 0.0
    budget = -math.log(FALSE_ALARM) / total
    low, high = 0.0, rate
    if bernoulli_kl(low, rate) <= budget:
        return 0.0
    for _ in range(100):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if bernoulli_kl(mid, rate) > budget else (low, mid)
    return low


def bernoulli_kl(a: float, b: float) -> float:
    """KL(Bernoulli(a) || Bernoulli(b)), the exponent of the Chernoff bound."""
    def term(x, y):
        return 0.0 if x == 0.0 else (math.inf if y == 0.0 else x * math.log(x / y))
    return term(a, b) + term(1.0 - a, 1.0 - b)


def require_rate(count: int, total: int, rate: float, case: str, inputs: str, why: str, advice: str = "") -> None:
    """Raise WrongAnswer unless `count` of `total` is consistent with probability `rate`."""
    if rate_differs(count, total, rate):
        raise WrongAnswer(case, inputs, f"accepted with probability {why} = {rate:.3f}",
                          f"accepted {count} of {total} drafts ({count / total:.3f})", advice)


def require_distribution(tokens, probs, case: str, inputs: str, advice: str = "") -> None:
    """Raise WrongAnswer unless `tokens` look like draws from the target `probs`."""
    differs, p_value = distribution_differs(tokens, probs)
    if differs:
        raise WrongAnswer(case, inputs, f"emitted tokens distributed as p = {vector(probs)}",
                          f"frequencies {vector(frequencies(tokens, len(probs)))} over {len(tokens)} draws "
                          f"(chi-square p-value {p_value:.1e})", advice)
