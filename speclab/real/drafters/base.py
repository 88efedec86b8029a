"""What a drafter is: anything that proposes up to k next tokens, with their q when it has one.

    start(prompt_ids, eos)                  a new generation begins
    propose(tokens, k, sampling, rng)       -> Draft of up to k tokens continuing `tokens`
    feedback(valid_length, n_drafted, n_accepted)
                                            the target kept `valid_length` tokens of the sequence
                                            plus the correction/bonus; crop caches, adapt
    default_policy()                        optional: the k policy that serves this drafter best,
                                            used by SpeculativeDecoder.generate(k=None)
    wants_features = True, accept_features(h)
                                            optional: the decoder hands over the target's last
                                            hidden states [n, hidden] of each newly kept token
                                            (prefill first, then n_accepted + 1 per round)
A drafter may propose fewer than k tokens, even none (then the round is a plain target step).
Under greedy decoding a Draft may also carry `alternatives`: other candidates for the first
position, verified in the same target pass as a tree (tree.py); the first that equals the
target's own choice is kept when the chain's first draft is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Draft:
    """Proposed tokens; q [len, V] holds their draft distributions, or None when one-hot.

    alternatives: greedy only, other candidates for the first position (the draft's runners-up).
    """

    tokens: list
    q: np.ndarray | None = None
    alternatives: tuple = ()

    def q_rows(self, vocab_size: int) -> np.ndarray:
        """q as float64 rows; a deterministic drafter's q puts all mass on its token."""
        if self.q is not None:
            return self.q
        q = np.zeros((len(self.tokens), vocab_size))
        q[np.arange(len(self.tokens)), self.tokens] = 1.0
        return q


EMPTY = Draft([])

#: The k a drafter without `default_policy()` gets from generate(k=None).
FALLBACK_K = 4


def default_policy(drafter):
    """The drafter's own good k policy (its `default_policy()`), else a fixed FALLBACK_K."""
    from ...policies import FixedK, as_policy

    chooser = getattr(drafter, "default_policy", None)
    return as_policy(chooser()) if callable(chooser) else FixedK(FALLBACK_K)


def cut_at_eos(tokens: list, eos) -> list:
    """Drafting past an end-of-sequence token is wasted work: keep up to and including it."""
    for i, t in enumerate(tokens):
        if t in eos:
            return tokens[: i + 1]
    return tokens
