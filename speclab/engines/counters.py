"""A chain's acceptance counters, as an engine keeps them: drafts, draft tokens, accepted per position.

vLLM counts, over every round ("draft") it verifies: the rounds, the draft tokens proposed, the
drafts accepted, and for each position i = 0..k-1 the rounds whose first i + 1 drafts were all
accepted. A counter only grows while the server runs, so the window between two scrapes is the
difference of the two, and a counter that went down means the server restarted in between.
Counts no engine can produce are refused: more accepted than drafted, accepted tokens that are not
the sum over positions (each accepted token is counted at exactly one position), more draft tokens
than drafts x k, k above MAX_ENGINE_K, a count above int64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import short_repr
from .prometheus import check_source

#: The most draft positions (k) an engine report may hold: engines draft 1 to a few dozen tokens a round.
MAX_ENGINE_K = 1024
#: The largest count read (int64's largest): beyond it no engine counts, and numpy cannot hold it.
MAX_COUNT = 2**63 - 1


@dataclass(frozen=True)
class ChainCounters:
    """Cumulative counts of a chain of k drafts per round (position 0 is the first draft).

    accepted_per_position[i]: rounds whose drafts 1..i+1 were all accepted, so the list never
    grows with i, its first entry is at most `drafts`, and it sums to `accepted`; `source` names
    the input in errors; `summed` says which series were added up (e.g. one per engine), or is ''.
    """

    drafts: int
    draft_tokens: int
    accepted: int
    accepted_per_position: tuple
    source: str = "counters"
    summed: str = ""

    def __post_init__(self):
        check_source(self.source)
        if not isinstance(self.summed, str):
            raise ValueError(f"summed must be a str (which series were added up); got {type(self.summed).__name__}")
        for name in ("drafts", "draft_tokens", "accepted"):
            object.__setattr__(self, name, _count(getattr(self, name), name, self.source))
        if isinstance(self.accepted_per_position, (str, bytes)) or not hasattr(self.accepted_per_position, "__len__"):
            raise ValueError(f"{self.source}: accepted_per_position must be a list of counts, one per "
                             f"draft position; got {short_repr(self.accepted_per_position)}")
        if len(self.accepted_per_position) > MAX_ENGINE_K:
            raise ValueError(f"{self.source}: {len(self.accepted_per_position):,} draft positions; an engine report "
                             f"holds at most k = {MAX_ENGINE_K} (engines draft 1 to a few dozen tokens a round)")
        per_pos = tuple(_count(v, f"accepted_per_position[{i}]", self.source)
                        for i, v in enumerate(self.accepted_per_position))
        if not per_pos:
            raise ValueError(f"{self.source}: no per-position counts (accepted_per_position is empty)")
        object.__setattr__(self, "accepted_per_position", per_pos)
        reached = (self.drafts,) + per_pos
        for i in range(len(per_pos)):
            if reached[i + 1] > reached[i]:
                before = "drafts" if i == 0 else f"position {i - 1}"
                raise ValueError(f"{self.source}: {reached[i + 1]:g} rounds accepted position {i} but only "
                                 f"{reached[i]:g} reached it ({before}); a chain's per-position counts "
                                 "never grow with the position")
        self._check_possible()

    def _check_possible(self) -> None:
        """Refuse counts no engine produces: accepted > drafted or != the per-position sum, > drafts x k tokens."""
        per_pos = self.accepted_per_position
        if self.accepted > self.draft_tokens:
            raise ValueError(f"{self.source}: accepted = {self.accepted:,} draft tokens but only draft_tokens = "
                             f"{self.draft_tokens:,} drafted; accepted cannot exceed drafted")
        if self.accepted != sum(per_pos):
            raise ValueError(f"{self.source}: accepted ({self.accepted:,}) differs from the sum over positions "
                             f"({sum(per_pos):,}); an engine counts each accepted token at exactly one position, "
                             "so these counters are not one server's (or the scrape tore: take it again)")
        if self.draft_tokens > self.drafts * self.k:
            raise ValueError(f"{self.source}: draft_tokens = {self.draft_tokens:,} in drafts = {self.drafts:,} rounds "
                             f"of at most k = {self.k}: more than drafts x k = {self.drafts * self.k:,}")

    @property
    def k(self) -> int:
        """Drafts per round: the number of positions counted."""
        return len(self.accepted_per_position)

    @property
    def mean_acceptance_length(self) -> float:
        """1 + accepted / drafts: tokens per round, the bonus (or correction) token included."""
        return 1.0 + self.accepted / self.drafts if self.drafts else math.nan

    @property
    def short_drafts(self) -> bool:
        """True when some rounds drafted fewer than k tokens (draft_tokens < drafts * k)."""
        return self.draft_tokens < self.drafts * self.k

    def since(self, before: "ChainCounters") -> "ChainCounters":
        """The counts between an earlier scrape `before` and this one (this minus before)."""
        if not isinstance(before, ChainCounters):
            raise TypeError(f"before must be ChainCounters; got {type(before).__name__}")
        if before.k != self.k:
            raise ValueError(f"{before.source} counts {before.k} positions and {self.source} {self.k}: "
                             "the two scrapes come from servers with different num_speculative_tokens")
        names = ["drafts", "draft_tokens", "accepted"] + [f"position {i}" for i in range(self.k)]
        now = [self.drafts, self.draft_tokens, self.accepted, *self.accepted_per_position]
        then = [before.drafts, before.draft_tokens, before.accepted, *before.accepted_per_position]
        for name, a, b in zip(names, now, then):
            if a < b:
                raise ValueError(f"counter {name} went backwards from {b:g} in {before.source} to {a:g} in "
                                 f"{self.source}: the server restarted between the scrapes (or they are "
                                 "swapped); take both from one server run, the earlier as --before")
        diff = [a - b for a, b in zip(now, then)]
        summed = "; ".join(dict.fromkeys(note for note in (self.summed, before.summed) if note))
        return ChainCounters(diff[0], diff[1], diff[2], tuple(diff[3:]),
                             source=f"{self.source} minus {before.source}", summed=summed)


def _count(value, name: str, source: str) -> int:
    """A counter value as an int: a finite, whole number in 0..MAX_COUNT."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{source}: {name} must be a count (a whole number >= 0); got {short_repr(value)}")
    if isinstance(value, (float, np.floating)) and (not math.isfinite(value) or value != math.floor(value)) \
            or value < 0:
        raise ValueError(f"{source}: {name} must be a count (a finite whole number >= 0); got {value!r}")
    if value > MAX_COUNT:
        raise ValueError(f"{source}: {name} is about 10**{math.log10(value):.0f}, beyond what a counter holds "
                         f"(at most 2**63 - 1)")
    return int(value)
