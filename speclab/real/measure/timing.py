"""Forward-pass timings for the cost model: the target on 1..n tokens, one draft step, the prefill.

Each timing runs on top of a real KV cache of the prompt (as in decoding). The sizes and the draft
step are interleaved in ABBA blocks (speclab.interleave), so t(n)/t(1) and c are ratios paired
inside a block: a busy neighbour hits both sides alike.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from ..._validate import as_count
from ...interleave import Spread, bootstrap_spread, run_interleaved, spread
from ..kv_cache import CachedModel, synchronize


@dataclass
class PassTimes:
    """Target passes over n = 1..len(seconds) new tokens, and one draft step, with their spreads."""

    seconds: list          # Spread of the seconds of one pass over n tokens, n = 1, 2, ...
    growth: list           # Spread of t(n) / t(1), paired per block, n = 1, 2, ...
    draft_seconds: Spread  # one draft step (one proposed token) on top of the prompt (nan: no drafter)
    c: Spread              # draft step / target step, paired per block
    blocks: int

    def ratio(self, n: int) -> float:
        """Median t(n) / t(1)."""
        return self.growth[n - 1].median


def _synchronized(fn, device):
    """fn, waiting for queued GPU work before it returns, so wall-clock timings are honest."""
    def run():
        result = fn()
        synchronize(device)
        return result
    return run


def target_pass_seconds(model, prompt_ids: list, max_tokens: int, repeats: int = 5,
                        clock=time.perf_counter, column_products: bool = True) -> np.ndarray:
    """Median seconds of one cached target pass over n = 1..max_tokens new tokens (`repeats` ABBA blocks)."""
    times = pass_times(model, None, prompt_ids, max_tokens, None, repeats, clock, column_products)
    return np.array([s.median for s in times.seconds])


def pass_times(model, drafter, prompt_ids: list, max_tokens: int, sampling, blocks: int = 5,
               clock=time.perf_counter, column_products: bool = True) -> PassTimes:
    """Time target passes over 1..max_tokens tokens and one draft step (when a drafter is given),
    interleaved in ABBA blocks. column_products: the kernel verification passes use (row_kernel.py)."""
    state = CachedModel(model, column_products)
    rng = np.random.default_rng(0)
    with torch.inference_mode():
        state.forward(prompt_ids, last_only=True)
        kept = state.length
        filler = (prompt_ids * (max_tokens // len(prompt_ids) + 1))[:max_tokens]

        def target_pass(n):
            def run():
                state.crop(kept)
                return state.forward(filler[:n])
            return _synchronized(run, state.device)

        calls = {n: target_pass(n) for n in range(1, max_tokens + 1)}
        if drafter is not None:
            calls["draft"] = _draft_step(drafter, model, prompt_ids, sampling, rng)
        for call in calls.values():                                # warm-up, untimed
            call()
        timed = run_interleaved(calls, blocks, clock=clock)
        state.crop(kept)
    per_run = {key: timed.seconds[:, :, i].ravel() for i, key in enumerate(timed.keys)}
    drafted = drafter is not None
    return PassTimes(
        seconds=[spread(per_run[n]) for n in range(1, max_tokens + 1)],
        growth=[timed.ratio(n, 1) for n in range(1, max_tokens + 1)],
        draft_seconds=spread(per_run["draft"] if drafted else []),
        c=timed.ratio("draft", 1) if drafted else spread([]), blocks=timed.blocks)


def kernel_growth(model, prompt_ids: list, max_tokens: int, blocks: int = 5, clock=time.perf_counter) -> dict:
    """t(n)/t(1), n = 1..max_tokens, for speclab's column kernel and torch's stock kernel, timed in
    the same ABBA blocks (so both see the same busy neighbours): {"column": [Spread], "stock": [Spread]},
    each ratio paired within half a block, its median with a 95% bootstrap interval (so one
    disrupted block does not stretch it to a meaningless range)."""
    states = {"column": CachedModel(model, True), "stock": CachedModel(model, False)}
    calls = {}
    with torch.inference_mode():
        filler = (prompt_ids * (max_tokens // len(prompt_ids) + 1))[:max_tokens]
        for kernel, state in states.items():
            state.forward(prompt_ids, last_only=True)
            kept = state.length

            def target_pass(n, state=state, kept=kept):
                def run():
                    state.crop(kept)
                    return state.forward(filler[:n])
                return _synchronized(run, state.device)

            calls.update({(kernel, n): target_pass(n) for n in range(1, max_tokens + 1)})
        for call in calls.values():                                # warm-up, untimed
            call()
        timed = run_interleaved(calls, blocks, clock=clock)
    return {kernel: [bootstrap_spread(timed.pass_ratios((kernel, n), (kernel, 1))) for n in range(1, max_tokens + 1)]
            for kernel in states}


def _draft_step(drafter, target, prompt_ids, sampling, rng):
    """A call that proposes ONE token after the prompt, the prompt already read (a draft step).
    A feature drafter drafts from the target's features of the prompt, as in decoding."""
    if getattr(drafter, "wants_features", False):
        _, features = CachedModel(target).forward(prompt_ids[:-1], features=True)
        return _synchronized(drafter.draft_step_call(prompt_ids, features), features.device)
    drafter.start(prompt_ids)
    drafter.propose(prompt_ids, 1, sampling, rng)                  # reads the prompt (prefill)
    after = prompt_ids + prompt_ids[-1:]
    device = getattr(getattr(drafter, "_state", None), "device", "cpu")

    def step():
        drafter.feedback(len(prompt_ids), 0, 0)                    # back to the prompt alone
        return drafter.propose(after, 1, sampling, rng)
    return _synchronized(step, device)


