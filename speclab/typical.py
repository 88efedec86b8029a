"""Medusa's typical acceptance, a LOSSY contrast to speculative sampling (Cai et al. 2024, "Typical Acceptance").

    Step 1  accept draft x_i while p_i(x_i) > min(epsilon, delta * exp(-H(p_i)))
            (no ratio p/q and no random number: how often the draft proposes x does not matter)
    Step 2  at the first draft that fails, or after all k, emit one token sampled from p_n

Without the residual of Step 3 in `speclab.verify`, any typical token the draft over-proposes
is emitted too often: the output is NOT distributed as p. It accepts more, which is the point.
Medusa's code uses epsilon = 0.09 and delta = 0.3, recommending delta = sqrt(epsilon)
(FasterDecoding/Medusa, medusa_model.py `medusa_generate`, `posterior_threshold` and
`posterior_alpha`); here delta defaults to sqrt(epsilon).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_nonnegative, as_probability_rows, as_unit_interval, broadcast_shape
from .verify import Verification, _check_rng, _check_round, count_accepted, sample_categorical


def typical_threshold(p, epsilon=0.09, delta=None):
    """min(epsilon, delta * exp(-H(p))) per row of p (H in nats): what p(x) must exceed."""
    p = as_probability_rows(p, "p")
    epsilon, delta = _check_knobs(epsilon, delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=-1)
    return np.minimum(epsilon, delta * np.exp(-entropy))


def typical_mask(p, epsilon=0.09, delta=None) -> np.ndarray:
    """True for the tokens typical acceptance would accept at each row of p."""
    p = as_probability_rows(p, "p")
    return p > np.expand_dims(typical_threshold(p, epsilon, delta), -1)


def verify_typical(p, q, draft_tokens, rng: np.random.Generator, epsilon=0.09, delta=None) -> Verification:
    """Typical acceptance of k drafts: p [k+1, V], q [k, V], draft_tokens [k]; same result type as verify.

    q is only used to report accept_probs; the decision ignores it (that is the bias).
    """
    p, q, draft_tokens = _check_round(p, q, draft_tokens)
    _check_rng(rng)
    k = len(draft_tokens)
    positions = np.arange(k)
    typical = typical_mask(p[:k], epsilon, delta)[positions, draft_tokens].astype(np.float64)
    n = int(count_accepted(typical, 1.0, np.full(k, 0.5)))           # Step 1: accept while typical
    extra = int(sample_categorical(p[n], rng.random()))              # Step 2: one token from p_n
    return Verification(n, np.append(draft_tokens[:n], extra).astype(np.int64), k, typical)


def typical_acceptance_rate(p, q, epsilon=0.09, delta=None):
    """P(a draft x ~ q passes the typical test) = sum_x q(x) [p(x) > threshold], per row."""
    p, q = _pair_rows(p, q)
    out = (q * typical_mask(p, epsilon, delta)).sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def typical_output_law(p, q, epsilon=0.09, delta=None) -> np.ndarray:
    """Exact law of the token typical acceptance emits at one position: q [x typical] + (1 - accepted) p."""
    p, q = _pair_rows(p, q)
    kept = q * typical_mask(p, epsilon, delta)
    return kept + (1.0 - kept.sum(axis=-1, keepdims=True)) * p


def total_variation(a, b):
    """Total variation distance 1/2 sum |a - b| along the last axis: the largest error in any event's probability."""
    a, b = as_probability_rows(a, "a"), as_probability_rows(b, "b")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"a and b must be distributions over the same vocabulary; got {a.shape[-1]} and {b.shape[-1]}")
    broadcast_shape(a=a, b=b)
    out = 0.5 * np.abs(a - b).sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class TypicalTradeoff:
    """Per epsilon: how much typical acceptance accepts and buys, and how far its output is from p."""

    epsilons: np.ndarray
    acceptance: np.ndarray          # mean P(draft passes), over the k draft positions
    tokens_per_round: np.ndarray    # exact expected tokens per round with these k positions
    bias: np.ndarray                # mean total variation between the emitted law and p, per position
    lossless_acceptance: float      # alpha = mean sum min(p, q): what speculative sampling accepts
    lossless_tokens_per_round: float

    def table(self, draft: str = "") -> str:
        """Speculative sampling's line, then one line per epsilon: acceptance, tokens per round, bias."""
        lines = [f"speculative sampling{', ' + draft if draft else ''}: accepts {self.lossless_acceptance:.3f}, "
                 f"{self.lossless_tokens_per_round:.2f} tokens per round, bias 0"]
        lines += [f"typical, epsilon {e:<5}: accepts {a:.3f}, {t:.2f} tokens per round, bias (TV) {b:.3f}"
                  for e, a, t, b in zip(self.epsilons, self.acceptance, self.tokens_per_round, self.bias)]
        return "\n".join(lines)


def typical_tradeoff(p, q, epsilons, delta=None) -> TypicalTradeoff:
    """Sweep epsilon on rounds of position-wise rows p [..., k+1, V], q [..., k, V] (leading axes: many rounds).

    delta None follows sqrt(epsilon). Acceptance and bias are means over all draft positions,
    tokens per round the mean over rounds of 1 + r_1 + r_1 r_2 + ... + r_1...r_k.
    """
    p, q = as_probability_rows(p, "p"), as_probability_rows(q, "q")
    if p.ndim < 2 or p.shape[:-2] != q.shape[:-2] or p.shape[-2] != q.shape[-2] + 1 or p.shape[-1] != q.shape[-1]:
        raise ValueError(f"p must be [..., k+1, V] and q [..., k, V]; got p {p.shape}, q {q.shape}")
    epsilons = np.atleast_1d(as_unit_interval(epsilons, "epsilons"))
    if epsilons.ndim != 1 or epsilons.size == 0:
        raise ValueError(f"epsilons must be a non-empty list of numbers in [0, 1]; got shape {epsilons.shape}")
    rows = [_sweep_point(p[..., :-1, :], q, e, delta) for e in epsilons]
    alpha = np.minimum(p[..., :-1, :], q).sum(axis=-1)
    return TypicalTradeoff(epsilons, *(np.array(col) for col in zip(*rows)),
                           lossless_acceptance=float(alpha.mean()),
                           lossless_tokens_per_round=_tokens_per_round(alpha))


def _sweep_point(p, q, epsilon, delta):
    rates = np.asarray(typical_acceptance_rate(p, q, epsilon, delta))
    bias = total_variation(typical_output_law(p, q, epsilon, delta), p)
    return float(np.mean(rates)), _tokens_per_round(rates), float(np.mean(bias))


def _tokens_per_round(rates) -> float:
    """Mean over rounds of 1 + r_1 + r_1 r_2 + ...: a round reaches draft i only if drafts 1..i-1 passed."""
    rates = np.asarray(rates, dtype=np.float64)
    return float(np.mean(1.0 + np.cumprod(rates, axis=-1).sum(axis=-1)))


def _pair_rows(p, q):
    """p and q as probability rows over one vocabulary whose shapes broadcast together."""
    p, q = as_probability_rows(p, "p"), as_probability_rows(q, "q")
    if p.shape[-1] != q.shape[-1]:
        raise ValueError(f"p and q must be distributions over the same vocabulary; got {p.shape[-1]} and {q.shape[-1]}")
    broadcast_shape(p=p, q=q)
    return p, q


def _check_knobs(epsilon, delta):
    epsilon = as_unit_interval(epsilon, "epsilon", scalar=True)
    delta = float(np.sqrt(epsilon)) if delta is None else as_nonnegative(delta, "delta", scalar=True)
    return epsilon, delta
