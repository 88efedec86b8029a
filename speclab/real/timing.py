"""Forward-pass timings for the cost model: the target on 1..k+1 tokens, one draft step.

Each timing runs on top of a real KV cache of the prompt (as in decoding), repeats, interleaves
the sizes so a noisy neighbour hits them alike, and keeps the median.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from .kv_cache import CachedModel, synchronize


def _timed(fn, device) -> float:
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def target_pass_seconds(model, prompt_ids: list, max_tokens: int, repeats: int = 5) -> np.ndarray:
    """Median seconds of one cached target forward over n = 1..max_tokens new tokens."""
    state = CachedModel(model)
    samples = [[] for _ in range(max_tokens)]
    with torch.inference_mode():
        state.forward(prompt_ids, last_only=True)
        kept = state.length
        filler = (prompt_ids * (max_tokens // len(prompt_ids) + 1))[:max_tokens]
        state.forward(filler[:1])                              # warm-up
        for _ in range(repeats):
            for n in range(1, max_tokens + 1):
                state.crop(kept)
                samples[n - 1].append(_timed(lambda: state.forward(filler[:n]), state.device))
        state.crop(kept)
    return np.array([np.median(s) for s in samples])


def draft_step_seconds(drafter, prompt_ids: list, sampling, repeats: int = 5) -> float:
    """Median seconds for the drafter to propose ONE token after the prompt (a draft step)."""
    rng = np.random.default_rng(0)
    samples = []
    with torch.inference_mode():
        for i in range(repeats + 1):
            drafter.start(prompt_ids)
            drafter.propose(prompt_ids, 1, sampling, rng)      # reads the prompt (prefill)
            device = getattr(getattr(drafter, "_state", None), "device", "cpu")
            tokens = prompt_ids + prompt_ids[-1:]
            seconds = _timed(lambda: drafter.propose(tokens, 1, sampling, rng), device)
            if i:                                              # the first is a warm-up
                samples.append(seconds)
    return float(np.median(samples))
