"""The costs a feature drafter's k depends on: c (draft step / target step) and t(n)/t(1) per pass length."""

from __future__ import annotations

import time

import numpy as np
import torch

from ..kv_cache import CachedModel, synchronize


@torch.inference_mode()
def measure_draft_cost(drafter, target, tokens: list, repeats: int = 15) -> float:
    """Median over `repeats` of (one draft step) / (one target step), each on a warm cache of `tokens`."""
    if len(tokens) < 3:
        raise ValueError(f"tokens must hold at least 3 token ids to time a cached step; got {len(tokens)}")
    cached = CachedModel(target)
    _, features = cached.forward(tokens[:-1], features=True)
    draft_step = drafter.draft_step_call(tokens, features)
    device = next(target.parameters()).device
    ratios = []
    for _ in range(repeats + 2):
        t_target = _timed(lambda: cached.forward(tokens[-1:]), device)
        cached.crop(len(tokens) - 1)
        ratios.append(_timed(draft_step, device) / t_target)
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
