"""One round of speculative decoding as a record: what was drafted and what verification decided.

The simulator and the real-model runner both produce these; `speclab.trace` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
        object.__setattr__(self, "draft_tokens", tuple(int(t) for t in self.draft_tokens))
        object.__setattr__(self, "accept_probs", tuple(float(a) for a in self.accept_probs))
        object.__setattr__(self, "alternatives", tuple(int(t) for t in self.alternatives))
        if not 0 <= self.n_accepted <= len(self.draft_tokens):
            raise ValueError(f"n_accepted must lie in 0..{len(self.draft_tokens)}; got {self.n_accepted}")

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
