"""The costs a feature drafter's k depends on: c (draft step / target step) and t(n)/t(1) per pass length."""

from __future__ import annotations

import time

import numpy as np
import torch

from ..kv_cache import CachedModel, synchronize
from ..sampling import Sampling


@torch.inference_mode()
def measure_draft_cost(drafter, target, tokens: list, repeats: int = 15) -> float:
    """Median over `repeats` of (one draft step) / (one target step), each on a warm cache of `tokens`."""
    if len(tokens) < 3:
        raise ValueError(f"tokens must hold at least 3 token ids to time a cached step; got {len(tokens)}")
    cached = CachedModel(target)
    logits, features = cached.forward(tokens[:-1], features=True)
    drafter.start(tokens, frozenset())
    drafter.accept_features(features)
    drafter.propose(tokens, 1, Sampling(), None)     # fills the draft cache with the prompt's entries
    drafter.feedback(len(tokens) - 1, 1, 0)
    device = next(target.parameters()).device
    ratios = []
    for _ in range(repeats + 2):
        t_target = _timed(lambda: cached.forward(tokens[-1:]), device)
        cached.crop(len(tokens) - 1)
        kept = drafter._cache.length
        feature = features[-1:]
        token = torch.tensor([tokens[-1]], device=device)
        t_draft = _timed(lambda: drafter._choose(drafter._step(feature, token) @ drafter.rows.T, Sampling(), None),
                         device)
        drafter._cache.crop(kept)
        ratios.append(t_draft / t_target)
    drafter.start(tokens, frozenset())
    return float(np.median(ratios[2:]))             # the first two warm up


def _timed(fn, device) -> float:
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def measure_pass_costs(target, tokens: list, max_tokens: int = 9, repeats: int = 3) -> list:
    """t(n)/t(1) for n = 1..max_tokens: one cached target pass over n tokens against one token
    (medians of `repeats` ABBA blocks, with the kernel verification uses)."""
    from .timing import target_pass_seconds

    seconds = target_pass_seconds(target, tokens, max_tokens, repeats)
    return (seconds / seconds[0]).tolist()
