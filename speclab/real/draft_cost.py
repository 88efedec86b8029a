"""The costs a feature drafter's k depends on: c (draft step / target step) and the verification growth."""

from __future__ import annotations

import time

import numpy as np
import torch

from .kv_cache import CachedModel, synchronize
from .sampling import Sampling


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
        t_draft = _timed(lambda: drafter._choose(drafter._step(feature, token), Sampling(), None), device)
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


def measure_verify_growth(target, tokens: list, max_tokens: int = 5, repeats: int = 5) -> float:
    """Mean extra cost per verified token, (t(n) / t(1) - 1) / (n - 1) over n = 2..max_tokens."""
    from .timing import target_pass_seconds

    seconds = target_pass_seconds(target, tokens, max_tokens, repeats)
    n = np.arange(2, max_tokens + 1)
    return float(np.mean(np.maximum(seconds[1:] / seconds[0] - 1.0, 0.0) / (n - 1)))
