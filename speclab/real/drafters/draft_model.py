"""A smaller causal LM drafts k tokens one by one, from its own KV cache (Leviathan Alg. 1, step 1)."""

from __future__ import annotations

import numpy as np

from ...policies import AdaptiveK
from ...verify import sample_categorical
from .base import EMPTY, Draft
from ..kv_cache import CachedModel


class DraftModelDrafter:
    """Draft with a model that shares the target's vocabulary; q is its processed softmax."""

    name = "draft model"

    def __init__(self, model):
        self.model = model
        self._state = None
        self._eos = frozenset()

    def default_policy(self) -> AdaptiveK:
        """generate(k=None): an adaptive k, since a generic draft's alpha is unknown until it runs.

        It starts at 4, grows after fully accepted rounds and shrinks after rejections (1..16).
        """
        return AdaptiveK(start_k=4, min_k=1, max_k=16)

    def start(self, prompt_ids, eos=frozenset()) -> None:
        """A new generation: empty cache (the prompt is read on the first proposal)."""
        self._state = CachedModel(self.model)
        self._eos = eos

    def propose(self, tokens: list, k: int, sampling, rng: np.random.Generator) -> Draft:
        """Step 1: sample x_1..x_k from q, each from one cached forward pass of one token."""
        state = self._state
        if k <= 0:
            return EMPTY
        new = tokens[state.length:]              # what the cache lacks: 1 token, or 2 after a bonus
        drafts, q_rows = [], []
        for _ in range(k):
            logits = state.forward(new, last_only=True)[-1:]
            if sampling.greedy:
                token = int(logits.argmax())
            else:
                q = sampling.probs(logits)
                token = int(sample_categorical(q[0], rng.random()))
                q_rows.append(q[0])
            drafts.append(token)
            if token in self._eos:
                break
            new = [token]
        return Draft(drafts, np.stack(q_rows) if q_rows else None)

    @property
    def forwards(self) -> int:
        """Draft forward passes in the current generation."""
        return self._state.forwards if self._state is not None else 0

    def feedback(self, valid_length: int, n_drafted: int, n_accepted: int) -> None:
        """Crop the cache to the tokens the target kept (the last draft is never fed, so may be absent)."""
        self._state.crop(valid_length)
