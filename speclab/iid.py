"""Speculative rounds under the theory's own assumption: each draft accepted i.i.d. with prob alpha.

The same rule as `speclab.verify` with p(x)/q(x) replaced by alpha, so Monte Carlo here must
converge to the closed forms of `speclab.theory`; the gap measures nothing but sampling noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ._validate import as_count, as_flag, as_nonnegative, as_unit_interval
from .limits import MAX_IID_DRAWS, MAX_K, MAX_ROUNDS
from .theory import expected_tokens, speedup
from .verify import count_accepted

_CHUNK_DRAWS = 1 << 22  # uniforms per chunk, bounding memory for large k


@dataclass(frozen=True)
class IIDResult:
    """Counts of tokens per round over many simulated rounds, beside the closed forms."""

    alpha: float
    k: int
    c: float
    verify_growth: float
    counts: np.ndarray   # counts[n-1] = rounds that emitted n tokens, n = 1..k+1

    @property
    def rounds(self) -> int:
        return int(self.counts.sum())

    @property
    def pmf(self) -> np.ndarray:
        return self.counts / self.rounds

    @property
    def mean_tokens_per_round(self) -> float:
        return float(np.arange(1, self.k + 2) @ self.counts) / self.rounds

    @property
    def acceptance_rate(self) -> float:
        """accepted / drafted, which converges to theory.accepted_fraction, not to alpha."""
        return (self.mean_tokens_per_round - 1.0) / self.k if self.k else float("nan")

    @property
    def speedup(self) -> float:
        return self.mean_tokens_per_round / (self.k * self.c + 1.0 + self.verify_growth * self.k)

    @property
    def theory_tokens_per_round(self) -> float:
        return expected_tokens(self.alpha, self.k)

    @property
    def theory_speedup(self) -> float:
        return speedup(self.alpha, self.k, self.c, self.verify_growth)


def simulate_iid(alpha, k, c, rounds: int = 100_000, seed: int = 0, verify_growth=0.0,
                 progress=None) -> IIDResult:
    """Simulate `rounds` rounds whose drafts are each accepted with probability alpha.

    Bounded by limits.MAX_K, MAX_ROUNDS and MAX_IID_DRAWS (rounds * k); memory stays near
    32 MiB whatever the size. `progress`: a tqdm bar over chunks; None shows it for long runs.
    """
    alpha = as_unit_interval(alpha, "alpha", scalar=True)
    k = as_count(k, "k", maximum=MAX_K)
    c = as_nonnegative(c, "c", scalar=True)
    verify_growth = as_nonnegative(verify_growth, "verify_growth", scalar=True)
    rounds = as_count(rounds, "rounds", minimum=1, maximum=MAX_ROUNDS)
    if rounds * max(k, 1) > MAX_IID_DRAWS:
        raise ValueError(f"rounds * k must be at most {MAX_IID_DRAWS:,} acceptance draws; got {rounds:,} * {k:,}")
    rng = np.random.default_rng(as_count(seed, "seed"))
    counts = np.zeros(k + 1, dtype=np.int64)
    chunk = max(1, _CHUNK_DRAWS // max(k, 1))
    starts = range(0, rounds, chunk)
    progress = as_flag(progress, "progress", allow_none=True)
    show = len(starts) >= 8 if progress is None else progress
    for start in tqdm(starts, desc="simulate_iid", unit="chunk", disable=not show):
        size = min(chunk, rounds - start)
        r = rng.random((size, k))
        # Draft i is accepted when r_i * q < p with p/q = alpha (q = 1, p = alpha).
        n = count_accepted(alpha, 1.0, r)
        counts += np.bincount(n, minlength=k + 1)
    return IIDResult(alpha, k, c, verify_growth, counts)
