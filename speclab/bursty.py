"""Acceptance that switches between rounds: which alpha the i.i.d. formula should be given.

Each round draws its own acceptance probability from a few regimes (easy and hard stretches of
text), then accepts its drafts i.i.d. with that probability. Two honest ways to summarise alpha:

* per round: the plain average of the rounds' alphas (the expected E[sum min(p, q)] per round);
* pooled: accepted drafts over tested drafts, the way logs and `speclab` measure it. Rounds that
  test more drafts (the easy ones) weigh more, so pooled alpha sits above the per-round average.

Plugged into 1 + alpha + ... + alpha^K, the per-round average under-predicts the tokens per round
(the curve is convex) and the pooled alpha over-predicts them (whenever the regimes differ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_count, as_nonnegative, as_unit_interval, check_memory, short_repr
from .limits import MAX_IID_DRAWS, MAX_K, MAX_ROUNDS
from .theory import expected_tokens
from .verify import count_accepted

__all__ = ["BurstyResult", "bursty_alphas", "simulate_bursty"]


@dataclass(frozen=True)
class BurstyResult:
    """Simulated rounds under switching acceptance, both alphas and what the formula makes of them."""

    alphas: np.ndarray       # the regimes' acceptance probabilities
    weights: np.ndarray      # the share of rounds in each regime
    k: int
    rounds: int
    accepted: int            # accepted drafts over all rounds
    tested: int              # drafts that were tested: accepted ones plus one rejection per round
    tokens: int              # tokens emitted over all rounds

    @property
    def per_round_alpha(self) -> float:
        """The average of the rounds' alphas: each round weighs the same."""
        return float(self.weights @ self.alphas)

    @property
    def pooled_alpha(self) -> float:
        """accepted / tested over all rounds: each tested draft weighs the same (as logs measure)."""
        return self.accepted / self.tested if self.tested else float("nan")

    @property
    def tokens_per_round(self) -> float:
        """The truth: simulated tokens per round."""
        return self.tokens / self.rounds

    @property
    def exact_tokens_per_round(self) -> float:
        """The truth in closed form: the regimes' expected tokens, averaged over rounds."""
        return float(self.weights @ expected_tokens(self.alphas, self.k))

    @property
    def formula_per_round(self) -> float:
        """The i.i.d. formula at the per-round average alpha (too low: Jensen)."""
        return expected_tokens(self.per_round_alpha, self.k)

    @property
    def formula_pooled(self) -> float:
        """The i.i.d. formula at the pooled alpha (too high when the regimes differ)."""
        return expected_tokens(self.pooled_alpha, self.k)

    def summary(self) -> str:
        per_round, pooled = self.per_round_alpha, self.pooled_alpha
        return "\n".join([
            f"rounds                          {self.rounds} (K = {self.k})",
            f"per-round alpha (mean of rounds) {per_round:.4f} -> formula {self.formula_per_round:.3f} tokens/round",
            f"pooled alpha (accepted/tested)   {pooled:.4f} -> formula {self.formula_pooled:.3f} tokens/round",
            f"truth: simulated                 {self.tokens_per_round:.3f} tokens/round"
            f" (exact {self.exact_tokens_per_round:.3f})",
        ])


def bursty_alphas(alphas, k, weights=None) -> tuple:
    """The two alphas in closed form: (per-round average, pooled accepted/tested), in expectation.

    A round at alpha tests 1 + alpha + ... + alpha^(K-1) drafts and accepts alpha times that many.
    """
    alphas, weights = _check_regimes(alphas, weights)
    k = as_count(k, "k", minimum=1, maximum=MAX_K)
    tested = expected_tokens(alphas, k - 1) if k > 1 else np.ones_like(alphas)
    return float(weights @ alphas), float(weights @ (alphas * tested) / (weights @ tested))


def simulate_bursty(alphas, k, weights=None, rounds: int = 100_000, seed: int = 0) -> BurstyResult:
    """Simulate `rounds` rounds; each picks a regime (by `weights`, default equal), then drafts k
    tokens accepted i.i.d. with that regime's alpha, stopping at the first rejection.
    """
    alphas, weights = _check_regimes(alphas, weights)
    k = as_count(k, "k", minimum=1, maximum=MAX_K)
    rounds = as_count(rounds, "rounds", minimum=1, maximum=MAX_ROUNDS)
    if rounds * k > MAX_IID_DRAWS:
        raise ValueError(f"rounds * k must be at most {MAX_IID_DRAWS:,} acceptance draws; got {rounds:,} * {k:,}")
    check_memory(17.0 * rounds * k + 48.0 * rounds, f"{rounds:,} bursty rounds of k = {k:,}", "rounds or k")
    rng = np.random.default_rng(as_count(seed, "seed"))
    regime = rng.choice(len(alphas), size=rounds, p=weights)
    # The same rule as speclab.verify with p(x)/q(x) replaced by the round's alpha.
    n = count_accepted(alphas[regime][:, None], 1.0, rng.random((rounds, k)))
    tested = np.minimum(n + 1, k)
    return BurstyResult(alphas, weights, k, rounds, accepted=int(n.sum()), tested=int(tested.sum()),
                        tokens=int((n + 1).sum()))


def _check_regimes(alphas, weights):
    alphas = np.atleast_1d(np.asarray(as_unit_interval(alphas, "alphas"), dtype=np.float64))
    if alphas.ndim != 1 or alphas.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-D list of probabilities; got shape {alphas.shape}")
    if weights is None:
        return alphas, np.full(alphas.size, 1.0 / alphas.size)
    weights = np.atleast_1d(as_nonnegative(weights, "weights"))
    if weights.shape != alphas.shape or not np.any(weights > 0):
        raise ValueError(f"weights must be {alphas.size} non-negative numbers, not all zero, one per alpha; "
                         f"got {short_repr(weights.tolist())}")
    weights = weights / weights.max()             # first to at most 1, so that the sum cannot overflow
    return alphas, weights / weights.sum()
