"""A synthetic target/draft pair: per-position distributions with a knob for how much they agree.

The target p_t at position t is a Zipf law over a shuffled vocabulary (a few likely tokens, a
long tail, as in language). The draft is q_t = agreement * p_t + (1 - agreement) * u_t, with
u_t an unrelated Zipf law: agreement 1 gives q == p, agreement 0 a draft that knows nothing.
Position t's pair depends only on (seed, t), never on global random state.
"""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from ._validate import as_count, as_nonnegative, as_unit_interval, check_memory
from .limits import MAX_VOCAB

#: distributions() shows a progress bar when it must build at least this many positions x tokens.
PROGRESS_ENTRIES = 20_000_000


class SyntheticPair:
    """Target and draft distributions for positions 0, 1, 2, ..., fully determined by `seed`.

    vocab_size lies in 2..limits.MAX_VOCAB; asking for more positions than fit the memory bound
    (positions x vocab_size x 16 bytes) raises before anything is built.
    """

    def __init__(self, vocab_size: int = 100, agreement: float = 0.75, seed: int = 0,
                 zipf_exponent: float = 1.1):
        self.vocab_size = as_count(vocab_size, "vocab_size", minimum=2, maximum=MAX_VOCAB)
        self.agreement = as_unit_interval(agreement, "agreement", scalar=True)
        self.seed = as_count(seed, "seed", minimum=0)
        self.zipf_exponent = as_nonnegative(zipf_exponent, "zipf_exponent", scalar=True)
        ranks = np.arange(1, self.vocab_size + 1, dtype=np.float64)
        weights = ranks ** -self.zipf_exponent
        self._zipf = weights / weights.sum()
        self._p = np.empty((0, self.vocab_size))
        self._q = np.empty((0, self.vocab_size))

    def target(self, t: int) -> np.ndarray:
        """p_t, the target's next-token distribution at position t."""
        return self.distributions(as_count(t, "t") + 1)[0][-1]

    def draft(self, t: int) -> np.ndarray:
        """q_t, the draft's next-token distribution at position t."""
        return self.distributions(as_count(t, "t") + 1)[1][-1]

    def distributions(self, n_positions: int):
        """(p, q), each [n_positions, V], for positions 0..n_positions-1 (cached, prefix-stable)."""
        n_positions = as_count(n_positions, "n_positions", minimum=1)
        if len(self._p) < n_positions:
            check_memory(4 * 8 * n_positions * self.vocab_size, f"{n_positions:,} positions of the synthetic pair",
                         "the number of positions (num_tokens, t) or vocab_size")
            todo = range(len(self._p), n_positions)
            show = len(todo) * self.vocab_size >= PROGRESS_ENTRIES
            new = [self._position(t) for t in tqdm(todo, desc="synthetic pair", unit="pos", disable=not show)]
            self._p = np.concatenate([self._p, np.array([pq[0] for pq in new])])
            self._q = np.concatenate([self._q, np.array([pq[1] for pq in new])])
        return self._p[:n_positions], self._q[:n_positions]

    def alpha(self, n_positions: int) -> np.ndarray:
        """Per-position acceptance probability sum_x min(p_t(x), q_t(x))."""
        p, q = self.distributions(n_positions)
        return np.minimum(p, q).sum(axis=-1)

    def _position(self, t: int):
        rng = np.random.default_rng([self.seed, t])
        p = self._zipf[rng.permutation(self.vocab_size)]
        unrelated = self._zipf[rng.permutation(self.vocab_size)]
        q = self.agreement * p + (1.0 - self.agreement) * unrelated
        return p, q / q.sum()

    def __repr__(self) -> str:
        return f"SyntheticPair(vocab_size={self.vocab_size}, agreement={self.agreement}, seed={self.seed})"
