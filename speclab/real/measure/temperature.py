"""Measure how temperature changes alpha for a real target and any drafter that gives q.

The target writes a greedy continuation of each prompt; at every position of it we record the
target's log-probabilities (one forward pass over the whole text) and the drafter's q for the
same context (the drafter's own proposal of one token, at temperature 1). Re-tempering both,
p_T proportional to p^(1/T), gives alpha(T) = mean over positions of sum_x min(p_T, q_T) for
any T from one measurement (`speclab.temperature`). The contexts stay the greedy ones for
every T: this measures how the two distributions agree, not a full sampled decode at each T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..._validate import as_count
from ...temperature import alpha_at_temperatures
from ..baselines import autoregressive
from ..decoder import as_drafter
from .pair import _prompt_ids
from ..sampling import Sampling


@dataclass(frozen=True)
class TemperatureMeasurement:
    """Target and draft log-probabilities at the positions of the target's greedy continuations."""

    drafter: str
    p_log: np.ndarray     # [positions, V] target log-probabilities (temperature 1)
    q_log: np.ndarray     # [positions, V] draft log-probabilities (temperature 1; -inf where q = 0)

    @property
    def positions(self) -> int:
        return len(self.p_log)

    def alpha(self, temperatures) -> np.ndarray:
        """alpha(T) = mean sum_x min(p_T, q_T) at each temperature (T = 0: argmax agreement)."""
        return alpha_at_temperatures(self.p_log, self.q_log, temperatures)


def measure_temperature_pair(target, drafter, tokenizer=None, prompts=None, max_new_tokens: int = 32,
                             seed: int = 0, progress: bool = True) -> TemperatureMeasurement:
    """Record p and q along the target's greedy continuation of each prompt (see the module docstring).

    drafter: a draft model, EarlyExitDrafter, a trained draft, or any object with the drafter
    protocol whose proposals carry q (one-hot drafters such as prompt lookup give one-hot rows).
    """
    from tqdm.auto import tqdm

    max_new_tokens = as_count(max_new_tokens, "max_new_tokens", minimum=1)
    drafter = as_drafter(target, drafter)
    inputs, _labels = _prompt_ids(prompts, tokenizer)
    rng = np.random.default_rng(as_count(seed, "seed"))
    p_rows, q_rows = [], []
    for ids in tqdm(inputs, desc="measuring p and q", disable=not progress):
        text = list(ids) + autoregressive(target, ids, max_new_tokens, seed=seed).token_ids
        p_log = _target_log_probs(target, text)[len(ids) - 1: len(text) - 1]
        for offset, q_row in _draft_rows(drafter, text, len(ids), p_log.shape[-1], rng):
            p_rows.append(p_log[offset])
            q_rows.append(q_row)
    if not p_rows:
        raise ValueError("the drafter proposed nothing at any position; it cannot be measured")
    with np.errstate(divide="ignore"):
        q_log = np.log(np.array(q_rows))
    return TemperatureMeasurement(getattr(drafter, "name", type(drafter).__name__), np.array(p_rows), q_log)


def _target_log_probs(target, text: list) -> np.ndarray:
    """log p at every position of `text` from one forward pass (row i predicts token i+1)."""
    ids = torch.tensor([text], device=next(target.parameters()).device)
    with torch.inference_mode():
        logits = target(input_ids=ids).logits[0]
    return torch.log_softmax(logits.double(), dim=-1).cpu().numpy()


def _draft_rows(drafter, text: list, prompt_length: int, vocab_size: int, rng):
    """(offset, q) for each continuation position where the drafter proposes a token."""
    sampling = Sampling(temperature=1.0)
    drafter.start(text[:prompt_length], frozenset())
    with torch.inference_mode():
        for t in range(prompt_length, len(text)):
            draft = drafter.propose(text[:t], 1, sampling, rng)
            if draft.tokens:
                yield t - prompt_length, draft.q_rows(vocab_size)[0]
            drafter.feedback(t, len(draft.tokens), 0)
