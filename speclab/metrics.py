"""The metric dictionary: every acceptance number an engine reports, and how they convert.

Engines report speculation under different names, and the numbers are not interchangeable.
Under the i.i.d. model of `speclab.theory` (each draft accepted with probability alpha, given
that the ones before it were) every metric below is a function of alpha and k, so one
reported number and k give alpha back, and with it everything else:

    alpha                 E[sum_x min(p(x), q(x))]: the chance that one draft is accepted
    accepted_per_drafted  accepted drafts / drafted tokens (vLLM's "draft acceptance rate")
    mean_acceptance_length tokens per round INCLUDING the correction or bonus token
                          (vLLM v1's "mean acceptance length", EAGLE's tau)
    per_position          P(draft i is accepted), i = 1..k (vLLM v1's per-position rates)
    system_efficiency     emitted tokens / (rounds x (k + 1)) (vLLM v0's "system efficiency")

Names and formulas as logged by vLLM's SpecDecodingLogging (v0.10-v0.12, 2025) and as defined
by EAGLE (Li et al. 2024, tau = average acceptance length per drafting-verification cycle).
Real acceptance is not i.i.d.; the conversions are the course's model, not an identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import theory
from ._validate import as_count, as_nonnegative, as_unit_interval, as_whole_numbers, short_repr
from .limits import MAX_K


# ----------------------------------------------------------------------------- alpha -> metric

def mean_acceptance_length(alpha, k):
    """Tokens per round including the correction/bonus: 1 + alpha + ... + alpha^k (tau)."""
    return theory.expected_tokens(alpha, k)


def accepted_per_drafted(alpha, k):
    """Accepted drafts / drafted tokens, (alpha + ... + alpha^k) / k; not alpha itself."""
    return theory.accepted_fraction(alpha, k)


def per_position_acceptance(alpha, k) -> np.ndarray:
    """P(draft i accepted) = alpha^i for i = 1..k: a draft counts only if all before it did."""
    alpha = as_unit_interval(alpha, "alpha", scalar=True)
    k = as_count(k, "k", minimum=1, maximum=MAX_K)
    return alpha ** np.arange(1, k + 1)


def system_efficiency(alpha, k):
    """Emitted tokens over the most a round can emit: mean_acceptance_length / (k + 1)."""
    return theory.expected_tokens(alpha, k) / (as_whole_numbers(k, "k") + 1.0)


# ----------------------------------------------------------------------------- metric -> alpha

def implied_alpha(mean_acceptance_length, k):
    """The alpha whose i.i.d. rounds average `mean_acceptance_length` tokens at this k."""
    k = as_whole_numbers(k, "k", minimum=1)
    length = _within(mean_acceptance_length, "mean_acceptance_length", 1.0, k + 1.0, "[1, k + 1]")
    return theory.alpha_for_tokens(length, k)


def alpha_from_accepted_per_drafted(fraction, k):
    """The alpha whose accepted/drafted at this k is `fraction`: solve alpha + ... + alpha^k = k f."""
    k = as_whole_numbers(k, "k", minimum=1)
    fraction = as_unit_interval(fraction, "fraction (accepted/drafted)")
    return theory.alpha_for_tokens(1.0 + k * fraction, k)


def alpha_from_system_efficiency(efficiency, k):
    """The alpha whose system efficiency at this k is `efficiency` (at least 1 / (k + 1))."""
    k = as_whole_numbers(k, "k", minimum=1)
    efficiency = _within(efficiency, "efficiency (system efficiency)", 1.0 / (k + 1.0), 1.0, "[1 / (k + 1), 1]")
    return theory.alpha_for_tokens(efficiency * (k + 1.0), k)


# ----------------------------------------------------------------------------- the dictionary

@dataclass(frozen=True)
class Metric:
    """One entry of the dictionary: what it means, who reports it, and its link to alpha."""

    name: str
    meaning: str
    reported_by: str
    from_alpha: Callable
    to_alpha: Callable


def _alpha_itself(alpha, k):
    """alpha as its own metric (k is checked and broadcast, not used)."""
    k = as_whole_numbers(k, "k", minimum=1)
    return np.broadcast_to(as_unit_interval(alpha, "alpha"), np.broadcast(alpha, k).shape)


METRICS = {
    m.name: m for m in (
        Metric("alpha", "chance that one draft is accepted, E[sum min(p, q)]",
               "Leviathan et al. 2023 (the paper's alpha); speclab's measure_pair",
               _alpha_itself, _alpha_itself),
        Metric("accepted_per_drafted", "accepted drafts / drafted tokens",
               "vLLM: 'Avg Draft acceptance rate' (num_accepted_tokens / num_draft_tokens)",
               accepted_per_drafted, alpha_from_accepted_per_drafted),
        Metric("mean_acceptance_length", "tokens per round, the correction or bonus token included",
               "vLLM v1: 'Mean acceptance length'; EAGLE papers: tau", mean_acceptance_length, implied_alpha),
        Metric("system_efficiency", "emitted tokens / (rounds x (k + 1))",
               "vLLM v0: 'System efficiency'", system_efficiency, alpha_from_system_efficiency),
    )
}


def convert(value, source: str, target: str, k):
    """Convert a reported metric to another at the same k, through the alpha it implies."""
    from_metric, to_metric = _metric(source, "source"), _metric(target, "target")
    try:
        alpha = from_metric.to_alpha(value, k)
    except ValueError as error:
        if "k must" in str(error) or str(error).startswith("k "):
            raise
        raise type(error)(f"value (a {source}): {error}") from None
    return theory._scalar(to_metric.from_alpha(alpha, k))


def _metric(name, argument: str) -> Metric:
    if not isinstance(name, str) or name not in METRICS:
        raise ValueError(f"{argument} must be one of {', '.join(METRICS)}; got {short_repr(name)}")
    return METRICS[name]


# ----------------------------------------------------------------------------- from a report to a plan

@dataclass(frozen=True)
class Fit:
    """What a reported mean acceptance length at k implies: alpha, the best k and its speedup."""

    alpha: float
    k: int
    speedup_at_k: float
    best_k: int
    speedup: float

    def to_dict(self) -> dict:
        """The JSON view: alpha, best_k and speedup (the expected speedup at best_k)."""
        return {"alpha": self.alpha, "best_k": self.best_k, "speedup": self.speedup}


def fit(mean_acceptance_length, k, cost=0.05, verify_growth=0.0, k_max=32) -> Fit:
    """From an engine's mean acceptance length at k: the implied alpha, the best k and its speedup.

    cost is c (draft step / target step); verify_growth the extra target cost per verified draft.
    """
    k = as_count(k, "k", minimum=1)
    alpha = float(implied_alpha(_scalar_arg(mean_acceptance_length, "mean_acceptance_length"), k))
    cost = float(as_nonnegative(_scalar_arg(cost, "cost"), "cost"))
    growth = float(as_nonnegative(_scalar_arg(verify_growth, "verify_growth"), "verify_growth"))
    best = theory.optimal_k(alpha, cost, k_max=k_max, verify_growth=growth)
    return Fit(alpha=alpha, k=k, speedup_at_k=theory.speedup(alpha, k, cost, growth),
               best_k=best, speedup=theory.speedup(alpha, best, cost, growth))


def _within(value, name: str, low, high, allowed: str) -> np.ndarray:
    """`value` as floats inside [low, high] (arrays broadcast), or a ValueError naming the range."""
    arr = as_nonnegative(value, name)
    if np.any(arr < low - 1e-12) or np.any(arr > high + 1e-12):
        raise ValueError(f"{name} must lie in {allowed} for this k; got {short_repr(value)}")
    return np.clip(arr, low, high)


def _scalar_arg(value, name: str):
    try:
        ndim = np.ndim(value)
    except ValueError:                                  # a ragged list
        raise ValueError(f"{name} must be a single number; got {short_repr(value)}") from None
    if ndim != 0:
        raise ValueError(f"{name} must be a single number; got an array of shape {np.shape(value)}")
    return value


