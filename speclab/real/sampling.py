"""How logits become the distributions p and q: temperature, then top-k, then top-p.

The same processing (Hugging Face's own warpers, in generate's order) is applied to the
target and the draft, so speculative sampling reproduces the target's own sampling exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._checks import check_temperature, check_top_k, check_top_p


@dataclass(frozen=True)
class Sampling:
    """temperature 0 is greedy (argmax); otherwise sample from the processed softmax."""

    temperature: float = 0.0
    top_k: int | None = None
    top_p: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "temperature", check_temperature(self.temperature))
        object.__setattr__(self, "top_k", check_top_k(self.top_k))
        object.__setattr__(self, "top_p", check_top_p(self.top_p))

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    def warp(self, logits: torch.Tensor) -> torch.Tensor:
        """Apply temperature, top-k and top-p to logits [R, V] (masked entries become -inf)."""
        from transformers.generation.logits_process import TopKLogitsWarper, TopPLogitsWarper

        scores = _divide_by_temperature(logits, self.temperature)
        if self.top_k is not None:
            scores = TopKLogitsWarper(top_k=self.top_k)(None, scores)
        if self.top_p is not None and self.top_p < 1.0:
            scores = TopPLogitsWarper(top_p=self.top_p)(None, scores)
        return scores

    def probs(self, logits: torch.Tensor) -> np.ndarray:
        """The processed distribution as float64 numpy rows [R, V], ready for speclab.verify."""
        return torch.softmax(self.warp(logits).double(), dim=-1).cpu().numpy()


def _divide_by_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / temperature in float32, as Hugging Face's warper does it, at every finite temperature.

    A temperature so small that the quotient overflows (1e-40: a logit of 5 becomes 5e40) would
    give inf - inf = NaN in the softmax. Then the logits are first shifted so that each row's
    largest is 0 (softmax does not change under a shift) and divided in float64: every other
    entry goes to a large negative number or -inf, which is the limit the distribution approaches
    as the temperature falls to 0 (all mass on the argmax, shared equally by tied maxima).
    A temperature too large for float32 (1e39) divides finite logits to 0 (the uniform limit, as
    Hugging Face gives the target); a masked -inf logit stays -inf (-inf / inf would be NaN), so a
    draft that scores only some tokens tends to the uniform distribution over those tokens.
    """
    scores = logits.float() / temperature
    masked = torch.isinf(logits)
    if masked.any():
        scores = torch.where(masked, logits.float(), scores)
    if not (torch.isinf(scores) & ~masked).any():
        return scores
    wide = logits.double()
    return (wide - wide.amax(dim=-1, keepdim=True)) / temperature
