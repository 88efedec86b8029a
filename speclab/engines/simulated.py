"""Engine counters simulated from a known per-depth acceptance profile (for examples and tests).

Depth 1 is reached by every round, depth i by the rounds that accepted depths 1..i-1, so the
counts are a chain of binomials: per_pos[0] ~ B(drafts, r_1), per_pos[i] ~ B(per_pos[i-1], r_{i+1}).
This is exactly the law of counting round by round, drawn in k steps.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_count, as_unit_interval
from .counters import ChainCounters


def simulate_counters(rates, drafts: int, seed=None, source: str = "simulated counters") -> ChainCounters:
    """vLLM-style counters of `drafts` rounds of len(rates) drafts, depth i accepted with rates[i-1].

    seed: an int or a numpy Generator (same seed, same counts).
    """
    rates = np.atleast_1d(as_unit_interval(rates, "rates"))
    if rates.ndim != 1 or rates.size == 0 or rates.size > 64:
        raise ValueError("rates must be a list of 1 to 64 acceptance rates, one per draft depth")
    drafts = as_count(drafts, "drafts", minimum=0, maximum=10**15)
    if not (seed is None or isinstance(seed, np.random.Generator)):
        seed = as_count(seed, "seed", minimum=0)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    reached, per_pos = drafts, []
    for rate in rates:
        reached = int(rng.binomial(reached, rate))
        per_pos.append(reached)
    return ChainCounters(drafts, drafts * rates.size, sum(per_pos), tuple(per_pos), source=source)