def prefill_seconds(model, prompts: list, blocks: int = 3, clock=time.perf_counter) -> list:
    """Median seconds of the prefill (a fresh cache reading all but the last prompt token), per prompt."""
    device = next(model.parameters()).device

    def prefill(ids):
        def run():
            if len(ids) > 1:
                CachedModel(model).forward(ids[:-1], last_only=True)
        return _synchronized(run, device)

    with torch.inference_mode():
        calls = {i: prefill(ids) for i, ids in enumerate(prompts)}
        calls[0]()                                                  # warm-up, untimed
        timed = run_interleaved(calls, blocks, clock=clock)
    return [float(np.median(timed.seconds[:, :, i])) for i in range(len(prompts))]


def thread_growth(model, prompt_ids: list, threads: tuple, rows: tuple = (1, 2), blocks: int = 5,
                  clock=time.perf_counter) -> dict:
    """Seconds of one cached pass of torch's stock kernel over each of `rows` new tokens, at each
    thread count of `threads`, all interleaved in the same ABBA blocks:
    {(threads, rows): Spread of seconds}. It settles what a second core does for a one-token pass
    and for a two-token pass, measured rather than assumed. Torch's thread count is restored after."""
    threads = tuple(as_count(n, "threads", minimum=1, maximum=1024) for n in threads)
    rows = tuple(as_count(n, "rows", minimum=1, maximum=64) for n in rows)
    before = torch.get_num_threads()
    state = CachedModel(model, column_products=False)
    try:
        with torch.inference_mode():
            state.forward(prompt_ids, last_only=True)
            kept = state.length
            filler = (prompt_ids * (max(rows) // len(prompt_ids) + 1))[:max(rows)]

            def target_pass(n_threads, n):
                def run():
                    torch.set_num_threads(n_threads)
                    state.crop(kept)
                    return state.forward(filler[:n])
                return _synchronized(run, state.device)

            calls = {(t, n): target_pass(t, n) for t in threads for n in rows}
            for call in calls.values():                            # warm-up, untimed
                call()
            timed = run_interleaved(calls, blocks, clock=clock)
            state.crop(kept)
    finally:
        torch.set_num_threads(before)
    return {key: spread(timed.seconds[:, :, i].ravel()) for i, key in enumerate(timed.keys)}
