"""Live acceptance by depth: how often a drafter's d-th draft is the target's greedy token, given
that the d - 1 drafts before it were, measured by decoding real prompts (the held-out set by default).

This is the figure a learner sees when the draft runs, on prompts the draft never trained on;
training reports the same quantity teacher-forced on text from its own templates. Each prompt is
decoded greedily with k = depths drafts a round, as a chain (runners-up a drafter offers for the
first draft are left out, so depth 1 is the chain's first draft alone); a round's draft at depth d
is tried when the drafts before it were accepted. A drafter with a session store (suffix, hybrid)
starts every prompt from the store it had, so the measurement neither learns from itself nor
changes the drafter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ..._validate import as_count
from ..heldout import heldout_prompts
from ..training.corpus import as_prompt_ids
from .pair import _session_keeper, chain_decoder


@dataclass(frozen=True)
class DepthAcceptance:
    """hits[d - 1] of tries[d - 1] drafts at depth d were the target's greedy token."""

    hits: tuple
    tries: tuple
    n_prompts: int
    n_tokens: int

    @property
    def rates(self) -> list:
        """Acceptance at depths 1, 2, ... (nan where no draft reached that depth)."""
        return [h / t if t else float("nan") for h, t in zip(self.hits, self.tries)]

    def __str__(self) -> str:
        parts = ", ".join(f"depth {d}: {r:.2f} ({h}/{t})" for d, (r, h, t)
                          in enumerate(zip(self.rates, self.hits, self.tries), start=1))
        return f"acceptance on {self.n_prompts} prompts, {self.n_tokens} tokens: {parts}"


def acceptance_by_depth(drafter, target, tokenizer=None, prompts=None, max_new_tokens: int = 48,
                        depths: int = 3, progress: bool = True) -> DepthAcceptance:
    """Greedy acceptance at depths 1..depths of `drafter` on `prompts` (default: the held-out set,
    chat-formatted with the tokenizer), each answered with max_new_tokens new tokens."""
    depths = as_count(depths, "depths", minimum=1, maximum=16)
    max_new_tokens = as_count(max_new_tokens, "max_new_tokens", minimum=1)
    if prompts is None and tokenizer is None:
        raise ValueError("prompts must be given as token-id lists when no tokenizer is passed "
                         "(the held-out set is text)")
    inputs = as_prompt_ids(heldout_prompts() if prompts is None else prompts, tokenizer)
    decoder = chain_decoder(target, drafter, tokenizer)
    keep = _session_keeper(decoder.drafter)       # a session store starts every prompt as it was
    hits, tries, tokens = np.zeros(depths, dtype=np.int64), np.zeros(depths, dtype=np.int64), 0
    for ids in tqdm(inputs, desc="acceptance by depth", disable=not progress):
        keep()
        out = decoder.generate(ids, max_new_tokens, k=depths, fallback=False)
        tokens += len(out.token_ids)
        for r in out.rounds:
            reached = np.arange(r.k) <= r.n_accepted            # draft d + 1 tried: the d before accepted
            tries[: r.k] += reached
            hits[: r.k] += np.arange(r.k) < r.n_accepted
    return DepthAcceptance(tuple(int(h) for h in hits), tuple(int(t) for t in tries), len(inputs), tokens)
