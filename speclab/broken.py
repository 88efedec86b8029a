"""Two deliberately WRONG acceptance rules, for teaching: they look plausible and are not lossless.

Notebook 02 runs them beside `speclab.verify` through the same chi-square test, where they fail
and the real rule passes. Never use them for decoding.

- `verify_without_residual`: after a rejection, resample from p instead of the residual
  norm(max(0, p - q)). The accepted drafts already supplied the mass min(p, q); drawing from p
  again counts that overlap twice, so tokens the draft likes come out too often.
- `verify_argmax_bonus`: after k acceptances, emit argmax p as the bonus instead of sampling
  from p. The bonus position then always shows the same token: greedy, not a sample from p.
"""

from __future__ import annotations

import numpy as np

from .verify import Verification, _check_rng, _check_round, accept_probabilities, decide, sample_categorical


def verify_without_residual(p, q, draft_tokens, rng: np.random.Generator) -> Verification:
    """WRONG: like `speclab.verify`, but a rejection is corrected with a draw from p itself."""
    return _verify_with(p, q, draft_tokens, rng,
                        correction=lambda p_n, residual_n, u: int(sample_categorical(p_n, u)),
                        bonus=lambda p_k, u: int(sample_categorical(p_k, u)))


def verify_argmax_bonus(p, q, draft_tokens, rng: np.random.Generator) -> Verification:
    """WRONG: like `speclab.verify`, but the bonus after k acceptances is argmax p, not a sample."""
    return _verify_with(p, q, draft_tokens, rng,
                        correction=lambda p_n, residual_n, u: int(sample_categorical(residual_n, u)),
                        bonus=lambda p_k, u: int(np.argmax(p_k)))


def _verify_with(p, q, draft_tokens, rng, correction, bonus) -> Verification:
    """Steps 1-2 are `speclab.verify`'s own (`decide`); Steps 3-4 are supplied by the caller."""
    p, q, draft_tokens = _check_round(p, q, draft_tokens)
    _check_rng(rng)
    k = len(draft_tokens)
    n, last = decide(p, q, draft_tokens, rng.random(k))
    u = rng.random()
    extra = correction(p[n], last, u) if n < k else bonus(p[k], u)
    tokens = np.append(draft_tokens[:n], extra).astype(np.int64)
    p_x, q_x = p[np.arange(k), draft_tokens], q[np.arange(k), draft_tokens]
    return Verification(n, tokens, k, accept_probabilities(p_x, q_x))
