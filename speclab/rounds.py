"""One round of speculative decoding as a record: what was drafted and what verification decided.

The simulator and the real-model runner both produce these; `speclab.trace` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import as_count, as_unit_interval, as_whole_numbers

ACCEPTED, REJECTED, SKIPPED, CORRECTION, BONUS = "accepted", "rejected", "skipped", "correction", "bonus"
PLAIN = "plain"  # a round with no drafts (k = 0): one ordinary target step


@dataclass(frozen=True)
class RoundRecord:
    """A round: k drafts, how many the target accepted, and the one token it added."""

    draft_tokens: tuple           # the k drafted token ids, in order
    n_accepted: int               # accepted prefix length, 0..k
    next_token: int               # correction (after a rejection) or bonus (after k acceptances)
    position: int = 0             # tokens emitted before this round
    accept_probs: tuple = field(default=())  # min(1, p/q) per draft, when known
    alternatives: tuple = field(default=())  # other first-position candidates verified in the same pass

    def __post_init__(self):
        object.__setattr__(self, "draft_tokens", _token_ids(self.draft_tokens, "draft_tokens"))
        object.__setattr__(self, "alternatives", _token_ids(self.alternatives, "alternatives"))
        probs = np.zeros(0) if _empty(self.accept_probs) else as_unit_interval(self.accept_probs, "accept_probs")
        if probs.ndim != 1:
            raise ValueError(f"accept_probs must be a flat list of probabilities, one per draft; got shape {probs.shape}")
        object.__setattr__(self, "accept_probs", tuple(float(a) for a in probs))
        n_accepted = as_count(self.n_accepted, "n_accepted")
        if n_accepted > self.k:
            raise ValueError(f"n_accepted must lie in 0..{self.k}, the number of draft_tokens; got {n_accepted}")
        object.__setattr__(self, "n_accepted", n_accepted)
        object.__setattr__(self, "next_token", as_count(self.next_token, "next_token"))
        object.__setattr__(self, "position", as_count(self.position, "position"))

    @property
    def k(self) -> int:
        return len(self.draft_tokens)

    @property
    def bonus(self) -> bool:
        return self.n_accepted == self.k

    @property
    def emitted(self) -> tuple:
        """The tokens this round adds to the output: accepted drafts, then the extra token."""
        return self.draft_tokens[: self.n_accepted] + (int(self.next_token),)

    def draft_statuses(self) -> list:
        """accepted / rejected / skipped for each draft position."""
        n = self.n_accepted
        return [ACCEPTED if i < n else REJECTED if i == n else SKIPPED for i in range(self.k)]

    def extra_status(self) -> str:
        """correction after a rejection, bonus after k >= 1 acceptances, plain when k = 0."""
        if self.k == 0:
            return PLAIN
        return BONUS if self.bonus else CORRECTION

    @property
    def rejected_draft(self):
        """The draft the target rejected, or None when every draft was accepted (or k = 0)."""
        return self.draft_tokens[self.n_accepted] if self.n_accepted < self.k else None

    def cells(self) -> list:
        """(token, status) per column, one column per output position of the round.

        The accepted drafts, then the extra token: a correction takes the column of the draft it
        replaces (the same output position), a bonus the column after the k-th draft. Skipped
        drafts keep their own columns after it. The rejected draft itself is `rejected_draft`.
        """
        n = self.n_accepted
        cells = [(t, ACCEPTED) for t in self.draft_tokens[:n]] + [(int(self.next_token), self.extra_status())]
        return cells + [(t, SKIPPED) for t in self.draft_tokens[n + 1:]]


def _token_ids(value, name: str) -> tuple:
    """A flat tuple of token ids (whole numbers >= 0); an empty list is no tokens."""
    ids = np.zeros(0) if _empty(value) else as_whole_numbers(value, name)
    if ids.ndim != 1:
        raise ValueError(f"{name} must be a flat list of token ids; got shape {ids.shape}")
    return tuple(int(t) for t in ids)


def _empty(value) -> bool:
    """An empty list, tuple or array (no numbers to check)."""
    return isinstance(value, (list, tuple, np.ndarray)) and len(value) == 0
