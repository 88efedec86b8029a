"""Prompt-lookup drafting: copy what followed the latest earlier occurrence of the last n tokens.

Edits, summaries and code changes repeat their input, so the continuation of a matching n-gram
is often exactly what the target would write. The drafts are deterministic (q is one-hot), and
are still verified by the lossless rule when sampling: accept x with probability p(x).
The drafter adapts like a careful engine would: after a rejection at draft n it drafts at most
max(min_draft, n + 1) next time (doubling again after a fully accepted round), and when the first
draft keeps failing it drafts nothing for a growing number of steps (back-off), so a prompt with
no overlap costs barely more than plain decoding. Because it adapts, its own good k is a long
one (`default_policy()`, used by `generate(k=None)`): the cap, not k, keeps failed drafts short.
"""

from __future__ import annotations

import numpy as np

from ..._validate import as_count
from ...policies import FixedK
from .base import EMPTY, Draft, cut_at_eos

#: The most drafts per round when generate() is called without k: long, since the cap adapts.
DEFAULT_K = 16


class PromptLookupDrafter:
    """n-gram lookup over prompt plus output (Saxena 2023), with back-off after failed drafts."""

    name = "prompt lookup"
    forwards = 0  # it never runs a model

    def __init__(self, max_ngram: int = 3, min_ngram: int = 2, backoff: bool = True,
                 patience: int = 2, max_pause: int = 32, min_draft: int = 2):
        self.max_ngram = as_count(max_ngram, "max_ngram", minimum=1)
        self.min_ngram = as_count(min_ngram, "min_ngram", minimum=1)
        if self.min_ngram > self.max_ngram:
            raise ValueError(f"min_ngram must be <= max_ngram = {self.max_ngram}; got {min_ngram}")
        self.backoff = bool(backoff)
        self.patience = as_count(patience, "patience", minimum=1)
        self.max_pause = as_count(max_pause, "max_pause", minimum=1)
        self.min_draft = as_count(min_draft, "min_draft", minimum=1)
        self.start([])

    def default_policy(self) -> FixedK:
        """Draft up to DEFAULT_K tokens a round; the back-off cap shortens drafts after misses."""
        return FixedK(DEFAULT_K)

    def start(self, prompt_ids, eos=frozenset()) -> None:
        """A new generation: forget the back-off state."""
        self._eos = eos
        self._misses = 0          # consecutive rounds whose first draft was rejected
        self._pause = 0           # how long the next back-off lasts
        self._skip = 0            # proposals still to skip
        self._cap = None          # most drafts to propose next (None: as many as k)
        self._seq = np.zeros(0, dtype=np.int64)

    def lookup(self, tokens: list, k: int) -> list:
        """The up-to-k tokens after the latest earlier match of the longest suffix n-gram."""
        seq = self._extend(tokens)
        for n in range(min(self.max_ngram, len(seq) - 1), self.min_ngram - 1, -1):
            suffix = seq[-n:]
            # windows seq[i:i+n] for i < len - n (so the suffix itself is excluded)
            windows = np.lib.stride_tricks.sliding_window_view(seq[:-1], n)
            hits = np.flatnonzero((windows == suffix).all(axis=1))
            if hits.size:
                start = int(hits[-1]) + n
                return seq[start:start + k].tolist()
        return []

    def propose(self, tokens: list, k: int, sampling=None, rng=None) -> Draft:
        """Draft the lookup's continuation, unless backing off after repeated misses."""
        if k <= 0:
            return EMPTY
        if self._skip > 0:
            self._skip -= 1
            return EMPTY
        if self.backoff and self._cap is not None:
            k = min(k, self._cap)
        drafts = cut_at_eos(self.lookup(tokens, k), self._eos)
        return Draft(drafts) if drafts else EMPTY

    def feedback(self, valid_length: int, n_drafted: int, n_accepted: int) -> None:
        """Shrink the next draft after a rejection, regrow it after a full hit; pause after misses."""
        if not self.backoff or n_drafted == 0:
            return
        self._cap = self._next_cap(n_drafted, n_accepted)
        if n_accepted > 0:
            self._misses, self._pause = 0, 0
            return
        self._misses += 1
        if self._misses >= self.patience:
            self._pause = min(self.max_pause, max(1, 2 * self._pause))
            self._skip = self._pause

    def _next_cap(self, n_drafted: int, n_accepted: int):
        """After a rejection at draft n, draft at most n + 1 (>= min_draft); double after a full hit."""
        if n_accepted < n_drafted:
            return max(self.min_draft, n_accepted + 1)
        return None if self._cap is None else 2 * self._cap

    def _extend(self, tokens: list) -> np.ndarray:
        """Keep a numpy copy of the sequence, appending only what is new."""
        if len(self._seq) > len(tokens) or (len(self._seq) and self._seq[-1] != tokens[len(self._seq) - 1]):
            self._seq = np.asarray(tokens, dtype=np.int64)
        elif len(self._seq) < len(tokens):
            self._seq = np.concatenate([self._seq, np.asarray(tokens[len(self._seq):], dtype=np.int64)])
        return self._seq

    def __repr__(self) -> str:
        return (f"PromptLookupDrafter(max_ngram={self.max_ngram}, min_ngram={self.min_ngram}, "
                f"backoff={self.backoff})")
