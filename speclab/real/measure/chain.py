"""Time a chain as a chain: a drafter whose runners-up (a tree's extra rows) are left out.

A drafter may add alternatives for the first position (the trained feature draft's runners-up),
which the target verifies as a tree in the same pass. A row that says "k drafts per round" and a
prediction from the chain's formula must describe rounds of k chained drafts and nothing else,
so the measurements wrap every drafter in ChainOnly: each Draft keeps its tokens and q and loses
its alternatives. Everything else (caches, features, costs, name) is the wrapped drafter's own.
"""

from __future__ import annotations

from ..drafters.base import Draft


class ChainOnly:
    """`drafter`, proposing its chain of up to k tokens without alternatives."""

    def __init__(self, drafter):
        self.drafter = drafter

    def propose(self, tokens, k, sampling, rng) -> Draft:
        draft = self.drafter.propose(tokens, k, sampling, rng)
        if not getattr(draft, "alternatives", ()):
            return draft
        return Draft(draft.tokens, draft.q)

    @property
    def name(self) -> str:
        """The wrapped drafter's name (its class name when it has none), as the tables print it."""
        return getattr(self.drafter, "name", type(self.drafter).__name__)

    def __getattr__(self, name):
        """What ChainOnly does not define (start, feedback, forwards, features, ...) is the drafter's."""
        if name == "drafter":                      # not set yet (a copy being built): no recursion
            raise AttributeError(name)
        return getattr(self.drafter, name)

    def __repr__(self) -> str:
        return f"ChainOnly({self.drafter!r})"


def chain_only(drafter):
    """`drafter` wrapped so that it never adds alternatives (once: a ChainOnly is returned as is)."""
    return drafter if isinstance(drafter, ChainOnly) else ChainOnly(drafter)
