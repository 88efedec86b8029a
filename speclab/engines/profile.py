"""Fit a chain's per-position acceptance from its counters, test the i.i.d. model, and pick k.

Position i (1-based depth) is tried in every round whose drafts 1..i-1 were all accepted, so its
conditional rate r_i = per_pos[i] / per_pos[i-1] (per_pos[0] = drafts) is a binomial proportion,
given a Wilson interval. The i.i.d. model (one alpha at every depth) has the maximum-likelihood
alpha = all acceptances / all tries; a likelihood-ratio test against a free rate per depth
(chi-square, k - 1 degrees of freedom) says how far the counts are from it. The best k then uses
the measured rates themselves (speclab.measured_k), not the fitted alpha.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from .. import measured_k, theory
from .._validate import as_nonnegative, as_real_in
from ..stats import wilson_interval
from .counters import ChainCounters


@dataclass(frozen=True)
class ProfileFit:
    """Per-depth acceptance with intervals, the i.i.d. fit and its test, and the best k."""

    k: int
    drafts: int
    mean_acceptance_length: float
    tries: np.ndarray            # rounds that reached depth i (drafts, per_pos[0], ...)
    accepted: np.ndarray         # rounds that accepted depth i (per_pos)
    conditional: np.ndarray      # r_i = accepted / tries (nan where nothing reached depth i)
    low: np.ndarray              # Wilson interval of r_i at `confidence`
    high: np.ndarray
    unconditional: np.ndarray    # per_pos[i] / drafts: P(drafts 1..i all accepted)
    confidence: float
    alpha: float                 # the i.i.d. alpha that best fits (maximum likelihood)
    alpha_low: float
    alpha_high: float
    lr_statistic: float
    p_value: float               # of the i.i.d. model against a free rate per depth
    max_deviation: float         # largest |r_i - alpha|
    max_deviation_depth: int
    cost: float
    verify_growth: float
    speedups: np.ndarray         # expected speedup for k = 0..k under the measured rates
    best_k: int
    speedup: float
    iid_best_k: int              # what the fitted alpha alone would pick (k <= the measured depth)
    short_drafts: bool           # some rounds drafted fewer than k tokens
    summed: str = ""             # which series the counts add up (one per engine), or ''

    def to_dict(self) -> dict:
        """The JSON view: plain numbers and lists (NaN as None)."""
        def clean(x):
            arr = np.asarray(x, dtype=float)
            values = [None if np.isnan(v) else float(v) for v in arr.ravel()]
            return values if arr.ndim else values[0]
        return {
            "alpha": self.alpha, "best_k": self.best_k, "speedup": self.speedup, "k": self.k,
            "drafts": self.drafts, "mean_acceptance_length": self.mean_acceptance_length,
            "conditional": clean(self.conditional), "low": clean(self.low), "high": clean(self.high),
            "unconditional": clean(self.unconditional), "confidence": self.confidence,
            "alpha_interval": [self.alpha_low, self.alpha_high], "iid_p_value": self.p_value,
            "max_deviation": self.max_deviation, "max_deviation_depth": self.max_deviation_depth,
            "speedup_at_k": float(self.speedups[self.k]), "iid_best_k": self.iid_best_k,
            "cost": self.cost, "verify_growth": self.verify_growth, "short_drafts": self.short_drafts,
            "summed": self.summed,
        }


def fit_profile(counters: ChainCounters, cost=0.05, verify_growth=0.0, confidence=0.95) -> ProfileFit:
    """Fit `counters` (one window of a chain's counts) and choose k for draft cost c and growth g."""
    if not isinstance(counters, ChainCounters):
        raise TypeError(f"counters must be ChainCounters; got {type(counters).__name__}")
    if counters.drafts == 0:
        raise ValueError(f"{counters.source}: zero drafts counted (in this window), nothing to fit; "
                         "scrape again after speculative requests have run")
    cost = as_nonnegative(cost, "cost", scalar=True)
    growth = as_nonnegative(verify_growth, "verify_growth", scalar=True)
    confidence = as_real_in(confidence, "confidence", 0.5, 0.999999)
    accepted = np.array(counters.accepted_per_position, dtype=float)
    tries = np.concatenate([[counters.drafts], accepted[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        conditional = np.where(tries > 0, accepted / np.maximum(tries, 1), np.nan)
    low, high = _wilson(accepted, tries, confidence)
    alpha = float(accepted.sum() / tries.sum())
    alpha_low, alpha_high = _wilson(np.array([accepted.sum()]), np.array([tries.sum()]), confidence)
    statistic, p_value = _iid_test(accepted, tries, alpha)
    deviation = np.where(tries > 0, np.abs(conditional - alpha), -1.0)
    depth = int(np.argmax(deviation))
    with np.errstate(over="ignore"):        # a cost beyond float range: speedup 0, k = 0, correctly
        pass_costs = np.minimum(1.0 + growth * np.arange(counters.k + 1), np.finfo(float).max)
        gains = measured_k.speedups(np.nan_to_num(conditional), cost, pass_costs)
        best = measured_k.best_k(np.nan_to_num(conditional), cost, pass_costs)
        iid_best = theory.optimal_k(alpha, cost, k_max=counters.k, verify_growth=growth)
    return ProfileFit(
        k=counters.k, drafts=counters.drafts, mean_acceptance_length=counters.mean_acceptance_length,
        tries=tries, accepted=accepted, conditional=conditional, low=low, high=high,
        unconditional=accepted / counters.drafts, confidence=confidence, alpha=alpha,
        alpha_low=float(alpha_low[0]), alpha_high=float(alpha_high[0]), lr_statistic=statistic,
        p_value=p_value, max_deviation=float(max(deviation[depth], 0.0)), max_deviation_depth=depth + 1,
        cost=cost, verify_growth=growth, speedups=gains, best_k=best, speedup=float(gains[best]),
        iid_best_k=iid_best,
        short_drafts=counters.short_drafts, summed=counters.summed)


def _wilson(successes: np.ndarray, trials: np.ndarray, confidence: float):
    """Wilson score interval per entry (scipy's binomtest); (0, 1) where there were no trials."""
    low, high = np.zeros(len(trials)), np.ones(len(trials))
    for i, (x, n) in enumerate(zip(successes, trials)):
        if n > 0:
            low[i], high[i] = wilson_interval(x, n, confidence)
    return low, high


def _iid_test(accepted: np.ndarray, tries: np.ndarray, alpha: float) -> tuple:
    """Likelihood-ratio statistic and p-value: one alpha for every depth vs a rate per depth."""
    used = tries > 0
    x, n = accepted[used], tries[used]
    rate = x / n
    statistic = 2.0 * float(np.sum(special.xlogy(x, rate) + special.xlogy(n - x, 1.0 - rate)
                                   - special.xlogy(x, alpha) - special.xlogy(n - x, 1.0 - alpha)))
    df = int(used.sum()) - 1
    if df < 1:
        return 0.0, 1.0
    return max(statistic, 0.0), float(stats.chi2.sf(max(statistic, 0.0), df))
